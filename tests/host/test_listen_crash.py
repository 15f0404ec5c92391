"""`nes listen` killed (SIGKILL) right after it showed a message: the record
saved before the message was shown survives, so the frame delivered again
(redelivered by the broker or replayed) is not shown twice."""
from tests.fixtures.nes_cli import capture_frame, publish_raw


def test_a_message_shown_before_sigkill_is_not_shown_again(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    bob.listen().interrupt()  # bob's persistent session
    frame = capture_frame(alice, bob, mosquitto, "shown before the crash")
    first = bob.listen()
    assert first.wait_for("stdout", "alice:").endswith("shown before the crash")
    first.kill()
    second = bob.listen()
    publish_raw(mosquitto, "nes/bob/message", frame)
    assert "already received" in second.wait_for("stderr", "dropped")
    alice.run("send", "bob", "after the crash").ok()
    assert second.wait_for("stdout", "alice:").endswith("after the crash")
    second.interrupt()
    assert not any("shown before the crash" in line for line in second.seen["stdout"])
