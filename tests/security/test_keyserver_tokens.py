"""Security properties of the key server's e-mailed links and lookups, each an
explicit test against the real server on loopback:

- tokens come from `secrets` with at least 256 bits and are stored only as
  SHA-256 digests (the token text is nowhere in the database file);
- a used or an expired token does nothing;
- brute-forcing tokens runs into the rate limit (and then even the right one
  is refused);
- a lookup of a pending or deactivated user is 404."""
import base64
import pathlib
import secrets
import urllib.parse

from host_tools.protocol.directory import verify_lookup
from keyserver import tokens
from tests.fixtures.keyserver import http
from tests.reliability.registrations import body, mailed_token, rows

JSON = {"Accept": "application/json"}
USERS = 64


def _token_of(link):
    return urllib.parse.urlsplit(link).path.rsplit("/", 1)[1]


def _register(server, name, email=None):
    request = body(name, email)
    return server.register(name, request["email"], request["public_key_message"], request["public_key_sign"])[0]


def _follow(link):
    reply = http("POST", link, headers=JSON)
    return reply.status, reply.json()


def test_tokens_are_256_bit_secrets_stored_only_as_digests(keyserver, monkeypatch):
    issued = []
    real = secrets.token_urlsafe

    def recorded(nbytes=None):
        token = real(nbytes)
        issued.append((nbytes, token))
        return token

    monkeypatch.setattr(secrets, "token_urlsafe", recorded)
    requests = [body("tok%02d" % i) for i in range(USERS)]
    for request in requests:
        assert keyserver.post("/users", request).status == 201
    mailed = [mailed_token(keyserver.smtp, r["email"])[0] for r in requests]

    raw = [base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)) for t in mailed]
    ones = sum(bin(b).count("1") for r in raw for b in r) / (8 * sum(map(len, raw)))
    print("\n%d mailed tokens: all from secrets.token_urlsafe(%s), %d bits each, %d distinct, "
          "share of 1 bits %.3f" % (len(mailed), sorted({n for n, _ in issued}), 8 * min(map(len, raw)),
                                    len(set(mailed)), ones))
    assert set(mailed) <= {token for _, token in issued}, "a mailed token did not come from secrets"
    assert all(n is not None and n >= 32 for n, _ in issued)
    assert min(map(len, raw)) >= 32 and len(set(mailed)) == len(mailed)
    assert 0.48 < ones < 0.52

    url = keyserver.config["DATABASE_URL"]
    _, stored = rows(url)
    assert sorted(t.token_hash for t in stored) == sorted(tokens.digest(t) for t in mailed)
    path = pathlib.Path(url[len("sqlite:///"):])
    database = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # with -wal, -journal
    leaked = [t for t in mailed if t.encode() in database]
    print("database files: %d bytes, hold the SHA-256 digests, and %d of the tokens" % (len(database), len(leaked)))
    assert not leaked


def test_a_used_token_does_nothing(keyserver):
    assert _register(keyserver, "once") == 201
    activation = keyserver.link("once")
    assert _follow(activation)[0] == 200
    deactivation = keyserver.link("once", "deactivation")
    again = _follow(activation)
    assert again[0] == 404 and again[1]["status"] == 404
    status, answer = keyserver.lookup("once")
    assert status == 200, "a second activation click changed the account"
    assert _follow(deactivation)[0] == 200
    assert keyserver.lookup("once")[0] == 404
    # Registered again by someone else: the first owner's used links do nothing to the new account.
    assert _register(keyserver, "once", "new-owner@example.org") == 201
    assert keyserver.activate("once")[0] == 200
    outcomes = [_follow(activation)[0], _follow(deactivation)[0]]
    print("\nused activation link: 404, lookup unchanged; after re-registration the old links answer %s"
          % outcomes)
    assert outcomes == [404, 404]
    assert keyserver.lookup("once")[0] == 200
    # A token only works on its own name.
    assert _register(keyserver, "victim") == 201
    assert _register(keyserver, "attacker") == 201
    token = _token_of(keyserver.link("attacker"))
    assert _follow("%s/users/victim/%s" % (keyserver.url, token))[0] == 404
    assert keyserver.lookup("victim")[0] == 404


def test_an_expired_token_does_nothing(keyserver_factory):
    server = keyserver_factory(ACTIVATION_TTL=0)
    assert _register(server, "late") == 201
    status, answer = _follow(server.link("late"))
    print("\nactivation link followed after ACTIVATION_TTL: %d %s" % (status, answer["error"]))
    assert status == 410 and answer["status"] == 410
    assert server.lookup("late")[0] == 404
    users, _ = rows(server.config["DATABASE_URL"])
    assert "late" not in users, "the expired registration still holds the name"


def test_brute_forcing_tokens_hits_the_rate_limit(keyserver_factory):
    server = keyserver_factory(RATE_LIMIT_TOKEN="20 per minute")
    assert _register(server, "target") == 201
    real_link = server.link("target")
    statuses = []
    for _ in range(40):
        reply = http("GET", "%s/users/target/%s" % (server.url, secrets.token_urlsafe(32)), headers=JSON)
        statuses.append(reply.status)
        if reply.status == 429:
            assert reply.json()["status"] == 429 and reply.headers.get("Retry-After")
    right = _follow(real_link)[0]
    print("\n40 guessed tokens: %d x 404 then %d x 429; the right token after that: %d"
          % (statuses.count(404), statuses.count(429), right))
    assert statuses.count(404) <= 20 and statuses[-1] == 429
    assert set(statuses) == {404, 429}
    assert right == 429 and server.lookup("target")[0] == 404


def test_lookup_of_pending_or_deactivated_users_is_404(keyserver):
    assert _register(keyserver, "lifecycle") == 201
    pending = keyserver.lookup("lifecycle")
    assert keyserver.activate("lifecycle")[0] == 200
    active = keyserver.lookup("lifecycle")
    verify_lookup(active[1], "lifecycle", keyserver.public_key)
    assert keyserver.deactivate("lifecycle")[0] == 200
    gone = keyserver.lookup("lifecycle")
    print("\nlookup while pending: %d, active: %d (signature verified), deactivated: %d"
          % (pending[0], active[0], gone[0]))
    assert pending[0] == 404 and active[0] == 200 and gone[0] == 404
    assert pending[1]["status"] == gone[1]["status"] == 404
    assert "public_key_sign" not in str(pending[1]) + str(gone[1])
