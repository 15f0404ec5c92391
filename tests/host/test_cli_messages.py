"""`nes send` and `nes listen` against a real key server and a real Mosquitto:
delivery, the text and JSON outputs, stdin, invalid frames, persistent sessions,
the replay cache across runs, reconnects and Ctrl-C."""
import base64
import fcntl
import json
import os
import pathlib
import re
import signal
import subprocess
import time

import pytest

from tests.fixtures.nes_cli import capture_frame, publish_raw
from tests.fixtures.paths import free_port


@pytest.fixture
def pair(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    return alice, bob


def test_send_and_listen_deliver_a_verified_message(pair):
    alice, bob = pair
    listener = bob.listen()
    sent = alice.run("send", "bob", "hello", "bob").ok()
    assert "sent to bob" in sent.stdout
    line = listener.wait_for("stdout", "alice: ")
    assert line.endswith(" alice: hello bob")
    code = listener.interrupt()
    rest = listener.rest("stderr")
    assert code == 0, rest
    assert "Traceback" not in "".join(rest)


def test_listen_json_prints_one_object_per_line(pair):
    alice, bob = pair
    listener = bob.listen("--json")
    alice.run("send", "bob", "first").ok()
    alice.run("send", "bob", "-", input="second\nline\n").ok()
    objects = [json.loads(listener.wait_for("stdout", "{")) for _ in range(2)]
    assert [o["message"] for o in objects] == ["first", "second\nline"]
    assert all(o["from"] == "alice" and o["to"] == "bob" for o in objects)
    assert all(isinstance(o["timestamp"], int) and "T" in o["time"] for o in objects)
    listener.interrupt()


@pytest.mark.parametrize("stdin, text", [
    ("from stdin \u00e9\u2713\n", "from stdin \u00e9\u2713"),
    ("", ""),  # an empty text, as the protocol and the boards allow
], ids=["text", "empty"])
def test_send_reads_the_message_from_stdin(pair, stdin, text):
    alice, bob = pair
    listener = bob.listen("--json")
    alice.run("send", "bob", input=stdin).ok()
    assert json.loads(listener.wait_for("stdout", "{"))["message"] == text
    listener.interrupt()


def test_drop_lines_name_the_protocol_error_class(pair, mosquitto):
    alice, bob = pair
    listener = bob.listen()
    publish_raw(mosquitto, "nes/bob/message", b"not json at all")
    assert "dropped a frame: FormatError: not a nes/1 frame" in listener.wait_for("stderr", "dropped")
    listener.interrupt()


def test_send_refuses_unknown_users(pair, keyserver):
    alice, bob = pair
    assert "does not know 'nobody'" in alice.run("send", "nobody", "hi").failed()
    assert "not a valid username" in alice.run("send", "No Body", "hi").failed()
    assert "message too long" in alice.run("send", "bob", "x" * 4000).failed()
    assert "not UTF-8" in alice.run("send", "bob", input=b"\xff\xfe latin?").failed()
    keyserver.deactivate("bob")
    assert "'bob' has no keys any more" in alice.run("send", "bob", "hi").failed()


def test_listen_reports_invalid_frames_and_keeps_going(pair, mosquitto):
    alice, bob = pair
    listener = bob.listen()
    publish_raw(mosquitto, "nes/bob/message", b"not json at all")
    assert "not a nes/1 frame" in listener.wait_for("stderr", "dropped")
    publish_raw(mosquitto, "nes/bob/message", b"x" * 5000)
    assert "over the 4608-byte limit" in listener.wait_for("stderr", "dropped")
    alice.run("send", "bob", "still listening").ok()
    assert listener.wait_for("stdout", "alice:").endswith("still listening")
    assert listener.interrupt() == 0


def _dropped_unseen(listener, mosquitto, user, frame, reason, text):
    """`frame` published to `user`'s topic is dropped for `reason` and
    nothing with `text` is printed."""
    publish_raw(mosquitto, "nes/%s/message" % user, frame)
    assert reason in listener.wait_for("stderr", "dropped")
    listener.interrupt()
    assert not any(text in line for line in listener.seen["stdout"])


def test_a_frame_for_someone_else_fails_authentication(nes_factory, pair, mosquitto, keyserver):
    alice, bob = pair
    carol = nes_factory("carol").join(mosquitto, keyserver)
    listener = carol.listen()
    # Carol's topic receives a frame sealed for Bob: carol cannot open it.
    frame = capture_frame(alice, bob, mosquitto, "for bob only")
    _dropped_unseen(listener, mosquitto, "carol", frame, "failed authentication", "for bob only")


def test_messages_sent_while_away_arrive_once_on_return(pair, mosquitto):
    alice, bob = pair
    bob.listen().interrupt()  # creates bob's persistent session
    frame = capture_frame(alice, bob, mosquitto, "while you were away")
    listener = bob.listen()
    assert listener.wait_for("stdout", "alice:").endswith("while you were away")
    listener.interrupt()
    # A redelivery of the same frame to a later run is recognised by the saved replay cache.
    _dropped_unseen(bob.listen(), mosquitto, "bob", frame, "already received", "alice:")


def test_listen_reconnects_after_the_broker_restarts(pair, mosquitto):
    alice, bob = pair
    listener = bob.listen()
    mosquitto.restart()
    listener.wait_for("stderr", "lost")
    listener.wait_for("stderr", "reconnected")
    alice.run("send", "bob", "after the restart").ok()
    assert listener.wait_for("stdout", "alice:").endswith("after the restart")
    listener.interrupt()


def test_unreachable_services_are_one_line_errors(pair):
    alice, bob = pair
    nowhere = "127.0.0.1:%d" % free_port()
    assert "cannot connect to the broker" in alice.run("-b", "tcp://" + nowhere, "send", "bob", "hi").failed()
    assert "cannot connect to the broker" in alice.run("listen", "-b", "tcp://" + nowhere).failed()
    assert "cannot reach the key server" in alice.run("send", "carol", "hi", "-p", "http://" + nowhere).failed()
    # bob's key is pinned (by the first send): without the key server it is used, with a notice.
    listener = bob.listen()
    sent = alice.run("send", "bob", "pinned", "-p", "http://" + nowhere).ok()
    assert "cannot reach the key server" in sent.stderr and "pinned key of bob" in sent.stderr
    assert listener.wait_for("stdout", "alice:").endswith("pinned")
    listener.interrupt()


def test_sender_text_is_made_safe_for_the_terminal(pair):
    alice, bob = pair
    listener = bob.listen()
    alice.run("send", "bob", "red \x1b[31m alert\u202e").ok()
    line = listener.wait_for("stdout", "alice:")
    assert "\x1b" not in line and "\\x1b[31m" in line and "\\u202e" in line
    listener.interrupt()


def test_forged_frames_pin_nothing_and_cost_one_lookup_per_name(pair, mosquitto, keyserver):
    """Six frames forged with bob's public key only, claiming alice (registered)
    and nobody (unknown): nothing pinned, one key-server lookup per name."""
    from tests.fixtures.forgery import LookupCounter, forged_frame
    alice, bob = pair
    lookups = LookupCounter(keyserver)
    listener = bob.listen()
    bob_public = base64.b64decode(bob.key("x25519-message.pub"))
    for claimed, reason in (("alice", "failed authentication"), ("nobody", "not known")):
        for _ in range(6):
            publish_raw(mosquitto, "nes/bob/message", forged_frame(claimed, "bob", bob_public))
            assert reason in listener.wait_for("stderr", "dropped")
    pins = bob.nes_dir / "peers.json"
    assert not pins.exists() or "alice" not in json.loads(pins.read_text())
    assert (lookups.counts["alice"], lookups.counts["nobody"]) == (1, 1)
    alice.run("send", "bob", "the real alice").ok()  # verified: now pinned
    assert listener.wait_for("stdout", "alice:").endswith("the real alice")
    assert "alice" in json.loads(pins.read_text())
    listener.interrupt()


def test_client_ids_are_random_and_never_name_the_user(pair, mosquitto):
    """What the broker logs: listen keeps one random id per installation (its
    persistent session) across runs, each send a fresh one; no user name."""
    alice, bob = pair
    for _ in range(2):
        bob.listen().interrupt()
        alice.run("send", "bob", "hi").ok()
    seen = re.findall(r"New client connected from \S+ as (\S+)", mosquitto.log.read_text())
    listens, sends = seen[0::2], seen[1::2]
    assert len(seen) == 4 and listens[0] == listens[1] and sends[0] != sends[1]
    assert listens[0] == (bob.nes_dir / "bob-client-id").read_text().strip() + "l"
    assert all(re.fullmatch("[0-9a-zA-Z]{1,23}", i) and "bob" not in i and "alice" not in i for i in seen)


def _blocked_writing(pid):
    """Whether a thread of `pid` waits in a write to a full pipe."""
    return any("pipe_write" in wchan.read_text() for wchan in pathlib.Path("/proc/%d/task" % pid).glob("*/wchan"))


def test_ctrl_c_right_after_a_message_is_printed_does_not_show_it_again(pair):
    """Ctrl-C reaches `nes listen` while it prints a message (held there: its stdout
    is a full pipe, so the print cannot finish before the signal); the next run must
    not print the message again (it was recorded before the print)."""
    alice, bob = pair
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: the smallest pipe
    os.set_blocking(write_end, False)
    try:
        while True:
            os.write(write_end, b"\n" * 4096)
    except BlockingIOError:
        pass
    os.set_blocking(write_end, True)
    first = subprocess.Popen([bob.exe, "listen"], stdout=write_end, stderr=subprocess.PIPE,
                             env=bob.env(), cwd=bob.home)
    os.close(write_end)
    try:
        for line in first.stderr:
            if b"listening as bob" in line:
                break
        alice.run("send", "bob", "shown once").ok()
        deadline = time.monotonic() + 30
        while not _blocked_writing(first.pid):  # the print has begun
            assert time.monotonic() < deadline and first.poll() is None, "nes listen never printed"
            time.sleep(0.01)
        first.send_signal(signal.SIGINT)
        with os.fdopen(read_end, "rb") as printed:
            shown = printed.read().decode()
        first.wait(30)
    finally:
        first.kill()
        first.stderr.close()
    assert shown.count("shown once") == 1
    listener = bob.listen()
    alice.run("send", "bob", "next").ok()
    assert listener.wait_for("stdout", "alice:").endswith("next")
    listener.interrupt()
    assert not any("shown once" in line for line in listener.seen["stdout"])
