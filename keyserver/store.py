"""The key directory's tables and the queries on them, through SQLAlchemy
Core: a SQLite file for one instance, PostgreSQL for several instances behind a
load balancer. Times are integer Unix seconds passed in by the caller.

users: one row per name, `pending` until its activation link is followed, then
`active` with the lookup signature stored (a lookup is one primary-key read).
tokens: SHA-256 digests of e-mailed links, never the links themselves. An
expired activation token outlives its purged account for a retention period so
that its link answers "expired" rather than "unknown".
names: one row per name ever published, never deleted: its serial (+1 on every
activation, key change and deactivation, docs/PROTOCOL.md §10) and the signed
answer a lookup serves now, as the exact body bytes with its status and times,
so that a lookup is one primary-key read and no signing."""
import contextlib
import threading

from sqlalchemy import (
    BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table, create_engine,
    delete, event, func, insert, inspect, select, text, update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, IntegrityError

from .reader import Readers

PENDING = "pending"
ACTIVE = "active"
ACTIVATE = "activate"
DEACTIVATE = "deactivate"

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("username", String(32), primary_key=True),
    Column("email", String(254), nullable=False),
    Column("public_key_message", String(44), nullable=False),
    Column("public_key_sign", String(44), nullable=False),
    Column("signature", String(88)),
    Column("state", String(8), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger),
    Index("users_state_expiry", "state", "expires_at"),
)

tokens = Table(
    "tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(32), nullable=False, index=True),
    Column("purpose", String(10), nullable=False),
    Column("expires_at", BigInteger, index=True),
)


names = Table(
    "names", metadata,
    Column("username", String(32), primary_key=True),
    Column("serial", BigInteger, nullable=False),
    Column("status", Integer),
    Column("answer", LargeBinary),
    Column("issued_at", BigInteger),
    Column("expires_at", BigInteger),
)

class NameTaken(Exception):
    """The username belongs to a pending or active account."""


def make_engine(url, sqlite_pragmas=None):
    """An engine for a database URL; plain postgresql:// URLs use psycopg 3.
    Every SQLite connection runs `sqlite_pragmas` (SQLITE_PRAGMAS when None)."""
    url = make_url(url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    options = {"pool_pre_ping": True}
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite:
        # Threads share the pool; a writer waits for another's lock instead of failing.
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **options)
    if sqlite:
        pragmas = SQLITE_PRAGMAS if sqlite_pragmas is None else sqlite_pragmas
        event.listen(engine, "connect", lambda dbapi_conn, _record: _run_pragmas(dbapi_conn, pragmas))
    return engine


# WAL: readers (every worker's lookups) neither block nor wait for the one
# writer, and a read transaction costs no file locks; the pages mapped rather
# than read. Together they make a lookup's read about half as costly (profiled
# under load: bench/keyserver_bench.py). A file database only, on a local disk.
SQLITE_PRAGMAS = ("journal_mode = WAL", "mmap_size = 268435456")


def _run_pragmas(dbapi_conn, pragmas):
    cursor = dbapi_conn.cursor()
    try:
        for pragma in pragmas:
            cursor.execute("PRAGMA " + pragma).fetchall()
    finally:
        cursor.close()


