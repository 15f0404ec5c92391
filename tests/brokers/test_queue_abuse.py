"""Queue abuse under deploy/mosquitto/ as shipped: any login may publish to
any inbox, so a login can fill an offline user's queue with junk. This
measures how many junk frames it takes before a real frame sent after them
is dropped (Mosquitto drops the NEW frame once a queue is full, and still
acknowledges it to its publisher), shows that a frame queued before the junk
survives, and checks that docs/SECURITY.md states the measured number."""
import pytest

from tests.fixtures.mqtt_client import connect
from tests.fixtures.paths import ROOT

INBOX = "nes/alice/message"
JUNK = 1500  # more than the shipped queue can hold
SENTINEL_EVERY = 100


def _junk(i, size):
    return (b"junk %05d " % i).ljust(size, b".")


def _drain(alice, bob):
    """Every frame queued for alice, in order. Bob publishes a sentinel now and
    every SENTINEL_EVERY frames (one published while the queue is still full is
    dropped); the first to arrive comes after everything queued before it."""
    frames = []
    bob.paho.publish(INBOX, b"sentinel", qos=1)
    while True:
        _, payload = alice.next_frame()
        if payload == b"sentinel":
            return frames
        frames.append(payload)
        if len(frames) % SENTINEL_EVERY == 0:
            bob.paho.publish(INBOX, b"sentinel", qos=1)


@pytest.mark.parametrize("size", [16, 4608], ids=["tiny-junk", "full-size-junk"])
def test_junk_frames_needed_to_drop_a_real_one(deployed_mosquitto, size):
    broker = deployed_mosquitto
    logins = {name: broker.bind(name) for name in ("alice", "bob", "mallory")}
    alice = connect(broker, "alice", *logins["alice"], clean=False)
    assert alice.subscribe(INBOX) == 1
    alice.close()

    bob = connect(broker, "bob", *logins["bob"])
    bob.publish(INBOX, b"real frame before the junk")
    mallory = connect(broker, "mallory", *logins["mallory"])
    infos = [mallory.paho.publish(INBOX, _junk(i, size), qos=1) for i in range(JUNK)]
    for info in infos:
        info.wait_for_publish(30)
    assert all(info.is_published() for info in infos)  # every junk frame was acknowledged
    bob.publish(INBOX, b"real frame after the junk")
    mallory.close()

    alice = connect(broker, "alice", *logins["alice"], clean=False)
    frames = _drain(alice, bob)
    alice.close()
    bob.close()
    junk = frames[1:]
    print("%d-byte junk: alice got the first real frame and %d junk frames; the queue held %d frames"
          % (size, len(junk), len(frames)))
    assert frames[0] == b"real frame before the junk"
    assert junk == [_junk(i, size) for i in range(len(junk))]
    assert b"real frame after the junk" not in frames
    needed = len(frames)  # junk frames that fill an empty queue; the next real frame is dropped
    documented = "%s junk frames" % format(needed, ",")
    assert documented in (ROOT / "docs" / "SECURITY.md").read_text(), \
        "docs/SECURITY.md must say: %s" % documented
