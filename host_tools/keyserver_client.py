"""HTTP client of the NES key server (the original's "public keys provider"):
signed lookups checked against the pinned server key and the clock,
registration, and the server's own public key for the explicit
trust-on-first-use step."""
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from .errors import CommandError
from .keyfiles import b64, decode_key
from .output import safe_text
from .protocol import directory, tlog
from .protocol.errors import DirectoryError
from .protocol.tlog import LogError
from .transparency import LogChecker

TIMEOUT = 15


class UnknownUser(CommandError):
    """The key server has no active entry for the name."""


class KeyServerUnreachable(CommandError):
    """No answer (network failure), as opposed to an answer we refuse."""


class AnswerRefused(CommandError):
    """An answer that fails a check of docs/PROTOCOL.md §10 (signature, name,
    expiry, issue time, serial rollback, an unsigned 404 for a known name)."""


class RegistrationRefused(CommandError):
    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


def _reason(body):
    """The server's error text from a JSON body {"error": ...}, else a short raw
    excerpt; made safe for a terminal on one line (the server is not trusted)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = body.decode("utf-8", "replace").strip()
    if isinstance(data, dict):
        texts = [data[f] for f in ("error", "message", "description") if isinstance(data.get(f), str)]
        data = texts[0] if texts else data
    return safe_text(data if isinstance(data, str) else str(data), keep="")[:200]


class KeyServer:
    def __init__(self, url, public_key=None, log_state=None, witness_key=None):
        scheme = urllib.parse.urlsplit(url).scheme
        if scheme not in ("http", "https"):
            raise CommandError("key server address must be an http:// or https:// URL, not %r" % url)
        self.url = url.rstrip("/")
        self.public_key = public_key
        # Transparency log (issue 18): with a LogState, every lookup is checked against the log.
        self.log_state = log_state
        self.witness_key = witness_key  # LOG_WITNESS_KEY, also what `nes provision` gives a board
        self.log = (LogChecker(log_state, public_key, self.fetch, witness_key)
                    if log_state and public_key else None)

    def _request(self, method, path, payload=None):
        """(status, body bytes); CommandError when the server cannot be reached."""
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise KeyServerUnreachable("cannot reach the key server at %s: %s" % (self.url, reason)) from None

    def answer(self, username, seen_serial=0, now=None):
        """The verified directory.Answer for `username` (keys, or a signed "no such
        user"); UnknownUser for an unsigned 404 when nothing was seen of the name
        (`seen_serial` 0), AnswerRefused for any answer that fails a check."""
        path = "/users/" + urllib.parse.quote(username)
        if self.log:  # the keys come with the transparency log's proofs (issue 18)
            path += "?since=%d" % self.log.state.size if self.log.state.size else "?log=1"
        status, body = self._request("GET", path)
        if status not in (200, 404):
            raise AnswerRefused("key server lookup of %r failed (HTTP %d): %s"
                                % (username, status, _reason(body)))
        try:
            answer = json.loads(body)
        except ValueError:
            raise AnswerRefused("refusing the key server's answer for %r: not JSON" % username) from None
        if status == 404 and not seen_serial and (not isinstance(answer, dict) or "signature" not in answer):
            raise UnknownUser("the key server at %s does not know %r (not registered, not yet "
                              "activated, or deactivated)" % (self.url, username))
        try:
            # A keys answer with the log's proofs is signed with the log state they are in (§10).
            logged = tlog.answer_commitment(answer.get("log")) if self.log and status == 200 else None
            found = directory.read_answer(status, answer, username, self.public_key,
                                          int(time.time()) if now is None else now, seen_serial, logged)
            if self.log and found.keys is not None:
                self.log.check_answer(answer, username, found.serial, found.keys)
            return found
        except (DirectoryError, LogError) as exc:
            raise AnswerRefused("refusing the key server's answer for %r: %s" % (username, exc)) from None

    def lookup(self, username):
        """(message_public, sign_public) of `username`, verified; UnknownUser when
        the server has no keys for it."""
        found = self.answer(username)
        if found.keys is None:
            raise UnknownUser("the key server at %s says %r has no keys (deactivated or not yet "
                              "activated again)" % (self.url, username))
        return found.keys

    def register(self, username, email, message_public, sign_public):
        """Post a registration; returns the server's JSON answer."""
        status, body = self._request("POST", "/users", {
            "username": username,
            "email": email,
            "public_key_message": b64(message_public),
            "public_key_sign": b64(sign_public),
        })
        if status not in (200, 201, 202):
            raise RegistrationRefused("the key server refused the registration of %r (HTTP %d): %s"
                                      % (username, status, _reason(body)), status)
        if self.log_state is not None:
            self.log_state.registered(username, (message_public, sign_public))
        try:
            return json.loads(body)
        except ValueError:
            return {}

    def fetch(self, path):
        """The body of a 200 answer to GET `path` (the log's resources)."""
        status, body = self._request("GET", path)
        if status != 200:
            raise CommandError("the key server did not serve %s (HTTP %d): %s" % (path, status, _reason(body)))
        return body

    def server_key(self):
        """The server's public key as it serves it at GET /key (not yet trusted)."""
        status, body = self._request("GET", "/key")
        if status != 200:
            raise CommandError("the key server did not give its key (HTTP %d): %s" % (status, _reason(body)))
        try:
            data = json.loads(body)
        except ValueError:
            data = body.decode("ascii", "replace")
        if isinstance(data, dict):
            data = data.get("public_key") or data.get("key") or ""
        key = decode_key(data) if isinstance(data, str) else None
        if key is None:
            raise CommandError("the key server at %s answered GET /key without a valid key" % self.url)
        return key
