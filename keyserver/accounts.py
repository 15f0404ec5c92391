"""Account life cycle: registration mails an activation link; following it
(a POST to the link's address; a GET only asks to confirm) publishes the keys
(the lookup signature is made once, here) and mails a deactivation link;
following that removes the account. Every step that mails does so inside its
database transaction, so a failed send leaves nothing behind and the link
that triggered it stays usable."""
import base64
import time

from flask import current_app

from host_tools.protocol import directory

from . import mail, tokens
from .store import ACTIVATE, DEACTIVATE, PENDING
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
                log_entries.deactivated(self.log, tx, user, now)  # transparency log (issue 18)
                return DEACTIVATED
            raise LinkUnknown()

    def sign(self, username, public_key_message, public_key_sign):
        """The lookup signature (docs/PROTOCOL.md §10) for stored base64 keys."""
        return directory.sign_lookup(
            self.server_key.seed, username,
            base64.b64decode(public_key_message), base64.b64decode(public_key_sign),
        )

    def _activate(self, tx, username, base_url, now):
        user = tx.user(username)
        if user is None or user.state != PENDING:
            raise LinkUnknown()
        tx.activate(username, self.sign(username, user.public_key_message, user.public_key_sign))
        log_entries.activated(self.log, tx, user, now)  # transparency log (issue 18)
        token, token_hash = tokens.new()
        tx.add_token(token_hash, username, DEACTIVATE)
        self._mail_link(
            user.email, "Your NES keys for %s are published" % username, _DEACTIVATION_TEXT,
            "deactivation", username=username, link=self._link(base_url, username, token),
        )

    def resign_all(self):
        """Re-make every stored signature with the current server key."""
        with self.store.transaction() as tx:
            return tx.resign(self.sign)
