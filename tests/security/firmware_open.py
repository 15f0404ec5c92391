"""Open many frames with the firmware's open_frame in ONE MicroPython process
(the unix port, board-sized heap), through mpy_open_cases.py."""
import base64
import hashlib
import json
import pathlib

SCRIPT = pathlib.Path(__file__).with_name("mpy_open_cases.py")
HEAP = "160k"  # about what an ESP32 leaves free to MicroPython code


def digest(message):
    """What the script prints after "ok " for an opened message."""
    text = "%s|%s|%d|%s" % tuple(message)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def open_on_firmware(micropython, workdir, frames, me, secret, directory, now,
                     replay="fresh", every=250, heap=HEAP):
    """([one outcome line per frame], [gc.mem_alloc() samples])."""
    head = {
        "me": me, "now": now, "every": every, "replay": replay,
        "secret": base64.b64encode(secret).decode(),
        "directory": {name: base64.b64encode(key).decode() for name, key in directory.items()},
    }
    path = pathlib.Path(workdir) / "frames.bin"
    with open(path, "wb") as f:
        f.write(json.dumps(head).encode() + b"\n")
        for frame in frames:
            f.write(len(frame).to_bytes(4, "big") + frame)
    run = micropython(script=SCRIPT, args=[str(path)], heapsize=heap, timeout=900).check()
    lines = run.stdout.splitlines()
    outcomes = [line for line in lines if not line.startswith("mem ")]
    memory = [int(line.split()[1]) for line in lines if line.startswith("mem ")]
    if len(outcomes) != len(frames):
        raise AssertionError("the firmware opened %d of %d frames:\n%s%s"
                             % (len(outcomes), len(frames), run.stdout[-2000:], run.stderr))
    return outcomes, memory
