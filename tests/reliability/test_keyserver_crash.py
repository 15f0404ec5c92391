"""The key server killed with SIGKILL in the middle of a registration burst
(gunicorn, 2 workers, every process of it killed at once), then
started again on the same store, on SQLite and on PostgreSQL: every name that
was answered 201 is stored exactly as registered, nothing is half-written (an
account without its token, a token without its account), mailed links of
registrations that never committed are a clean 404, and the restarted server
carries on."""
import threading
import time

import pytest

from host_tools.protocol.directory import verify_lookup
from tests.fixtures.gunicorn import Gunicorn
from tests.fixtures.keyserver import http
from tests.reliability.registrations import (
    NO_ANSWER, body, mailed_token, post, problems_with_answers, store_problems, token_matches,
)

ATTEMPTS = 400
CLIENTS = 12
KILL_AFTER = 60  # 201 answers seen before the kill
JSON = {"Accept": "application/json"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite:///%s" % (tmp_path / "keyserver.sqlite3")
    return request.getfixturevalue("postgres_cluster").create_database()


@pytest.fixture
def server(tmp_path, database_url, smtp):
    server = Gunicorn(tmp_path, database_url, smtp)
    yield server
    server.kill()


def _burst_until_killed(server, requests):
    """Register from CLIENTS threads; SIGKILL the server once KILL_AFTER were
    answered 201. Returns ({name: (status, reply)} of every request made,
    whether the kill happened)."""
    names = iter(list(requests))
    lock = threading.Lock()
    answers = {}
    killed = threading.Event()

    def client():
        while not killed.is_set():
            with lock:
                name = next(names, None)
            if name is None:
                return
            status, reply = post(server.url, requests[name])
            with lock:
                answers[name] = (status, reply)
                created = sum(1 for s, _ in answers.values() if s == 201)
            if created >= KILL_AFTER and not killed.is_set():
                killed.set()
                server.kill()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers, killed.is_set()


@pytest.fixture
def slow_smtp(smtp, monkeypatch):
    """The smtp fixture, answering each mail 50 ms after it has it: the server
    holds its registration transaction open meanwhile, so the kill finds some
    registrations mailed but not committed."""
    received = smtp._received

    def slowly(msg):
        received(msg)
        time.sleep(0.05)

    monkeypatch.setattr(smtp, "_received", slowly)
    return smtp


def test_sigkill_during_a_registration_burst_leaves_a_consistent_store(server, database_url, slow_smtp):
    smtp = slow_smtp
    server.start()
    requests = {"crash%03d" % i: body("crash%03d" % i) for i in range(ATTEMPTS)}
    answers, killed = _burst_until_killed(server, requests)
    assert killed, "the burst ended before the kill"
    time.sleep(0.5)  # nothing is left to write, but give the kernel time to close the sockets
    server.start()

    created = [n for n, (s, _) in answers.items() if s == 201]
    unanswered = [n for n, (s, _) in answers.items() if s == NO_ANSWER]
    refused = [(s, r) for s, r in answers.values() if s not in (201, NO_ANSWER)]
    users, problems = store_problems(database_url, created, requests)
    in_flight = sorted(set(users) - set(created))
    print("\n%s: %d registrations sent before SIGKILL; %d answered 201, %d refused, %d without an answer;"
          " after restart %d stored (%d of them in flight at the kill, stored whole)"
          % (database_url.split(":")[0], len(answers), len(created), len(refused), len(unanswered),
             len(users), len(in_flight)))
    assert not problems_with_answers(refused)
    assert not problems, problems[:10]
    assert set(in_flight) <= set(unanswered)

    # Every 201 registration's mailed token is the stored digest, and works.
    for name in created:
        token, _ = mailed_token(smtp, requests[name]["email"])
        assert token_matches(database_url, name, token), name
    # Links mailed for registrations that did not commit are a clean 404.
    orphans = [n for n in unanswered if n not in users and mailed_token(smtp, requests[n]["email"])]
    for name in orphans:
        _, link = mailed_token(smtp, requests[name]["email"])
        reply = http("POST", link.replace(link.split("/users/")[0], server.url), headers=JSON)
        assert reply.status == 404 and reply.json()["status"] == 404
    print("  mailed links of registrations lost with the server: %d, each a clean 404" % len(orphans))

    # The restarted server carries on: names are still taken, links work, lookups verify.
    assert http("GET", server.url + "/healthz").status == 200
    assert post(server.url, body(created[0]))[0] == 409
    _, link = mailed_token(smtp, requests[created[1]]["email"])
    assert http("POST", link.replace(link.split("/users/")[0], server.url), headers=JSON).status == 200
    answer = http("GET", server.url + "/users/" + created[1]).json()
    verify_lookup(answer, created[1], server.public_key)
    assert post(server.url, body("after-crash"))[0] == 201
