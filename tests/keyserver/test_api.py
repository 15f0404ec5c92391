"""The HTTP API through a real server on loopback (the `keyserver` fixture)
with its e-mail going through a real SMTP server (aiosmtpd): every status code
of docs/KEYSERVER.md."""
import base64
import re

import pytest

from host_tools.protocol.directory import verify_lookup
from tests.fixtures.keyserver import http
from tests.fixtures.paths import free_port
from tests.keyserver.util import b64, random_keys, registration

JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def stored(server):
    return server.accounts.store.count_users()


def test_register_activate_lookup_deactivate(keyserver):
    keys = random_keys()
    status, body = keyserver.register("Alice", "alice@example.org", *keys)
    assert status == 201
    assert body == {"username": "alice", "email": "alice@example.org",
                    "public_key_message": keys[0], "public_key_sign": keys[1]}
    assert keyserver.lookup("alice")[0] == 404, "a pending user must not be served"

    status, body = keyserver.activate("alice")
    assert (status, body["username"], body["status"]) == (200, "alice", "active")

    status, answer = keyserver.lookup("alice")
    assert status == 200
    assert answer["response"] == {"username": "alice", "public_key_message": keys[0],
                                  "public_key_sign": keys[1]}
    served_key = base64.b64decode(keyserver.get("/key").json()["public_key"])
    assert served_key == keyserver.public_key
    assert verify_lookup(answer, "alice", served_key) == tuple(base64.b64decode(k) for k in keys)
    assert keyserver.accounts.store.lookup("alice").signature == answer["signature"], \
        "the lookup signature is not the one stored at activation"

    status, body = keyserver.deactivate("alice")
    assert (status, body["status"]) == (200, "deactivated")
    assert keyserver.lookup("alice")[0] == 404
    assert keyserver.register("alice", "new@example.org", *random_keys())[0] == 201, "name not freed"


def test_lookup_lower_cases_the_name(keyserver):
    keyserver.register_and_activate("bob")
    status, answer = keyserver.lookup("BOB")
    assert status == 200 and answer["response"]["username"] == "bob"


def test_unknown_and_invalid_names_are_404(keyserver):
    for name in ("nobody", "x", "no.dots", "a" * 33):
        status, body = keyserver.lookup(name)
        assert status == 404 and body["status"] == 404


def test_links_work_once(keyserver):
    keyserver.register(**registration("carol"))
    activation = keyserver.link("carol")
    assert http("POST", activation, headers=JSON).status == 200
    reply = http("POST", activation, headers=JSON)
    assert reply.status == 404 and reply.json()["status"] == 404

    deactivation = keyserver.link("carol", "deactivation")
    assert http("POST", deactivation, headers=JSON).status == 200
    assert http("POST", deactivation, headers=JSON).status == 404
    assert keyserver.lookup("carol")[0] == 404


def test_unknown_tokens_are_404(keyserver):
    keyserver.register_and_activate("dave")
    keyserver.register_and_activate("erin")
    dave_link = keyserver.link("dave", "deactivation")
    token = dave_link.rsplit("/", 1)[1]
    for path in ("/users/dave/" + "A" * 43, "/users/erin/" + token, "/users/nobody/" + token,
                 "/users/x/" + token):
        assert keyserver.get(path, headers=JSON).status == 404, path
    assert keyserver.lookup("erin")[0] == 200, "another user's token removed erin"
    assert http("POST", dave_link, headers=JSON).status == 200, "the token stopped working"


@pytest.mark.parametrize("field, value", [
    ("username", "ab"),
    ("username", "a" * 33),
    ("username", "al ice"),
    ("username", "al.ice"),
    ("username", "\u212aate"),  # KELVIN SIGN lower-cases to ASCII "k"
    ("username", 42),
    ("username", None),
    ("email", "alice"),
    ("email", "alice@localhost"),
    ("email", "alice@@example.org"),
    ("email", "al ice@example.org"),
    ("email", "alice@example.org\r\nBcc: eve@example.org"),
    ("email", "a" * 65 + "@example.org"),
    ("email", ["alice@example.org"]),
    ("public_key_message", "not base64!"),
    ("public_key_message", b64(bytes(31))),
    ("public_key_message", b64(bytes(33))),
    ("public_key_message", "A" * 42 + "B="),  # 32 zero bytes, non-canonical padding bits
    ("public_key_sign", ""),
    ("public_key_sign", 12345),
])
def test_invalid_fields_are_400_naming_the_field(keyserver, field, value):
    body = registration("alice")
    body[field] = value
    reply = keyserver.post("/users", body)
    assert reply.status == 400
    assert reply.json()["field"] == field
    assert stored(keyserver) == 0
    assert not keyserver.smtp.messages


