"""Broker faults with nothing lost, on a real Mosquitto (persistence on), real
virtual boards running the firmware application and the real `nes` CLI:

- the broker is stopped for 10 s while a board sends 20 messages to a host
  user who is offline: after the restart the host receives all 20, once each;
- the same with the board as the offline receiver and the host (`nes chat`)
  sending through the outage;
- a listener and a board survive the broker being killed with SIGKILL and
  restarted on the same port, and messages flow both ways afterwards."""
import json
import re
import threading
import time


COUNT = 20
OUTAGE = 10  # seconds the broker is down
SETTLE = 3  # seconds to wait for any duplicate after the last expected message
TEXTS = ["fault %02d" % i for i in range(COUNT)]
# A board that printed one of these is not going to get there: fail at once.
CRASHED = ("MemoryError", "nes: not started", "nes: unexpected error")


def _board_user(user_board, name):
    board = user_board(name)
    board.wait_for("mqtt: connected")
    return board


def _counts(texts):
    return {t: texts.count(t) for t in set(texts)}


def _listener_messages(listener):
    """Interrupt a `nes listen --json` after SETTLE s; the texts of every
    message it printed, and how many frames it dropped as replays."""
    time.sleep(SETTLE)
    listener.interrupt()
    lines = listener.seen["stdout"] + listener.rest("stdout")
    errors = listener.seen["stderr"] + listener.rest("stderr")
    texts = [json.loads(line)["message"] for line in lines if line.startswith("{")]
    return texts, sum("already received" in line for line in errors)


def test_board_sends_20_through_a_10s_outage_to_an_offline_host(nes_factory, user_board, mosquitto,
                                                               keyserver):
    bob = nes_factory("bob").join(mosquitto, keyserver)
    bob.listen().interrupt()  # bob's persistent session exists; bob is now offline
    board = _board_user(user_board, "alice")

    code = ("import nes, time\nfor i in range(%d):\n    nes.send('bob', 'fault %%02d' %% i)\n"
            "    time.sleep_ms(600)\nprint('board: sent all')" % COUNT)
    failed = []

    def send_all():
        try:
            board.exec(code, timeout=300)
        except BaseException as exc:  # pytest.fail in this thread: re-raised in the test's own
            failed.append(exc)

    sender = threading.Thread(target=send_all)
    mark = board.mark()
    sender.start()
    time.sleep(2)
    mosquitto.stop()
    stopped = time.monotonic()
    time.sleep(OUTAGE)
    mosquitto.start()
    print("\nbroker stopped for %.1f s while the board was sending" % (time.monotonic() - stopped))
    sender.join(300)
    if failed:
        raise failed[0]
    out = board.wait_for("board: sent all", after=mark, fail_on=CRASHED)[mark:]
    retries = out.count("mqtt: cannot reach")
    reconnects = len(re.findall(r"mqtt: connected to .* \((session resumed|new session)\)", out))

    listener = bob.listen("--json")
    for _ in range(COUNT):
        listener.wait_for("stdout", '"from": "alice"', timeout=60)
    texts, replays = _listener_messages(listener)
    print("board: %d connection retries, %d reconnects; host received %d messages (%d distinct), "
          "%d redeliveries dropped as replays" % (retries, reconnects, len(texts), len(set(texts)), replays))
    assert retries >= 1, "the board never noticed the outage"
    assert sorted(texts) == TEXTS, "lost or duplicated: %s" % _counts(texts)


def test_host_sends_20_through_a_10s_outage_to_an_offline_board(nes_factory, user_board, mosquitto,
                                                               keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    board = _board_user(user_board, "bob")
    board.stop()  # the board's persistent session stays at the broker; the board is off

    chat = alice.start("chat", "bob")
    chat.wait_for("stdout", "chat with bob")
    feed = iter(TEXTS)

    def say(n):
        for _ in range(n):
            chat.proc.stdin.write((next(feed) + "\n").encode())
            chat.proc.stdin.flush()
            time.sleep(0.5)

    say(5)
    mosquitto.stop()
    say(10)  # typed while the broker is down
    time.sleep(OUTAGE - 5)
    mosquitto.start()
    say(5)
    chat.proc.stdin.close()
    assert chat.proc.wait(120) == 0
    chat_errors = chat.seen["stderr"] + chat.rest("stderr")
    assert not any("may be lost" in line for line in chat_errors), chat_errors

    # Power the board on again, on the same flash: same client id, same session.
    mark = board.mark()
    board.start()
    board.wait_for("message from alice", after=mark, count=COUNT, timeout=120, fail_on=CRASHED)
    time.sleep(SETTLE)
    out = board.output()[mark:]
    texts = re.findall(r"message from alice at [^:]*:[^:]*:[^:]* UTC: (fault \d\d)", out)
    replays = out.count("drop: ReplayError")
    print("\nhost typed %d messages, %d of them while the broker was down for %d s; the board received %d "
          "(%d distinct), %d redeliveries dropped as replays" % (COUNT, 10, OUTAGE, len(texts), len(set(texts)),
                                                                 replays))
    assert sorted(texts) == TEXTS, "lost or duplicated: %s" % _counts(texts)


def test_listener_and_board_survive_a_broker_sigkill(nes_factory, user_board, mosquitto, keyserver):
    bob = nes_factory("bob").join(mosquitto, keyserver)
    board = _board_user(user_board, "alice")
    listener = bob.listen("--json")

    mark = board.mark()
    mosquitto.kill()
    time.sleep(1)
    mosquitto.start()
    listener.wait_for("stderr", "reconnected", timeout=60)
    board.wait_for("mqtt: connected", after=mark, timeout=60, fail_on=CRASHED)
    print("\nbroker killed with SIGKILL and restarted on port %d: listener and board reconnected" % mosquitto.port)

    bob.run("send", "alice", "host after the kill").ok()
    out = board.wait_for("UTC: host after the kill", after=mark, timeout=60, fail_on=CRASHED)[mark:]
    assert "message from bob at " in out  # the whole line: a board prints one in pieces
    board.exec("import nes; print(nes.send('bob', 'board after the kill'))")
    line = listener.wait_for("stdout", "board after the kill", timeout=60)
    assert json.loads(line)["from"] == "alice"
    board.run_app()  # and the board's main loop carries on
    listener.interrupt()
    print("after the restart: host -> board and board -> host both delivered; the board's loop runs again")

