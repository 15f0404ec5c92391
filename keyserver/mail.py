"""Outgoing e-mail: SMTP (plain, STARTTLS or SSL, optional login) or, in
`console` mode, the message printed on standard output."""
import logging
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


def compose(config, to, subject, body, headers=None):
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="nes-keyserver")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg


def _connect(config):
    host, port, timeout = config["MAIL_HOST"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    security = config["MAIL_SECURITY"]
    if security == "none":
        return smtplib.SMTP(host, port, timeout=timeout)
    context = ssl.create_default_context(cafile=config["MAIL_CA_FILE"])
    if security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        smtp.starttls(context=context)
    except BaseException:
        smtp.close()
        raise
    return smtp


def send(config, msg):
    """Deliver `msg` as configured; MailError when the server does not take it."""
    if config["MAIL_MODE"] == "console":
        sys.stdout.write(msg.as_string() + "\n")
        sys.stdout.flush()
        return
    try:
        with _connect(config) as smtp:
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        log.error("cannot send mail via %s:%s: %s", config["MAIL_HOST"], config["MAIL_PORT"], exc)
        raise MailError("cannot send e-mail") from None
