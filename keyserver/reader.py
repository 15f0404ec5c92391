"""The lookup's one read (Store.answer): the stored answer of a name by its
primary key, on a connection each OS thread keeps for itself and runs
without yielding. Under gunicorn's gevent workers every greenlet of a worker
shares that worker's one connection (one PostgreSQL backend per worker, not
one per client connection): a read never waits in gevent's hub, so no other
greenlet can start one on the same connection meanwhile.

PostgreSQL: a statement prepared once per connection, run by libpq
(PQexecPrepared blocks; binary results, no type adaptation). SQLite: the
sqlite3 module's cached statement."""
import weakref

from gevent.monkey import get_original
from psycopg import OperationalError, pq

SQL = "SELECT status, answer, serial, issued_at, expires_at FROM names WHERE username = %s"
_STATEMENT = b"nes_answer"


class Readers:
    """The reading connections of a SQLAlchemy engine, one per OS thread."""

    def __init__(self, engine):
        self.engine = engine
        self._open = _Postgres if engine.url.get_backend_name() == "postgresql" else _SQLite
        # The original thread-local class: gevent makes threading.local one per
        # greenlet. A thread's reader goes with the thread (a threaded server's).
        self._local = get_original("_thread", "_local")()

    def read(self, username):
        """The stored row (status, answer, serial, issued_at, expires_at) or
        None; a broken connection is replaced once."""
        try:
            return self._read(username)
        except self.engine.dialect.dbapi.Error:
            return self._read(username)  # on a new connection

    def _read(self, username):
        reader = getattr(self._local, "reader", None) or self._opened()
        try:
            return reader.read(username)
        except self.engine.dialect.dbapi.Error:
            if getattr(self._local, "reader", None) is reader:
                self._local.reader = None
            reader.close()
            raise

    def _opened(self):
        # Connecting may yield to gevent's hub, and another greenlet of this
        # thread may open one meanwhile: the first one stored is kept.
        opened = self._open(self.engine)
        reader = getattr(self._local, "reader", None)
        if reader is None:
            self._local.reader = reader = opened
        else:
            opened.close()
        return reader

    def close(self):
        """Close this thread's reader (before a server forks its workers, and at the end)."""
        reader, self._local.reader = getattr(self._local, "reader", None), None
        if reader is not None:
            reader.close()


class _Connection:
    """A connection of its own, never back in the engine's pool: closed by
    close() or when dropped (its thread ended)."""

    def __init__(self, engine):
        pooled = engine.raw_connection()
        pooled.rollback()  # the pool's pre-ping may have begun a transaction
        self.driver = pooled.driver_connection
        pooled.detach()
        self.close = weakref.finalize(self, self.driver.close)


class _SQLite(_Connection):
    def __init__(self, engine):
        super().__init__(engine)
        self.driver.isolation_level = None  # autocommit: no BEGIN/COMMIT around the SELECT
        self._sql = SQL.replace("%s", "?")

    def read(self, username):
        return self.driver.execute(self._sql, (username,)).fetchone()


class _Postgres(_Connection):
    def __init__(self, engine):
        super().__init__(engine)
        self.driver.autocommit = True  # one statement, no BEGIN/COMMIT round trips
        self.pgconn = self.driver.pgconn
        _checked(self.pgconn, self.pgconn.prepare(_STATEMENT, SQL.replace("%s", "$1").encode()),
                 pq.ExecStatus.COMMAND_OK)

    def read(self, username):
        result = _checked(self.pgconn, self.pgconn.exec_prepared(_STATEMENT, [username.encode()],
                                                                 result_format=pq.Format.BINARY),
                          pq.ExecStatus.TUPLES_OK)
        if result.ntuples == 0:
            return None
        status, answer, serial, issued_at, expires_at = (result.get_value(0, c) for c in range(5))
        return (_int(status), answer, _int(serial), _int(issued_at), _int(expires_at))


def _int(value):
    return None if value is None else int.from_bytes(value, "big", signed=True)


def _checked(pgconn, result, expected):
    if result.status != expected:
        message = (result.error_message or pgconn.error_message).decode("utf-8", "replace").strip()
        raise OperationalError("lookup read failed: %s" % (message or pq.ExecStatus(result.status).name))
    return result
