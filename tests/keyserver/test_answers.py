"""Lookup answers with freshness (docs/PROTOCOL.md §10) through a real server:
a serial per name that grows with every change and survives deactivation and
re-registration, the signed "no such user", the stored answer served with an
ETag and a bounded max-age, 304 for a conditional GET, and re-signing only once
an answer is older than half its validity."""
import re

from host_tools.protocol import directory
from tests.keyserver.util import random_keys


def read(server, name, reply):
    """The verified Answer in a reply, checked at the time it was issued."""
    return directory.read_answer(reply.status, reply.json(), name, server.public_key,
                                 reply.json()["response"]["issued_at"])


def test_serial_grows_with_each_change_and_survives_re_registration(keyserver):
    first = random_keys()
    keyserver.register_and_activate("alice", public_key_message=first[0], public_key_sign=first[1])
    answer = read(keyserver, "alice", keyserver.get("/users/alice"))
    assert answer.serial == 1 and answer.keys is not None

    keyserver.deactivate("alice")
    gone = keyserver.get("/users/alice")
    assert gone.status == 404
    assert read(keyserver, "alice", gone)[1:3] == (None, 2), "the deactivation is a signed 404, serial 2"

    second = random_keys()
    assert keyserver.register("alice", "new@example.org", *second)[0] == 201
    pending = keyserver.get("/users/alice")
    assert pending.status == 404 and read(keyserver, "alice", pending).serial == 2, \
        "a pending re-registration is not a change of the published name"
    keyserver.activate("new@example.org")
    again = read(keyserver, "alice", keyserver.get("/users/alice"))
    assert again.serial == 3 and again.keys != answer.keys


def test_a_never_published_name_gets_an_unsigned_404(keyserver):
    reply = keyserver.get("/users/nobody")
    assert reply.status == 404 and "signature" not in reply.json()


def test_answers_carry_an_etag_and_a_bounded_max_age_and_304_on_a_match(keyserver_factory):
    server = keyserver_factory(LOOKUP_MAX_AGE=90, LOOKUP_VALIDITY=3600)
    server.register_and_activate("bob")
    reply = server.get("/users/bob")
    etag = reply.headers["ETag"]
    assert re.fullmatch(r'"1-\d+"', etag)
    assert reply.headers["Cache-Control"] == "public, max-age=90"
    response = reply.json()["response"]
    assert response["expires_at"] - response["issued_at"] == 3600

    same = server.get("/users/bob", headers={"If-None-Match": etag})
    assert (same.status, same.body, same.headers["ETag"]) == (304, b"", etag)
    assert server.get("/users/bob", headers={"If-None-Match": '"0-1"'}).status == 200
    assert server.get("/users/bob").body == reply.body, "an answer is stored, not signed per request"

    server.deactivate("bob")
    gone = server.get("/users/bob", headers={"If-None-Match": etag})
    assert gone.status == 404 and gone.headers["ETag"] != etag


def test_max_age_never_outlasts_the_answer(keyserver_factory):
    server = keyserver_factory(LOOKUP_MAX_AGE=3600, LOOKUP_VALIDITY=100)
    server.register_and_activate("carol")
    age = int(server.get("/users/carol").headers["Cache-Control"].rsplit("=", 1)[1])
    assert 0 < age <= 100


def test_an_answer_is_re_signed_once_older_than_half_its_validity(keyserver_factory, monkeypatch):
    server = keyserver_factory(LOOKUP_VALIDITY=1000)
    server.register_and_activate("dave")
    first = server.get("/users/dave").json()["response"]
    issued = first["issued_at"]
    from keyserver import accounts

    monkeypatch.setattr(accounts, "now", lambda: issued + 499)
    assert server.get("/users/dave").json()["response"] == first
    monkeypatch.setattr(accounts, "now", lambda: issued + 500)
    reply = server.get("/users/dave")
    fresh = directory.read_answer(200, reply.json(), "dave", server.public_key, issued + 500)
    assert (fresh.serial, fresh.issued_at, fresh.expires_at) == (1, issued + 500, issued + 1500)
    assert {f: reply.json()["response"][f] for f in ("public_key_message", "public_key_sign")} \
        == {f: first[f] for f in ("public_key_message", "public_key_sign")}
    monkeypatch.setattr(accounts, "now", lambda: issued + 501)
    assert server.get("/users/dave").body == reply.body, "the re-signed answer is stored"