@pytest.mark.parametrize("field", ["username", "email", "public_key_message", "public_key_sign"])
def test_missing_fields_are_400(keyserver, field):
    body = registration("alice")
    del body[field]
    reply = keyserver.post("/users", body)
    assert (reply.status, reply.json()["field"]) == (400, field)


def test_equal_keys_are_400(keyserver):
    key = random_keys()[0]
    status, body = keyserver.register("alice", "alice@example.org", key, key)
    assert (status, body["field"]) == (400, "public_key_sign")


@pytest.mark.parametrize("data", [b"[]", b"\"alice\"", b"{not json", b""])
def test_bodies_that_are_not_objects_are_400(keyserver, data):
    reply = keyserver.request("POST", "/users", data=data, headers={"Content-Type": "application/json"})
    assert reply.status == 400 and "error" in reply.json()


def test_taken_names_are_409_pending_or_active(keyserver):
    assert keyserver.register(**registration("frank"))[0] == 201
    status, body = keyserver.register(**registration("FRANK", email="other@example.org"))
    assert status == 409 and body["status"] == 409
    keyserver.activate("frank")
    assert keyserver.register(**registration("frank", email="other@example.org"))[0] == 409
    assert stored(keyserver) == 1


def test_register_is_503_and_stores_nothing_when_mail_is_refused(keyserver):
    keyserver.smtp.refuse = True
    status, body = keyserver.register(**registration("gina"))
    assert status == 503 and body["status"] == 503
    assert stored(keyserver) == 0
    keyserver.smtp.refuse = False
    assert keyserver.register(**registration("gina"))[0] == 201, "the failed attempt kept the name"
    assert keyserver.activate("gina")[0] == 200


def test_register_is_503_when_smtp_is_unreachable(keyserver_factory):
    server = keyserver_factory(MAIL_PORT=free_port())
    status, body = server.register(**registration("hank"))
    assert status == 503
    assert "127.0.0.1" not in body["error"], "the error shows the mail configuration"
    assert stored(server) == 0


def test_activation_is_503_and_undone_when_the_deactivation_mail_fails(keyserver):
    keyserver.register(**registration("iris"))
    link = keyserver.link("iris")
    keyserver.smtp.refuse = True
    assert http("POST", link, headers=JSON).status == 503
    assert keyserver.lookup("iris")[0] == 404
    keyserver.smtp.refuse = False
    assert http("POST", link, headers=JSON).status == 200, "the failed activation used up the link"
    assert keyserver.lookup("iris")[0] == 200
    assert keyserver.deactivate("iris")[0] == 200


def test_expired_links_are_410_and_free_the_name(keyserver_factory):
    server = keyserver_factory(ACTIVATION_TTL=0)
    server.register(**registration("jack"))
    link = server.link("jack")
    reply = http("POST", link, headers=JSON)
    assert reply.status == 410 and reply.json()["status"] == 410
    assert stored(server) == 0, "the expired account was not purged on access"
    assert server.register(**registration("jack", email="new@example.org"))[0] == 201
    assert http("POST", link, headers=JSON).status == 410, "a purged account's link is no longer 410"


def test_links_answer_html_to_browsers(keyserver):
    keyserver.register(**registration("kate"))
    link = keyserver.link("kate")
    reply = http("GET", link, headers=BROWSER)
    assert reply.status == 200 and '<form method="post">' in reply.text and "kate" in reply.text
    reply = http("POST", link, headers=BROWSER)
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    assert "<html" in reply.text and "kate" in reply.text
    reply = http("POST", link, headers=BROWSER)
    assert reply.status == 404 and reply.headers["Content-Type"].startswith("text/html")
    reply = http("POST", link, headers=JSON)
    assert reply.status == 404 and reply.headers["Content-Type"] == "application/json"


