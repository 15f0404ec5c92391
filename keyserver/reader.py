"""The lookup's one read (Store.answer): the stored answer of a name by its
primary key, on a connection each OS thread keeps for itself and runs
without yielding. Under gunicorn's gevent workers every greenlet of a worker
shares that worker's one connection (one PostgreSQL backend per worker, not
one per client connection): a read never waits in gevent's hub, so no other
greenlet can start one on the same connection meanwhile.

PostgreSQL: a statement prepared once per connection, run by libpq
(PQexecPrepared blocks; binary results, no type adaptation). SQLite: the
sqlite3 module's cached statement."""
import threading

from psycopg import OperationalError, pq

SQL = "SELECT status, answer, serial, issued_at, expires_at FROM names WHERE username = %s"
_STATEMENT = b"nes_answer"


class Readers:
    """The reading connections of a SQLAlchemy engine, one per OS thread."""

    def __init__(self, engine):
        self.engine = engine
        self._open = _Postgres if engine.url.get_backend_name() == "postgresql" else _SQLite
        self._by_thread = {}

    def read(self, username):
        """The stored row (status, answer, serial, issued_at, expires_at) or
        None; a broken connection is replaced once."""
        thread = threading.get_native_id()  # the OS thread's: gevent patches get_ident, not this
        try:
            return self._read(thread, username)
        except self.engine.dialect.dbapi.Error:
            return self._read(thread, username)  # on a new connection

    def _read(self, thread, username):
        reader = self._by_thread.get(thread) or self._opened(thread)
        try:
            return reader.read(username)
        except self.engine.dialect.dbapi.Error:
            if self._by_thread.get(thread) is reader:
                del self._by_thread[thread]
            reader.close()
            raise

    def _opened(self, thread):
        # Connecting may yield to gevent's hub, and another greenlet of this
        # thread may open one meanwhile: the first one stored is kept.
        opened = self._open(self.engine)
        reader = self._by_thread.setdefault(thread, opened)
        if reader is not opened:
            opened.close()
        return reader

    def close(self):
        readers, self._by_thread = self._by_thread, {}
        for reader in readers.values():
            reader.close()


class _Connection:
    """A connection out of the engine's pool, kept outside it until closed."""

    def __init__(self, engine):
        self.pooled = engine.raw_connection()
        self.pooled.rollback()
        self.driver = self.pooled.driver_connection

    def close(self):
        self.pooled.invalidate()


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
