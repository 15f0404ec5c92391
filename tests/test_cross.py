"""Cross test of the two nes/1 implementations: 200 random messages sealed by
the firmware (one MicroPython unix-port process) and opened by the host
(host_tools.protocol.envelope), and 200 sealed by the host and opened by the
firmware (one process). Texts include the empty text, non-ASCII, control
characters and the longest text that fits (PROTOCOL.md §5, MAX_INNER_BYTES)."""
import base64
import hashlib
import json
import random

from host_tools.protocol import envelope, inner, keys
from host_tools.protocol.constants import MAX_INNER_BYTES, MAX_TIMESTAMP
from host_tools.protocol.replay import ReplayCache

COUNT = 200
POOLS = (
    [chr(c) for c in range(0x20, 0x7F)],                       # printable ASCII
    [chr(c) for c in range(0x20)] + ["\x7f", '"', "\\", "/"],  # escaped or special
    list("éüßñΩжא"),                                           # 2-byte UTF-8
    list("€中文‱\u2028\ufeff\uffff"),                           # 3-byte UTF-8
    list("😀𝄞🚀\U0010ffff"),                                     # 4-byte UTF-8
)

SEAL_ALL = """
import sys, json
from binascii import a2b_base64, unhexlify
from nes.proto import envelope
with open(sys.argv[1]) as f:
    head = json.loads(f.readline())
    seed, public = a2b_base64(head["seed"]), a2b_base64(head["public"])
    for line in f:
        ts, text = line.split()
        frame = envelope.seal(head["sender"], seed, head["recipient"], public,
                              unhexlify(text[1:]).decode(), int(ts))
        sys.stdout.write(frame.decode() + "\\n")
"""

OPEN_ALL = """
import sys, json, hashlib
from binascii import a2b_base64, hexlify
from nes.proto import envelope, replay
with open(sys.argv[1]) as f:
    head = json.loads(f.readline())
    secret = a2b_base64(head["secret"])
    directory = {head["sender"]: a2b_base64(head["sign_public"])}
    cache = replay.ReplayCache()
    for line in f:
        ts, frame = line.split(" ", 1)
        try:
            m = envelope.open_frame(frame.strip().encode(), head["recipient"], secret,
                                    directory.get, int(ts), cache)
            print(hexlify(hashlib.sha256(m.text.encode()).digest()).decode(),
                  m.sender, m.recipient, m.timestamp)
        except Exception as e:
            print("ERROR", type(e).__name__)
"""


def _fit(text, sender, recipient, ts):
    """`text`, shortened until its inner message fits MAX_INNER_BYTES."""
    while len(inner.encode(sender, recipient, ts, text)) > MAX_INNER_BYTES:
        text = text[:-max(1, (len(inner.encode(sender, recipient, ts, text)) - MAX_INNER_BYTES) // 6)]
    return text


def random_messages(seed, sender, recipient):
    """COUNT (timestamp, text) pairs, timestamps increasing, texts of every
    kind, the first empty and two as long as fits."""
    rng = random.Random(seed)
    stamps = sorted(rng.sample(range(1, MAX_TIMESTAMP), COUNT - 2))
    stamps = [0] + stamps + [MAX_TIMESTAMP]
    out = []
    for i, ts in enumerate(stamps):
        if i == 0:
            text = ""
        elif i in (1, 2):
            pool = POOLS[0] if i == 1 else POOLS[2] + POOLS[4]
            text = "".join(rng.choice(pool) for _ in range(MAX_INNER_BYTES))
        else:
            mix = rng.sample(POOLS, rng.randint(1, len(POOLS)))
            length = rng.choice((1, 2, 15, 16, 17, rng.randint(0, 200), rng.randint(0, 3100)))
            text = "".join(rng.choice(rng.choice(mix)) for _ in range(length))
        text = _fit(text, sender, recipient, ts)
        out.append((ts, text))
    for ts, text in out[1:3]:  # within one character (at most 6 bytes) of the limit
        assert len(inner.encode(sender, recipient, ts, text)) > MAX_INNER_BYTES - 6
    return out


def digest_line(text, sender, recipient, ts):
    return [hashlib.sha256(text.encode()).hexdigest(), sender, recipient, str(ts)]


def _b64(raw):
    return base64.b64encode(raw).decode()


def write_input(path, head, lines):
    """The input file of SEAL_ALL / OPEN_ALL: a JSON head line, then one line each."""
    with open(path, "w") as f:
        f.write(json.dumps(head) + "\n")
        f.writelines(line + "\n" for line in lines)
    return str(path)


def test_firmware_seals_host_opens(micropython, tmp_path):
    sender, recipient = "alice", "bob_the-recipient"
    m, M, s, S = keys.generate()
    messages = random_messages(1, sender, recipient)
    path = write_input(tmp_path / "to_seal.txt",
                       {"sender": sender, "recipient": recipient, "seed": _b64(s), "public": _b64(M)},
                       ("%d h%s" % (ts, text.encode().hex()) for ts, text in messages))
    frames = micropython(SEAL_ALL, args=(path,), timeout=600).check().stdout.splitlines()
    assert len(frames) == COUNT
    cache = ReplayCache()
    for (ts, text), frame in zip(messages, frames):
        opened = envelope.open_frame(frame.encode(), recipient, m, {sender: S}.get, ts, cache)
        assert opened == envelope.Message(sender, recipient, ts, text)


def test_host_seals_firmware_opens(micropython, tmp_path):
    sender, recipient = "carol-" + "c" * 26, "dave"
    m, M, s, S = keys.generate()
    messages = random_messages(2, sender, recipient)
    path = write_input(tmp_path / "to_open.txt",
                       {"sender": sender, "recipient": recipient, "secret": _b64(m), "sign_public": _b64(S)},
                       ("%d %s" % (ts, envelope.seal(sender, s, recipient, M, text, ts).decode())
                        for ts, text in messages))
    lines = micropython(OPEN_ALL, args=(path,), timeout=600).check().stdout.splitlines()
    assert len(lines) == COUNT
    for (ts, text), line in zip(messages, lines):
        assert line.split() == digest_line(text, sender, recipient, ts)
