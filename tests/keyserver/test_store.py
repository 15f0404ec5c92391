"""keyserver.store on both back ends: a SQLite file and a private PostgreSQL
cluster (the `postgres_cluster` fixture, a fresh database per test)."""
import gc
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from keyserver import tokens
from keyserver.store import ACTIVATE, ACTIVE, DEACTIVATE, PENDING, NameTaken, Store

NOW = 1_700_000_000
TTL = 3600
RETENTION = 7 * 86400
KEY_M = "A" * 43 + "="
KEY_S = "B" * 43 + "="


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = "sqlite:///%s" % (tmp_path / "store.sqlite3")
    else:
        url = request.getfixturevalue("postgres_cluster").create_database()
    store = Store(url)
    assert store.backend == request.param
    store.create_schema()
    store.create_schema()  # idempotent: every server instance runs it at start
    yield store
    store.dispose()


def pending(store, name="alice", now=NOW, ttl=TTL):
    """Insert a pending account with its activation token; return the token."""
    token, token_hash = tokens.new()
    with store.transaction() as tx:
        tx.insert_pending(name, name + "@example.org", KEY_M, KEY_S, now, now + ttl)
        tx.add_token(token_hash, name, ACTIVATE, now + ttl)
    return token


def test_pending_accounts_are_not_looked_up(store):
    pending(store)
    assert store.lookup("alice") is None
    assert store.count_users(PENDING) == 1


def test_names_are_unique_and_a_failed_insert_leaves_nothing(store):
    token = pending(store)
    with pytest.raises(NameTaken):
        with store.transaction() as tx:
            tx.add_token("f" * 64, "alice", ACTIVATE, NOW + TTL)
            tx.insert_pending("alice", "other@example.org", KEY_S, KEY_M, NOW, NOW + TTL)
    assert [row.token_hash for row in store.tokens_for("alice")] == [tokens.digest(token)]
    with store.transaction() as tx:
        assert tx.user("alice").email == "alice@example.org"


def test_a_transaction_that_raises_stores_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.insert_pending("bob", "bob@example.org", KEY_M, KEY_S, NOW, NOW + TTL)
            raise RuntimeError("mail failed")
    assert store.count_users() == 0


def test_activation_stores_the_signature_for_one_read_lookups(store):
    token = pending(store)
    row = tokens.find(store.tokens_for("alice"), token)
    assert row is not None and row.purpose == ACTIVATE
    with store.transaction() as tx:
        assert tx.claim_token(row.token_hash)
        assert tx.activate("alice", "c2lnbmF0dXJl")
        assert not tx.activate("alice", "again"), "an active account was activated twice"
    entry = store.lookup("alice")
    assert tuple(entry) == ("alice", KEY_M, KEY_S, "c2lnbmF0dXJl")
    assert store.count_users(ACTIVE) == 1


def test_tokens_are_single_use_and_stored_as_digests(store):
    token = pending(store)
    rows = store.tokens_for("alice")
    assert [r.token_hash for r in rows] == [tokens.digest(token)]
    assert token not in {str(v) for r in rows for v in r}
    with store.transaction() as tx:
        assert tx.claim_token(rows[0].token_hash)
    with store.transaction() as tx:
        assert not tx.claim_token(rows[0].token_hash)
    assert tokens.find(store.tokens_for("alice"), token) is None


def test_a_token_is_claimed_once_by_concurrent_transactions(store):
    token_hash = tokens.digest(pending(store))
    claims = []

    def claim():
        with store.transaction() as tx:
            claims.append(tx.claim_token(token_hash))

    with store.transaction() as tx:
        assert tx.claim_token(token_hash)
        other = threading.Thread(target=claim)
        other.start()
        other.join(0.5)  # let it reach the locked row before this transaction commits
    other.join()
    assert claims == [False]


def test_purge_frees_expired_names_and_keeps_expired_tokens_for_a_while(store):
    old = pending(store, "old", now=NOW - TTL - 10)
    pending(store, "fresh")
    assert store.purge(NOW, RETENTION) == 1
    assert store.count_users() == 1
    assert tokens.find(store.tokens_for("old"), old) is not None, "the expired link would answer 404"
    pending(store, "old")  # the name is free again
    assert store.purge(NOW + RETENTION + TTL, RETENTION) == 2
    assert store.tokens_for("old") == [] and store.tokens_for("fresh") == []


def test_purge_keeps_active_accounts_and_their_tokens(store):
    pending(store, "alice", now=NOW - 2 * TTL)
    with store.transaction() as tx:
        tx.activate("alice", "sig")
        tx.add_token("d" * 64, "alice", DEACTIVATE)
    store.purge(NOW + 10 * RETENTION, RETENTION)
    assert store.lookup("alice") is not None
    assert [r.purpose for r in store.tokens_for("alice")] == [DEACTIVATE]


def test_delete_active_removes_the_account_and_its_tokens(store):
    pending(store, "alice")
    with store.transaction() as tx:
        assert not tx.delete_active("alice"), "a pending account is not deactivated"
        tx.activate("alice", "sig")
        tx.add_token("d" * 64, "alice", DEACTIVATE)
    with store.transaction() as tx:
        assert tx.delete_active("alice")
    assert store.count_users() == 0 and store.tokens_for("alice") == []