def test_key_healthz(keyserver):
    assert keyserver.get("/key").json() == {"public_key": keyserver.public_key_b64, "algorithm": "Ed25519"}
    reply = keyserver.get("/healthz")
    assert (reply.status, reply.json()) == (200, {"status": "ok"})


def test_openapi_document_matches_the_routes(keyserver):
    doc = keyserver.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    served = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in keyserver.app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served
    codes = {path: set(ops[next(iter(ops))]["responses"]) for path, ops in doc["paths"].items()}
    assert {"201", "400", "409", "413", "429", "503"} <= codes["/users"]
    assert {"200", "404"} <= codes["/users/{username}"]
    assert {"200", "404", "410", "429"} <= codes["/users/{username}/{token}"]


def test_errors_are_json(keyserver):
    for method, path, status in (("GET", "/nope", 404), ("DELETE", "/users", 405),
                                 ("PUT", "/users/alice", 405), ("POST", "/key", 405)):
        reply = keyserver.request(method, path)
        assert reply.status == status
        assert reply.headers["Content-Type"] == "application/json"
        assert reply.json()["status"] == status
    assert "POST" in keyserver.request("DELETE", "/users").headers["Allow"]


def test_large_bodies_are_413(keyserver):
    body = registration("lisa")
    body["padding"] = "x" * 10_000
    reply = keyserver.post("/users", body)
    assert reply.status == 413 and reply.json()["status"] == 413
    assert stored(keyserver) == 0


def test_rate_limits_registration_and_links_per_address(keyserver_factory):
    server = keyserver_factory(RATE_LIMIT_REGISTER="2 per hour", RATE_LIMIT_TOKEN="2 per hour")
    assert server.register(**registration("mike"))[0] == 201
    assert server.register(**registration("x"))[0] == 400
    reply = server.post("/users", registration("nina"))
    assert reply.status == 429 and reply.json()["status"] == 429
    assert "Retry-After" in reply.headers
    assert stored(server) == 1

    link = server.link("mike")
    for _ in range(2):
        assert server.get("/users/mike/" + "A" * 43, headers=JSON).status == 404
    assert http("POST", link, headers=JSON).status == 429
    for _ in range(3):
        assert server.lookup("mike")[0] == 404, "lookups must not be rate limited"


def test_rate_limits_count_per_client_behind_a_proxy(keyserver_factory):
    server = keyserver_factory(RATE_LIMIT_REGISTER="1 per hour", TRUSTED_PROXIES=1)
    one, two = {"X-Forwarded-For": "192.0.2.1"}, {"X-Forwarded-For": "192.0.2.2"}
    assert server.post("/users", registration("olga"), headers=one).status == 201
    assert server.post("/users", registration("paul"), headers=one).status == 429
    assert server.post("/users", registration("paul"), headers=two).status == 201


def test_no_endpoint_reveals_email_addresses(keyserver):
    email = "hidden.person@example.org"
    keyserver.register_and_activate("quinn", email)
    replies = [
        keyserver.get("/users/quinn"),
        keyserver.get("/key"),
        keyserver.get("/healthz"),
        keyserver.get("/openapi.json"),
        keyserver.post("/users", registration("quinn", email="other@example.org")),
        keyserver.get("/users/quinn/" + "A" * 43, headers=JSON),
        http("GET", keyserver.link("quinn", "deactivation"), headers=BROWSER),
    ]
    assert [r.status for r in replies] == [200, 200, 200, 200, 409, 404, 200]
    for reply in replies:
        assert "hidden.person" not in reply.text


def test_the_mails_carry_the_links(keyserver):
    keyserver.register(**registration("rita"))
    msg = keyserver.smtp.wait_for("rita@example.org")
    assert msg["From"] == "NES key server <keys@nes.test>"
    assert "rita" in msg["Subject"] and msg["X-NES-Keyserver-Link"] == "activation"
    assert "within 24 hours" in msg.get_body(("plain",)).get_content()
    link = keyserver.smtp.first_url(msg)
    assert link.startswith(keyserver.url + "/users/rita/")
    assert len(link.rsplit("/", 1)[1]) >= 43, "token shorter than 256 bits"
    assert http("POST", link, headers=JSON).status == 200
    msg = keyserver.smtp.wait_for("rita@example.org")
    assert msg["X-NES-Keyserver-Link"] == "deactivation"
    assert keyserver.smtp.first_url(msg).startswith(keyserver.url + "/users/rita/")
