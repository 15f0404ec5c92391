"""Account life cycle: registration mails an activation link; following it
(a POST to the link's address; a GET only asks to confirm) publishes the keys
and mails a deactivation link; following that removes the account. Each of
those two changes raises the name's serial and stores the signed answer
lookups serve (keys, or "no such user"); lookups re-sign it only when it is
older than half its validity (docs/PROTOCOL.md §10). Every step that mails
does so inside its database transaction, so a failed send leaves nothing
behind and the link that triggered it stays usable."""
import base64
import json
import time

from flask import current_app

from host_tools.protocol import directory

from . import mail, tokens
from .store import ACTIVATE, ACTIVE, DEACTIVATE, PENDING
from .tlog import entries as log_entries  # transparency log (issue 18)

# Marks the kind of link a mail carries, for mail filters and the tests.
LINK_HEADER = "X-NES-Keyserver-Link"
ACTIVATED = "active"
DEACTIVATED = "deactivated"


class LinkUnknown(Exception):
    """No such link, or it was used already."""


class LinkExpired(Exception):
    """The activation link is older than ACTIVATION_TTL."""


_ACTIVATION_TEXT = """\
Someone, hopefully you, asked the NES key server to publish public keys under
the name "{username}" for this address.

To publish them, open this link within {lifetime}:

{link}

If this was not you, ignore this message: the name is released when the link
expires.
"""

_DEACTIVATION_TEXT = """\
Your NES public keys are now published under the name "{username}".

Keep this message. To remove the keys from the directory and release the
name, open this link (it works once):

{link}
"""


