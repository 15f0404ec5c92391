"""The key server against a hostile world, each against the real server on
loopback with its mail through a real SMTP server (issue 15):

- a mail scanner that fetches every link (HEAD, GET) neither activates nor
  deactivates an account: only the POST of the confirmation page acts;
- registration input: RFC 2047 encoded words in the address, JSON nested
  deeper than the parser goes, bodies that are not application/json (what a
  foreign web page can make a browser send) and low-order X25519 keys are
  refused with 400/415, never a 500 and never a mail;
- the mailed links never take the request's Host header: a server that mails
  by SMTP does not start without PUBLIC_URL."""
import base64
import json

import pytest

from keyserver import config, create_app
from tests.fixtures.keyserver import http, keyserver_config
from tests.keyserver.util import b64, registration

JSON = {"Accept": "application/json"}
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

_P = 2**255 - 19
# u of the two points of order 8 on Curve25519 (RFC 7748's curve; libsodium's list).
_ORDER_8 = ("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
            "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157")
_LOW_ORDER = [u.to_bytes(32, "little") for u in (0, 1, _P - 1, _P, _P + 1)] + [bytes.fromhex(u) for u in _ORDER_8]
# ... and each with the unused top bit set, which X25519 ignores.
LOW_ORDER_KEYS = _LOW_ORDER + [u[:31] + bytes([u[31] | 0x80]) for u in _LOW_ORDER]


def _scan(link):
    """What a mail scanner does with a link: HEAD and GET it, as a browser and as a client."""
    statuses = [http(method, link, headers=headers).status
                for method in ("HEAD", "GET") for headers in (BROWSER, JSON, {})]
    assert statuses == [200] * 6, statuses


def test_fetching_the_links_changes_nothing_until_the_button_is_pressed(keyserver):
    keyserver.register(**registration("scanned"))
    activation = keyserver.link("scanned")
    _scan(activation)
    assert keyserver.lookup("scanned")[0] == 404, "a GET or HEAD of the link activated the account"
    page = http("GET", activation, headers=BROWSER).text
    assert '<form method="post">' in page and "Publish the keys" in page
    assert http("GET", activation, headers=JSON).json() == {
        "username": "scanned", "status": "confirm",
        "message": "Publish the public keys registered under the name scanned in the directory."}

    reply = http("POST", activation, headers=BROWSER)  # the page's button
    assert reply.status == 200 and "Keys published" in reply.text
    assert keyserver.lookup("scanned")[0] == 200

    deactivation = keyserver.link("scanned", "deactivation")
    _scan(deactivation)
    assert keyserver.lookup("scanned")[0] == 200, "a GET or HEAD of the link deactivated the account"
    assert "Remove the keys" in http("GET", deactivation, headers=BROWSER).text
    assert http("POST", deactivation, headers=JSON).json()["status"] == "deactivated"
    assert keyserver.lookup("scanned")[0] == 404
    assert http("GET", deactivation, headers=JSON).status == 404, "a used link still asks to confirm"


@pytest.mark.parametrize("email", [
    "=?utf-8?q?x?=@example.org",  # a mail library decodes it: the mail would go to x@example.org
    "=?utf-8?q?a=0D=0ABcc=3A_eve=40example=2Eorg?=@example.org",  # decodes to a line break
    "=?utf-8?b?eEBleGFtcGxlLm9yZw==?=@example.org",
    "al=?us-ascii?q?ice?=@example.org",
    "al\u00efce@example.org",
])
def test_encoded_words_and_non_ascii_addresses_are_400(keyserver, email):
    reply = keyserver.post("/users", registration("mallory", email=email))
    assert (reply.status, reply.json()["field"]) == (400, "email")
    assert keyserver.accounts.store.count_users() == 0 and not keyserver.smtp.messages


@pytest.mark.parametrize("data", [b"[" * 2000, b'{"":' * 1000, b"[" * 2000 + b"]" * 2000])
def test_json_nested_deeper_than_the_parser_goes_is_400(keyserver, data):
    reply = keyserver.request("POST", "/users", data=data, headers={"Content-Type": "application/json"})
    assert reply.status == 400 and reply.json()["status"] == 400


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None])
def test_registration_takes_only_application_json(keyserver, content_type):
    """A foreign web page can make a visitor's browser POST these without asking (no CORS
    preflight): taking them would let any page register names from the visitor's address."""
    data = registration("csrf")
    headers = {"Content-Type": content_type} if content_type else {}
    reply = keyserver.request("POST", "/users", data=json.dumps(data).encode(), headers=headers)
    assert reply.status == 415 and reply.json()["status"] == 415
    assert keyserver.accounts.store.count_users() == 0 and not keyserver.smtp.messages
    assert keyserver.request("POST", "/users", json=data,
                             headers={"Content-Type": "application/json; charset=utf-8"}).status == 201


@pytest.mark.parametrize("key", LOW_ORDER_KEYS, ids=lambda k: k.hex()[:8] + ".." + k.hex()[-2:])
def test_low_order_message_keys_are_400(keyserver, key):
    body = registration("weak")
    body["public_key_message"] = b64(key)
    reply = keyserver.post("/users", body)
    assert (reply.status, reply.json()["field"]) == (400, "public_key_message")
    assert keyserver.accounts.store.count_users() == 0


def test_a_key_with_the_top_bit_set_is_still_taken(keyserver):
    body = registration("topbit")
    raw = bytearray(base64.b64decode(body["public_key_message"]))
    raw[31] |= 0x80
    body["public_key_message"] = b64(bytes(raw))
    assert keyserver.post("/users", body).status == 201


def test_the_activation_mail_never_links_to_the_requests_host(keyserver):
    reply = keyserver.request("POST", "/users", json=registration("hosted"),
                              headers={"Host": "keys.evil.example", "X-Forwarded-Host": "keys.evil.example"})
    assert reply.status == 201
    link = keyserver.link("hosted@example.org")
    assert link.startswith(keyserver.url + "/users/hosted/") and "evil" not in link


def test_a_server_mailing_by_smtp_does_not_start_without_public_url(tmp_path, smtp):
    settings = keyserver_config(tmp_path, smtp, PUBLIC_URL=None)
    with pytest.raises(config.ConfigError, match="PUBLIC_URL must be set"):
        create_app(settings)
    with pytest.raises(config.ConfigError, match="PUBLIC_URL must be an http"):
        create_app({**settings, "PUBLIC_URL": "keys.example.org"})
    app = create_app({**settings, "MAIL_MODE": "console"})  # `make serve`: printed for the operator
    app.extensions["nes_keyserver"].store.dispose()
