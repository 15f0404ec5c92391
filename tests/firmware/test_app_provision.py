"""On-board key generation for provisioning, and the atomic files that hold
the keys: the private keys never cross the serial link, only one NES-PUBLIC
line with the public keys does; a power cut never leaves half a key."""
import base64
import json
import re

from Crypto.PublicKey import ECC

from host_tools.protocol import x25519 as host_x25519


def _public_line(out):
    line = re.search(r"^NES-PUBLIC (\{.*\})\r?$", out, re.M)
    assert line, out
    return json.loads(line.group(1))


def test_generate_keeps_private_keys_on_the_board(vboard):
    out = vboard.exec("import nes.provision; nes.provision.generate()")
    public = _public_line(out)
    assert out.count("NES-PUBLIC") == 1
    data = vboard.dir / "nesdata"
    keys = {name: (data / name).read_bytes() for name in ("message.key", "message.pub", "sign.key", "sign.pub")}
    assert all(len(k) == 32 for k in keys.values())
    assert not list(data.glob("*.tmp"))
    # the published halves belong to the private ones (checked with the host's libraries)
    assert base64.b64decode(public["public_key_message"]) == keys["message.pub"]
    assert host_x25519.public_key(keys["message.key"]) == keys["message.pub"]
    seed_public = ECC.construct(curve="Ed25519", seed=keys["sign.key"]).public_key().export_key(format="raw")
    assert base64.b64decode(public["public_key_sign"]) == keys["sign.pub"] == seed_public

    # nothing of the private keys crossed the link, in any encoding
    link = vboard.transcript.read_bytes()
    for secret in (keys["message.key"], keys["sign.key"]):
        for form in (secret, base64.b64encode(secret), secret.hex().encode(), repr(secret).encode()):
            assert form not in link

    # again: the same keys; with force=True: new ones
    assert _public_line(vboard.exec("import nes.provision; nes.provision.generate()")) == public
    renewed = _public_line(vboard.exec("import nes.provision; nes.provision.generate(force=True)"))
    assert renewed["public_key_message"] != public["public_key_message"]
    assert (data / "message.pub").read_bytes() == base64.b64decode(renewed["public_key_message"])


def test_interrupted_writes_leave_the_old_file_or_finish_the_new_one(vboard):
    data = vboard.dir / "nesdata"
    data.mkdir()
    (data / "peers.json").write_text('{"old": 1}')
    (data / "peers.json.tmp").write_text('{"new": 2, "cut sh')  # a write cut short
    (data / "replay.json.tmp").write_text('{"floor": 5, "seen": []}')  # renamed never happened
    out = vboard.exec(
        "from nes import storage\n"
        "print(storage.load_json('/nesdata/peers.json'))\n"
        "print(storage.load_json('/nesdata/replay.json')['floor'])\n"
        "print(storage.load('/nesdata/absent.json', lambda d: True))\n"
        "storage.write_atomic('/nesdata/k', b'1' * 32)\n"
        "storage.write_atomic('/nesdata/k', b'2' * 32)\n"
        "print(open('/nesdata/k').read())\n"
    )
    assert out.split() == ["{'old':", "1}", "5", "None", "2" * 32]
    assert not (data / "replay.json.tmp").exists() and (data / "replay.json").exists()
    assert not (data / "k.tmp").exists()


def test_a_set_of_keys_cut_short_is_never_used(vboard):
    """Provisioning writes the public files last: a set without them is no
    set (load() gives None), and a new one is made."""
    first = _public_line(vboard.exec("import nes.provision; nes.provision.generate()"))
    (vboard.dir / "nesdata" / "sign.pub").unlink()  # power cut before the last file
    out = vboard.exec("from nes import identity; print(identity.load())\n"
                      "import nes.provision; nes.provision.generate()")
    assert out.startswith("None")
    assert _public_line(out) != first
