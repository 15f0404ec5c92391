"""Several key-server instances, as docs/KEYSERVER.md deploys them: two
gunicorn instances on one PostgreSQL behind deploy/nginx/nes-keyserver.conf.
A name registered through one instance is activated through the other and
looked up through the cache; one instance is killed under lookup load with no
failed lookup; a deactivation's signed "no such user" reaches a client through
the cache within the (test-short) max-age, and a virtual board refuses the
name within its (test-short) refresh interval."""
import base64
import json
import threading
import time

import pytest

from host_tools.protocol import directory
from host_tools.protocol import keys as host_keys
from tests.fixtures.gunicorn import Gunicorn
from tests.fixtures.keyserver import http
from tests.fixtures.vboard import b64, board_config
from tests.reliability.registrations import body, post

JSON = {"Accept": "application/json"}
MAX_AGE = 1  # seconds an answer stays in the cache before nginx revalidates it
LOOKERS = 4
REFRESH = 2  # seconds the board uses a verified answer before asking again
GUARD = 60  # seconds before a wait is declared failed (a guard, not a speed assertion)


@pytest.fixture
def deployment(tmp_path, postgres_cluster, smtp, nginx_cache):
    """(instance a, instance b, nginx) on one database and one server key."""
    url = postgres_cluster.create_database()
    settings = {"LOOKUP_MAX_AGE": str(MAX_AGE)}
    a = Gunicorn(tmp_path, url, smtp, settings=settings, name="a")
    b = Gunicorn(tmp_path, url, smtp, key_file=tmp_path / "server.key", settings=settings, name="b")
    instances = [a.start(), b.start()]
    yield a, b, nginx_cache([a.url, b.url])
    for instance in instances:
        instance.kill()


def follow(smtp, address, kind, instance):
    """Follow the next mailed link of `kind` for `address` on `instance`."""
    msg = smtp.wait_for(address, where=lambda m: m.get("X-NES-Keyserver-Link") == kind)
    link = smtp.first_url(msg)
    reply = http("POST", instance.url + "/users/" + link.split("/users/", 1)[1], headers=JSON)
    assert reply.status == 200, reply.text


def lookup(cache, name, public_key):
    reply = http("GET", cache.url + "/users/" + name)
    return reply, directory.read_answer(reply.status, reply.json(), name, public_key,
                                        reply.json()["response"]["issued_at"])


@pytest.mark.postgres
def test_two_instances_behind_the_cache(deployment, smtp):
    a, b, cache = deployment
    registration = body("alice")
    assert post(a.url, registration)[0] == 201
    follow(smtp, registration["email"], "activation", b)

    first, answer = lookup(cache, "alice", a.public_key)
    assert answer.keys == tuple(base64.b64decode(registration[k])
                                for k in ("public_key_message", "public_key_sign"))
    assert first.headers["X-Cache-Status"] == "MISS"
    again, _ = lookup(cache, "alice", a.public_key)
    assert again.headers["X-Cache-Status"] == "HIT" and again.body == first.body

    failures, origin_after_kill, done = [], threading.Event(), threading.Event()
    killed = threading.Event()

    def look():
        while not done.is_set():
            try:
                reply = http("GET", cache.url + "/users/alice", timeout=10)
                directory.read_answer(reply.status, reply.json(), "alice", a.public_key,
                                      reply.json()["response"]["issued_at"])
                if killed.is_set() and reply.headers["X-Cache-Status"] != "HIT":
                    origin_after_kill.set()  # the cache went to the instances after the kill
            except Exception as exc:  # every kind of failure counts
                failures.append(repr(exc))

    lookers = [threading.Thread(target=look) for _ in range(LOOKERS)]
    for thread in lookers:
        thread.start()
    try:
        a.kill()
        killed.set()
        assert origin_after_kill.wait(30), "no lookup reached the instances after the kill"
        for _ in range(2):  # two more refreshes of the cached answer, both from b
            origin_after_kill.clear()
            assert origin_after_kill.wait(30)
    finally:
        done.set()
        for thread in lookers:
            thread.join(30)
    assert failures == []

    follow(smtp, registration["email"], "deactivation", b)
    gone = http("GET", b.url + "/users/alice")
    withdrawn = directory.read_answer(404, gone.json(), "alice", b.public_key,
                                      gone.json()["response"]["issued_at"])
    assert withdrawn.keys is None and withdrawn.serial == answer.serial + 1
    deadline = time.monotonic() + GUARD  # a cache that never refreshes fails the test
    seen = http("GET", cache.url + "/users/alice")
    while seen.status == 200 and time.monotonic() < deadline:  # cached until MAX_AGE has passed
        seen = http("GET", cache.url + "/users/alice")
    assert seen.body == gone.body


@pytest.mark.postgres
def test_a_deactivation_reaches_a_board_through_the_cache(deployment, smtp, mosquitto, vboard_factory):
    a, b, cache = deployment
    carol = host_keys.generate()
    carol_registration = dict(body("carol"), public_key_message=b64(carol[1]), public_key_sign=b64(carol[3]))
    alice = body("alice")
    for registration, first, second in ((carol_registration, a, b), (alice, b, a)):
        assert post(first.url, registration)[0] == 201
        follow(smtp, registration["email"], "activation", second)

    cache.public_key_b64 = b64(a.public_key)
    config = board_config("carol", mosquitto, cache)
    config["keyserver"]["refresh"] = REFRESH
    board = vboard_factory(config=config, keys=carol)
    board.wait_for("nes: running")
    send = "import nes\ntry:\n    print('SENT', nes.send('alice', 'hi'))\nexcept Exception as e:\n    " \
           "print('REFUSED', type(e).__name__, e)"
    assert "SENT True" in board.exec(send)

    follow(smtp, alice["email"], "deactivation", b)
    deadline = time.monotonic() + GUARD
    out = board.exec(send)
    while "SENT" in out and time.monotonic() < deadline:  # until the refresh interval has passed
        out = board.exec(send)
    assert "REFUSED DirectoryError the key server says alice has no keys any more (deactivated)" in out
    pin = json.loads((board.dir / "nesdata" / "peers.json").read_text())["alice"]
    assert pin[2] == 2 and pin[5] == 1, "the signed no-such-user (serial 2) is recorded with the pin"