def test_serials_grow_with_every_change_and_outlive_the_account(store):
    """bump_serial: 1 for a name's first change, +1 for each later one, kept
    (with the stored answer) after the account is gone."""
    pending(store, "alice")
    with store.transaction() as tx:
        assert tx.bump_serial("alice") == 1
        tx.store_answer("alice", 200, b'{"keys":1}', NOW, NOW + 10)
        tx.activate("alice", "sig")
    with store.transaction() as tx:
        assert tx.delete_active("alice")
        assert tx.bump_serial("alice") == 2
        tx.store_answer("alice", 404, b'{"gone":2}', NOW + 1, NOW + 11)
    assert store.count_users() == 0
    assert store.answer("alice") == (404, b'{"gone":2}', 2, NOW + 1, NOW + 11)
    with store.transaction() as tx:
        assert tx.bump_serial("alice") == 3
    assert store.answer("nobody") is None


def test_a_re_signed_answer_is_stored_only_over_the_one_it_replaces(store):
    with store.transaction() as tx:
        tx.bump_serial("bob")
        tx.store_answer("bob", 200, b"old", NOW, NOW + 10)
    store.replace_answer("bob", 1, NOW, b"new", NOW + 5, NOW + 15)
    store.replace_answer("bob", 1, NOW, b"late", NOW + 6, NOW + 16)  # raced: not over "new"
    assert store.answer("bob") == (200, b"new", 1, NOW + 5, NOW + 15)


def test_sqlite_lookups_read_while_a_writer_holds_the_database(tmp_path):
    """WAL mode (keyserver.store.SQLITE_PRAGMAS): a lookup reads the committed
    answer at once while another process's transaction holds the write lock,
    where a rollback journal would make it wait (up to its 30 s timeout)."""
    path = tmp_path / "store.sqlite3"
    store = Store("sqlite:///%s" % path)
    store.create_schema()
    with store.transaction() as tx:
        tx.bump_serial("bob")
        tx.store_answer("bob", 200, b"committed", NOW, NOW + 10)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("UPDATE names SET answer = X'00' WHERE username = 'bob'")
        started = time.monotonic()
        assert store.answer("bob") == (200, b"committed", 1, NOW, NOW + 10)
        assert time.monotonic() - started < 5
        writer.execute("COMMIT")
    finally:
        writer.close()
        store.dispose()
    assert store.answer("bob")[1] == b"\x00"
    store.dispose()


def test_unpublished_lists_active_accounts_without_an_answer(store):
    pending(store, "alice")
    pending(store, "bob")
    with store.transaction() as tx:
        tx.activate("alice", "old")
        tx.activate("bob", "old")
        tx.bump_serial("bob")
    with store.transaction() as tx:
        assert [row.username for row in tx.unpublished()] == ["alice"]
        tx.set_signature("alice", "new")
    assert store.lookup("alice").signature == "new"


def test_ping(store):
    store.ping()


def test_token_matching():
    token, digest = tokens.new()
    assert len(token) >= 43 and digest == tokens.digest(token)

    class Row:
        def __init__(self, token_hash):
            self.token_hash = token_hash

    rows = [Row(tokens.new()[1]), Row(digest), Row(tokens.new()[1])]
    assert tokens.find(rows, token) is rows[1]
    assert tokens.find(rows, token[:-1]) is None
    assert tokens.find(rows, "\u00e9") is None


def test_the_lookup_read_replaces_a_lost_connection(store):
    with store.transaction() as tx:
        tx.bump_serial("bob")
        tx.store_answer("bob", 200, b"answer", NOW, NOW + 10)
    assert store.answer("bob")[1] == b"answer"
    store.readers._local.reader.driver.close()  # the database dropped it, say
    assert store.answer("bob")[1] == b"answer"


@pytest.mark.postgres
def test_the_lookup_read_replaces_a_terminated_postgresql_backend(postgres_cluster):
    store = Store(postgres_cluster.create_database())
    store.create_schema()
    try:
        with store.transaction() as tx:
            tx.bump_serial("bob")
            tx.store_answer("bob", 200, b"answer", NOW, NOW + 10)
        assert store.answer("bob")[1] == b"answer"
        assert store.answer("nobody") is None
        with store.engine.connect() as conn:  # an administrator restarts the lookup's backend
            ended = conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'SELECT status, answer%'")).all()
        assert ended == [(True,)]
        assert store.answer("bob")[1] == b"answer"
    finally:
        store.dispose()


@pytest.mark.postgres
def test_a_thread_s_reading_connection_ends_with_the_thread(postgres_cluster):
    """A threaded server (the development server, tests/fixtures/keyserver.py)
    runs each request in a new thread: its reader must not outlive it."""
    store = Store(postgres_cluster.create_database())
    store.create_schema()
    count = text("SELECT count(*) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND query LIKE 'SELECT status, answer%'")
    try:
        for _ in range(5):
            thread = threading.Thread(target=store.answer, args=("bob",))
            thread.start()
            thread.join()
        gc.collect()
        deadline = time.monotonic() + 10
        with store.engine.connect() as conn:
            while conn.execute(count).scalar_one() and time.monotonic() < deadline:
                time.sleep(0.05)  # a closed connection's backend exits right after
            assert conn.execute(count).scalar_one() == 0
    finally:
        store.dispose()