class Transaction:
    """Statements that run together in one database transaction."""

    def __init__(self, conn):
        self.conn = conn

    def insert_pending(self, username, email, public_key_message, public_key_sign, now, expires_at):
        # A failed insert spoils the transaction; NameTaken makes the caller roll it back.
        try:
            self.conn.execute(insert(users).values(
                username=username, email=email, public_key_message=public_key_message,
                public_key_sign=public_key_sign, state=PENDING, created_at=now,
                expires_at=expires_at,
            ))
        except IntegrityError:
            raise NameTaken(username) from None

    def add_token(self, token_hash, username, purpose, expires_at=None):
        self.conn.execute(insert(tokens).values(
            token_hash=token_hash, username=username, purpose=purpose, expires_at=expires_at,
        ))

    def claim_token(self, token_hash):
        """Delete a token; True for the one caller that deleted it (single use)."""
        return self.conn.execute(delete(tokens).where(tokens.c.token_hash == token_hash)).rowcount == 1

    def user(self, username):
        return self.conn.execute(select(users).where(users.c.username == username)).first()

    def activate(self, username, signature):
        result = self.conn.execute(
            update(users)
            .where(users.c.username == username, users.c.state == PENDING)
            .values(state=ACTIVE, signature=signature, expires_at=None)
        )
        return result.rowcount == 1

    def delete_active(self, username):
        """Remove an active account and every token of its name."""
        gone = self.conn.execute(
            delete(users).where(users.c.username == username, users.c.state == ACTIVE)
        ).rowcount == 1
        if gone:
            self.conn.execute(delete(tokens).where(tokens.c.username == username))
        return gone

    def purge(self, now, retention):
        """Drop expired pending accounts (freeing their names) and activation
        tokens expired more than `retention` seconds ago; return the number of accounts."""
        purged = self.conn.execute(
            delete(users).where(users.c.state == PENDING, users.c.expires_at <= now)
        ).rowcount
        self.conn.execute(delete(tokens).where(tokens.c.expires_at <= now - retention))
        return purged

    def bump_serial(self, username):
        """The name's serial after one more change (activation, key change or
        deactivation; docs/PROTOCOL.md §10): 1 for its first. Every change of a
        name calls this once, in the transaction that makes the change."""
        bumped = self.conn.execute(
            update(names).where(names.c.username == username).values(serial=names.c.serial + 1)
        ).rowcount == 1
        if not bumped:
            self.conn.execute(insert(names).values(username=username, serial=1))
        return self.conn.execute(select(names.c.serial).where(names.c.username == username)).scalar_one()

    def store_answer(self, username, status, answer, issued_at, expires_at):
        """Store the signed answer (body bytes) lookups of the name serve."""
        self.conn.execute(update(names).where(names.c.username == username).values(
            status=status, answer=answer, issued_at=issued_at, expires_at=expires_at))

    def named(self):
        """Every published name: (username, serial, state or None, public keys)."""
        return self.conn.execute(
            select(names.c.username, names.c.serial, users.c.state,
                   users.c.public_key_message, users.c.public_key_sign)
            .select_from(names.outerjoin(users, names.c.username == users.c.username))
        ).all()

    def unpublished(self):
        """Active users whose name has no stored answer (from before serials)."""
        return self.conn.execute(
            select(users.c.username, users.c.public_key_message, users.c.public_key_sign)
            .where(users.c.state == ACTIVE,
                   ~select(names.c.username).where(names.c.username == users.c.username).exists())
        ).all()

    def set_signature(self, username, signature):
        self.conn.execute(update(users).where(users.c.username == username).values(signature=signature))


class Store:
    def __init__(self, url, sqlite_pragmas=None):
        self.engine = make_engine(url, sqlite_pragmas)
        self.readers = Readers(self.engine)
        # SQLite has one writer. A transaction waiting for another's write lock
        # waits in SQLite's busy handler, which blocks its OS thread: under
        # gevent, the thread whose greenlet holds the lock while it mails
        # (accounts.py), so neither would move. Transactions of one process
        # take turns here instead, and greenlets wait cooperatively.
        self._one_writer = threading.RLock() if self.backend == "sqlite" else contextlib.nullcontext()

    @property
    def backend(self):
        return self.engine.url.get_backend_name()

    def create_schema(self):
        try:
            metadata.create_all(self.engine)
        except DatabaseError:
            # Several workers starting on a fresh database race to create the
            # tables; the loser's CREATE fails. Fine if the tables now exist.
            if not all(inspect(self.engine).has_table(t.name) for t in metadata.sorted_tables):
                raise

    def drop_schema(self):
        metadata.drop_all(self.engine)

    def dispose(self):
        """Close pooled connections (before a server forks its workers, and at the end)."""
        self.readers.close()
        self.engine.dispose()

    @contextlib.contextmanager
    def transaction(self):
        """A Transaction committed when the block ends, rolled back when it raises."""
        with self._one_writer, self.engine.begin() as conn:
            yield Transaction(conn)

    def ping(self):
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def answer(self, username):
        """(status, answer bytes, serial, issued_at, expires_at) stored for a
        name, or None: the lookup's one read (keyserver/reader.py)."""
        row = self.readers.read(username)
        if row is None or row[1] is None:
            return None
        return row[0], bytes(row[1]), row[2], row[3], row[4]

    def replace_answer(self, username, serial, old_issued_at, answer, issued_at, expires_at):
        """Store a re-signed answer unless the name changed meanwhile."""
        with self.transaction() as tx:
            tx.conn.execute(update(names).where(
                names.c.username == username, names.c.serial == serial,
                names.c.issued_at == old_issued_at,
            ).values(answer=answer, issued_at=issued_at, expires_at=expires_at))

    def lookup(self, username):
        """The active entry (username, public_key_message, public_key_sign, signature) or None."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(users.c.username, users.c.public_key_message,
                       users.c.public_key_sign, users.c.signature)
                .where(users.c.username == username, users.c.state == ACTIVE)
            ).first()

    def tokens_for(self, username):
        with self.engine.connect() as conn:
            return conn.execute(select(tokens).where(tokens.c.username == username)).all()

    def purge(self, now, retention):
        with self.transaction() as tx:
            return tx.purge(now, retention)

    def count_users(self, state=None):
        query = select(func.count()).select_from(users)
        if state is not None:
            query = query.where(users.c.state == state)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()
