"""The acceptance criterion "a lookup response verifies with the server key
using the firmware implementation under the unix port": a real answer fetched
over HTTP is checked by firmware/nes/proto/directory.py under MicroPython (64 KiB heap),
and altered or malformed answers are rejected there with DirectoryError."""
import base64
import copy
import json
import os

import pytest

from tests.keyserver.util import random_keys

_SCRIPT = """
import json, binascii, time
from nes.proto.directory import verify_lookup
from nes.proto.errors import DirectoryError
for case in json.loads(%r):
    try:
        m, s = verify_lookup(case["answer"], case["username"], binascii.a2b_base64(case["server"]),
                             int(time.time()))
        print(case["name"], "ok", binascii.b2a_base64(m).decode().strip(), binascii.b2a_base64(s).decode().strip())
    except DirectoryError:
        print(case["name"], "rejected")
"""


@pytest.fixture
def served(keyserver):
    """(answer, keys, server key b64) of a real lookup for alice."""
    keys = random_keys()
    keyserver.register_and_activate("alice", public_key_message=keys[0], public_key_sign=keys[1])
    answer = keyserver.lookup("alice")[1]  # the plain answer: the "lookup keys" statement
    return answer, keys, keyserver.get("/key").json()["public_key"]


def run_cases(micropython, cases):
    """Check each (name, answer, username, server_b64) under MicroPython; return its output lines."""
    cases = [dict(name=n, answer=a, username=u, server=s) for n, a, u, s in cases]
    run = micropython(_SCRIPT % json.dumps(cases), heapsize="64k").check()
    return run.stdout.splitlines()


def altered(answer, change):
    copied = copy.deepcopy(answer)
    change(copied)
    return copied


def test_firmware_verifies_a_served_lookup(served, micropython):
    answer, keys, server = served
    other_server = base64.b64encode(os.urandom(32)).decode()
    lines = run_cases(micropython, [
        ("served", answer, "alice", server),
        ("other-name", answer, "bob", server),
        ("other-server-key", answer, "alice", other_server),
        ("swapped-keys", altered(answer, lambda a: a["response"].update(
            public_key_message=keys[1], public_key_sign=keys[0])), "alice", server),
        ("renamed", altered(answer, lambda a: a["response"].update(username="bob")), "bob", server),
    ])
    assert lines == ["served ok %s %s" % keys, "other-name rejected", "other-server-key rejected",
                     "swapped-keys rejected", "renamed rejected"]


def test_firmware_rejects_malformed_lookups(served, micropython):
    answer, _, server = served
    cases = [
        ("no-signature", altered(answer, lambda a: a.pop("signature"))),
        ("numeric-signature", altered(answer, lambda a: a.update(signature=5))),
        ("no-key", altered(answer, lambda a: a["response"].pop("public_key_sign"))),
        ("no-response", {"signature": answer["signature"]}),
    ]
    lines = run_cases(micropython, [(name, a, "alice", server) for name, a in cases])
    assert lines == ["%s rejected" % name for name, _ in cases]
