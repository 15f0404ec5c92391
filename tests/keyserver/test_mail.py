"""keyserver.mail against real SMTP servers: STARTTLS with login, implicit
TLS (SMTPS), certificate checking, and the console mode."""
import ssl
import subprocess

import pytest

from keyserver import mail
from keyserver.config import SETTINGS
from tests.fixtures.paths import find_tool

CREDENTIALS = ("nes", "s3cret 1234")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, server SSLContext)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [find_tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return str(cert), context


def settings(server=None, **overrides):
    """The mail settings (defaults of keyserver.config) aimed at an SMTP fixture server."""
    config = {name: default for name, (_, default) in SETTINGS.items()}
    config["MAIL_FROM"] = "keys@nes.test"
    if server is not None:
        config.update(MAIL_HOST=server.host, MAIL_PORT=server.port)
    config.update(overrides)
    return config


def send(config, to="alice@example.org"):
    mail.send(config, mail.compose(config, to, "hello", "a link: http://example.org/x\n", {"X-Test": "1"}))


def test_plain_smtp_delivers_the_message(smtp):
    send(settings(smtp))
    msg = smtp.wait_for("alice@example.org")
    assert (msg["From"], msg["Subject"], msg["X-Test"]) == ("keys@nes.test", "hello", "1")
    assert smtp.first_url(msg) == "http://example.org/x"


def test_starttls_with_login(smtp_factory, certificate):
    cafile, context = certificate
    server = smtp_factory(tls=context, credentials=CREDENTIALS)
    config = settings(server, MAIL_SECURITY="starttls", MAIL_CA_FILE=cafile,
                      MAIL_USERNAME=CREDENTIALS[0], MAIL_PASSWORD=CREDENTIALS[1])
    send(config)
    assert server.wait_for("alice@example.org")["Subject"] == "hello"
    assert server.logins == [CREDENTIALS]


def test_wrong_password_is_a_mail_error(smtp_factory, certificate):
    cafile, context = certificate
    server = smtp_factory(tls=context, credentials=CREDENTIALS)
    with pytest.raises(mail.MailError):
        send(settings(server, MAIL_SECURITY="starttls", MAIL_CA_FILE=cafile,
                      MAIL_USERNAME="nes", MAIL_PASSWORD="wrong"))
    assert not server.messages


def test_implicit_tls(smtp_factory, certificate):
    cafile, context = certificate
    server = smtp_factory(tls=context, implicit_tls=True)
    send(settings(server, MAIL_SECURITY="ssl", MAIL_CA_FILE=cafile))
    assert server.wait_for("alice@example.org")["Subject"] == "hello"


def test_an_untrusted_certificate_is_a_mail_error(smtp_factory, certificate):
    server = smtp_factory(tls=certificate[1], implicit_tls=True)
    with pytest.raises(mail.MailError):
        send(settings(server, MAIL_SECURITY="ssl"))
    assert not server.messages


def test_a_plain_client_cannot_skip_required_starttls(smtp_factory, certificate):
    server = smtp_factory(tls=certificate[1])
    with pytest.raises(mail.MailError):
        send(settings(server))
    assert not server.messages


def test_console_mode_prints_the_message(capsys):
    send(settings(MAIL_MODE="console", MAIL_HOST="unreachable.invalid"))
    out = capsys.readouterr().out
    assert "To: alice@example.org" in out and "http://example.org/x" in out
