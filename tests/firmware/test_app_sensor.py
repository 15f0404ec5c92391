"""Sensor posting: the board reads its built-in sensor (simulated on the
unix board) at the configured interval and sends the reading, sealed, to
each configured recipient; an unknown recipient is reported and the others
still get it."""
import re


def test_readings_reach_every_recipient_at_the_interval(user_board):
    bob = user_board("bob")
    carol = user_board("carol")
    user_board("alice", recipients=["bob", "nobody-here", "carol"], interval=1)
    for board in (bob, carol):
        out = board.wait_for("temperature=", count=2)
        readings = [float(t) for t in re.findall(
            r"message from alice at .* UTC: nes-reading/1\r?\n    temperature=(-?\d+(?:\.\d)?) C", out)]
        assert len(readings) >= 2 and all(15 < t < 30 for t in readings)


def test_an_unknown_recipient_is_reported_and_skipped(user_board):
    bob = user_board("bob")
    alice = user_board("alice", recipients=["nobody-here", "bob"], interval=1)
    bob.wait_for("temperature=")
    assert "sensor: not posted to nobody-here: DirectoryError: the key server does not know nobody-here" in alice.output()
