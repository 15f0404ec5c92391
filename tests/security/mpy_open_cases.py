# MicroPython script, run under the unix port by tests/security/firmware_open.py.
# argv[1] is a file: a JSON header line {"me", "secret", "directory", "now",
# "every", "replay"} (keys in b64; replay "fresh": a new ReplayCache per frame,
# "shared": one for the whole run), then the frames, each as a 4-byte big-endian
# length and its bytes. For each frame it prints one line: "ok <sha256 of
# sender|recipient|timestamp|text>", the error class name, or "crash <class>
# <message>" for anything that is not a ProtocolError. Every `every` frames,
# after gc.collect(), it prints "mem <gc.mem_alloc()>".
import binascii
import gc
import hashlib
import json
import sys

from nes.proto import envelope, errors
from nes.proto.replay import ReplayCache


def main(path):
    with open(path, "rb") as f:
        head = json.loads(f.readline())
        me = head["me"]
        secret = binascii.a2b_base64(head["secret"])
        directory = {name: binascii.a2b_base64(key) for name, key in head["directory"].items()}
        now, every = head["now"], head["every"]
        shared = head.get("replay") == "shared"
        replay = ReplayCache()
        count = 0
        while True:
            size = f.read(4)
            if len(size) < 4:
                break
            size = int.from_bytes(size, "big")
            try:
                frame = f.read(size)
            except MemoryError:  # as the board's transport does: collect, then try once more
                gc.collect()
                frame = f.read(size)
            gc.collect()  # as the board's App does before each open (nes/app.py)
            if not shared and count:
                replay = ReplayCache()  # after the collection: low in the heap, not above the last frame's garbage
            try:
                msg = envelope.open_frame(frame, me, secret, directory.get, now, replay)
                text = "%s|%s|%d|%s" % (msg.sender, msg.recipient, msg.timestamp, msg.text)
                out = "ok " + binascii.hexlify(hashlib.sha256(text.encode()).digest()).decode()
            except errors.ProtocolError as exc:
                out = type(exc).__name__
            except Exception as exc:  # the bug the fuzzer hunts
                out = "crash %s %s" % (type(exc).__name__, str(exc)[:60].replace("\n", " "))
            frame = msg = None
            print(out)
            count += 1
            if count % every == 0:
                gc.collect()
                print("mem", gc.mem_alloc())


main(sys.argv[1])
