"""The witnesses of LOG_WITNESSES cosign the log's checkpoints: the first
time a checkpoint of a new size is served, it is sent to each witness with a
consistency proof from the size that witness cosigned last (C2SP
tlog-witness), and the cosignature line it answers is kept in the database
and appended to the note from then on. A witness that cannot be reached or
refuses is logged; the note is served without its line (clients that require
it then refuse the answer)."""
import logging
import urllib.error
import urllib.request

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from host_tools.protocol import tlog

from . import tables

log = logging.getLogger(__name__)

TIMEOUT = 10


def parse_witnesses(text):
    """[(url, name, public)] from `URL VKEY[, URL VKEY...]`."""
    found = []
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        url, _, vkey = item.partition(" ")
        name, public = tlog.parse_verifier_key(vkey.strip(), tlog.COSIGNATURE_TYPE)
        found.append((url.rstrip("/"), name, public))
    return found


def _post(url, body):
    """(status, text) of a POST; (None, reason) when the witness cannot be reached."""
    request = urllib.request.Request(url + "/add-checkpoint", data=body.encode("utf-8"), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as exc:
        return None, str(getattr(exc, "reason", exc))


class Witnesses:
    def __init__(self, engine, specs):
        self.engine = engine
        self.specs = specs

    def _stored(self, name, size):
        with self.engine.connect() as conn:
            line = conn.execute(select(tables.cosignatures.c.line).where(
                tables.cosignatures.c.witness == name, tables.cosignatures.c.size == size)).scalar()
            last = conn.execute(select(func.max(tables.cosignatures.c.size))
                                .where(tables.cosignatures.c.witness == name)).scalar()
        return line, last or 0

    def _ask(self, the_log, url, name, old, size, note):
        proof = the_log.consistency(old, size) if 0 < old < size else []
        body = "old %d\n%s\n%s" % (old, "".join(h + "\n" for h in tlog.proof_lines(proof)), note)
        return _post(url, body)

    def _cosign(self, the_log, url, name, public, size, note):
        line, old = self._stored(name, size)
        if line is not None:
            return line
        if old > size:
            return None  # a newer checkpoint is cosigned already; this one is being replaced
        status, text = self._ask(the_log, url, name, old, size, note)
        if status == 409 and text.strip().isdigit() and int(text) <= size:
            status, text = self._ask(the_log, url, name, int(text), size, note)
        if status != 200:
            log.warning("witness %s did not cosign checkpoint %d: %s %s", name, size, status, text.strip())
            return None
        try:
            tlog.verify_cosignature(note + text, name, public)
        except tlog.LogError:
            log.warning("witness %s answered checkpoint %d with no valid cosignature", name, size)
            return None
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(tables.cosignatures).values(witness=name, size=size, line=text))
        except IntegrityError:
            pass  # another worker kept one first; either is valid
        return text

    def cosign(self, the_log, size, note):
        """(note with the cosignature lines obtained, True when every witness cosigned)."""
        lines = [self._cosign(the_log, url, name, public, size, note) for url, name, public in self.specs]
        return note + "".join(line for line in lines if line), all(lines)