def _duration(seconds):
    """'24 hours', '1 hour', '30 minutes' (rounded down, at least one minute)."""
    if seconds >= 3600:
        count, unit = seconds // 3600, "hour"
    else:
        count, unit = max(1, seconds // 60), "minute"
    return "%d %s%s" % (count, unit, "" if count == 1 else "s")


def now():
    """The clock every route uses: integer Unix seconds."""
    return int(time.time())


def current():
    """The Accounts of the running app."""
    return current_app.extensions["nes_keyserver"]


class Accounts:
    def __init__(self, store, server_key, config):
        self.store = store
        self.server_key = server_key
        self.config = config
        self.log = log_entries.make_log(store, server_key, config)  # transparency log (issue 18)

    def _link(self, base_url, username, token):
        # base_url (from the request's Host) only in console mail mode: config.check_public_url.
        base = (self.config["PUBLIC_URL"] or base_url).rstrip("/")
        return "%s/users/%s/%s" % (base, username, token)

    def _mail_link(self, to, subject, text, kind, **values):
        msg = mail.compose(self.config, to, subject, text.format(**values), {LINK_HEADER: kind})
        mail.send(self.config, msg)

    def purge(self, now):
        return self.store.purge(now, self.config["EXPIRED_TOKEN_RETENTION"])

    def register(self, entry, base_url, now):
        """Store a pending account for a validated entry and mail its activation
        link; NameTaken or MailError leave nothing stored."""
        self.purge(now)
        ttl = self.config["ACTIVATION_TTL"]
        token, token_hash = tokens.new()
        username = entry["username"]
        with self.store.transaction() as tx:
            tx.insert_pending(username, entry["email"], entry["public_key_message"],
                              entry["public_key_sign"], now, now + ttl)
            tx.add_token(token_hash, username, ACTIVATE, now + ttl)
            self._mail_link(
                entry["email"], "Activate your NES keys for %s" % username, _ACTIVATION_TEXT,
                "activation", username=username, lifetime=_duration(ttl),
                link=self._link(base_url, username, token),
            )

    def _usable(self, username, token, now):
        """The stored row of a link that can be followed now, else LinkUnknown or LinkExpired."""
        self.purge(now)
        row = tokens.find(self.store.tokens_for(username), token)
        if row is None:
            raise LinkUnknown()
        if row.expires_at is not None and row.expires_at <= now:
            raise LinkExpired()
        return row

    def purpose(self, username, token, now):
        """What following a link would do (ACTIVATE or DEACTIVATE), changing nothing."""
        return self._usable(username, token, now).purpose

    def follow(self, username, token, base_url, now):
        """Use a link; return ACTIVATED or DEACTIVATED."""
        row = self._usable(username, token, now)
        with self.store.transaction() as tx:
            if not tx.claim_token(row.token_hash):
                raise LinkUnknown()
            if row.purpose == ACTIVATE:
                self._activate(tx, username, base_url, now)
                return ACTIVATED
            user = tx.user(username)
            if row.purpose == DEACTIVATE and tx.delete_active(username):
                serial, _ = self._publish(tx, username, None, now)
                log_entries.deactivated(self.log, tx, user, serial, now)  # transparency log (issue 18)
                return DEACTIVATED
            raise LinkUnknown()

    def signed_answer(self, username, serial, now, keys=None):
        """(status, body bytes, expires_at) of a signed lookup answer
        (docs/PROTOCOL.md §10) issued `now`: keys (M, S), or "no such user"."""
        expires_at = now + self.config["LOOKUP_VALIDITY"]
        answer = directory.sign_answer(self.server_key.seed, username, serial, now, expires_at, keys)
        body = json.dumps(answer, separators=(",", ":")).encode("ascii")
        return (directory.ABSENT if keys is None else directory.KEYS), body, expires_at

    def _publish(self, tx, username, keys, now):
        """One change of a name: its serial raised, its new answer stored;
        (the serial, the signature)."""
        serial = tx.bump_serial(username)
        status, body, expires_at = self.signed_answer(username, serial, now, keys)
        tx.store_answer(username, status, body, now, expires_at)
        return serial, json.loads(body)["signature"]

    def refreshed(self, username, stored, now):
        """The stored answer (status, body, serial, issued_at, expires_at),
        re-signed and stored when older than half its validity."""
        status, body, serial, issued_at, _ = stored
        if now - issued_at < self.config["LOOKUP_VALIDITY"] // 2:
            return stored
        response = json.loads(body)["response"]
        keys = None
        if status == directory.KEYS:
            keys = tuple(base64.b64decode(response[f]) for f in ("public_key_message", "public_key_sign"))
        status, body, expires_at = self.signed_answer(username, serial, now, keys)
        self.store.replace_answer(username, serial, issued_at, body, now, expires_at)
        return status, body, serial, now, expires_at

    def _activate(self, tx, username, base_url, now):
        user = tx.user(username)
        if user is None or user.state != PENDING:
            raise LinkUnknown()
        keys = tuple(base64.b64decode(k) for k in (user.public_key_message, user.public_key_sign))
        serial, signature = self._publish(tx, username, keys, now)
        tx.activate(username, signature)
        log_entries.activated(self.log, tx, user, serial, now)  # transparency log (issue 18)
        token, token_hash = tokens.new()
        tx.add_token(token_hash, username, DEACTIVATE)
        self._mail_link(
            user.email, "Your NES keys for %s are published" % username, _DEACTIVATION_TEXT,
            "deactivation", username=username, link=self._link(base_url, username, token),
        )

    def resign_all(self):
        """Re-make every stored answer with the current server key (serials
        kept; an active user from before serials is published with serial 1);
        return how many answers were signed."""
        issued = now()
        with self.store.transaction() as tx:
            rows = tx.named()
            for row in rows:
                keys = None
                if row.state == ACTIVE:
                    keys = tuple(base64.b64decode(k) for k in (row.public_key_message, row.public_key_sign))
                status, body, expires_at = self.signed_answer(row.username, row.serial, issued, keys)
                tx.store_answer(row.username, status, body, issued, expires_at)
            unpublished = tx.unpublished()
            for user in unpublished:
                keys = tuple(base64.b64decode(k) for k in (user.public_key_message, user.public_key_sign))
                serial, signature = self._publish(tx, user.username, keys, issued)
                tx.set_signature(user.username, signature)
                log_entries.activated(self.log, tx, user, serial, issued)  # published now: logged now
            return len(rows) + len(unpublished)
