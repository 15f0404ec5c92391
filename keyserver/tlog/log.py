"""Appends, checkpoints, tiles and lookup proofs of the transparency log.

One sequencer: an append runs inside the caller's database transaction (the
same one that changes the directory) and first takes the log lock — a
transaction-scoped advisory lock on PostgreSQL, the database write lock on
SQLite — so appends from every worker and instance are serialised and the
head, entries and hashes commit together with the directory change or not at
all. The checkpoint is signed when served, from the committed head, so it can
never name a tree the tiles do not hold."""
import threading

from sqlalchemy import insert, select, text, update

from host_tools.protocol import tlog as proto

from . import namemap, tables, tree

# pg_advisory_xact_lock key of the log's sequencer: "nes-kt/1" as a 64-bit integer.
LOCK_KEY = int.from_bytes(b"nes-kt/1", "big") >> 1
_MAP_TRIES = 5  # reads of a name's map proof while appends commit meanwhile


class LogCorrupt(Exception):
    """The stored log is missing a hash it must have."""


def _getter(conn):
    cache = {}

    def get(level, idx):
        key = (level, idx)
        if key not in cache:
            row = conn.execute(select(tables.hashes.c.hash).where(
                tables.hashes.c.level == level, tables.hashes.c.idx == idx)).first()
            if row is None:
                raise LogCorrupt("no stored hash (%d, %d)" % key)
            cache[key] = bytes(row.hash)
        return cache[key]
    return get


def _lock(conn):
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    # On SQLite this write takes the database lock; on PostgreSQL it is a no-op.
    if conn.execute(update(tables.head).where(tables.head.c.id == 1)
                    .values(size=tables.head.c.size)).rowcount == 0:
        conn.execute(insert(tables.head).values(id=1, size=0, root=proto.EMPTY_ROOT, map_root=proto.MAP_EMPTY))


def read_head(conn):
    """(size, root, map root) the checkpoint signs."""
    c = tables.head.c
    row = conn.execute(select(c.size, c.root, c.map_root)).first()
    return (0, proto.EMPTY_ROOT, proto.MAP_EMPTY) if row is None else (
        row.size, bytes(row.root), bytes(row.map_root))


class _Batch:
    """Consecutive appends in one transaction: their entries and hashes are
    inserted together, the right edge of the tree kept in memory."""

    def __init__(self, conn):
        self.conn = conn
        self.size = read_head(conn)[0]
        self.stored = _getter(conn)
        self.edge = {}  # level -> (index, hash) of the newest hash at that level
        self.entries, self.hashes = [], []

    def get(self, level, idx):
        newest = self.edge.get(level)
        return newest[1] if newest and newest[0] == idx else self.stored(level, idx)

    def add(self, kind, name, serial, keys, now):
        """Queue one entry; returns its index."""
        data = proto.encode_entry(kind, name, serial, now, *keys)
        self.entries.append({"idx": self.size, "data": data})
        self.leaf = proto.leaf_hash(data)  # of the newest entry
        for level, idx, h in tree.new_hashes(self.size, data, self.get):
            self.edge[level] = (idx, h)
            self.hashes.append({"level": level, "idx": idx, "hash": h})
        self.size += 1
        return self.size - 1

    def flush(self):
        if self.entries:
            self.conn.execute(insert(tables.entries), self.entries)
            self.conn.execute(insert(tables.hashes), self.hashes)
            self.entries, self.hashes = [], []

    def commit_head(self, map_root):
        """Write what is queued, then the head of the grown tree."""
        self.flush()
        root = tree.root(self.size, self.get)
        self.conn.execute(update(tables.head).where(tables.head.c.id == 1)
                          .values(size=self.size, root=root, map_root=map_root))


class Log:
    def __init__(self, engine, server_key, origin, witnesses=None):
        self.engine = engine
        self.server_key = server_key
        self.origin = origin
        self.witnesses = witnesses  # a cosign.Witnesses, or None
        self._signed = (None, None)
        self._signed_lock = threading.Lock()

    @property
    def verifier_key(self):
        return proto.verifier_key(self.origin, self.server_key.public)

    def append(self, tx, kind, name, keys, now, serial=None):
        """Log `kind` for `name` with its (message, sign) keys; returns its index.
        Call inside the transaction (a store.Transaction) that makes the change.
        `serial` is the one tx.bump_serial gave this change (the directory's
        per-name serial is the only counter); None bumps it here, after the
        log lock, for a change the directory makes only in the log."""
        conn = tx.conn
        _lock(conn)
        if serial is None:
            serial = tx.bump_serial(name)
        batch = _Batch(conn)
        index = batch.add(kind, name, serial, keys, now)
        key, leaf = proto.map_key(name), batch.leaf
        if conn.execute(update(tables.names).where(tables.names.c.username == name)
                        .values(idx=index, kind=kind, leaf=leaf)).rowcount == 0:
            conn.execute(insert(tables.names).values(username=name, idx=index, kind=kind, map_key=key, leaf=leaf))
        batch.commit_head(namemap.set_leaf(conn, key, leaf))
        return index

    def backfill(self, missing, now):
        """Log an activation for each (name, serial, keys) page that
        `missing(conn, after)` returns (names after `after` without an entry, in
        order, with the directory's serial; an empty page ends), in one
        transaction; returns how many were added."""
        added = 0
        with self.engine.begin() as conn:
            _lock(conn)
            batch, after = _Batch(conn), ""
            while True:
                page = missing(conn, after)
                if not page:
                    break
                rows = []
                for name, serial, keys in page:
                    index = batch.add(proto.ACTIVATE, name, serial, keys, now)
                    rows.append({"username": name, "idx": index, "kind": proto.ACTIVATE,
                                 "map_key": proto.map_key(name), "leaf": batch.leaf})
                conn.execute(insert(tables.names), rows)
                batch.flush()
                added += len(page)
                after = page[-1][0]
            if added:
                batch.commit_head(namemap.rebuild(conn))
        return added

    def _note(self, size, root, map_root):
        with self._signed_lock:
            if self._signed[0] == (size, root):
                return self._signed[1]
            note = proto.sign_note(proto.checkpoint_text(self.origin, size, root, map_root), self.origin,
                                   self.server_key.seed)
            complete = True
            if self.witnesses:
                note, complete = self.witnesses.cosign(self, size, note)
            if complete:
                self._signed = ((size, root), note)
            return note

    def checkpoint(self):
        with self.engine.connect() as conn:
            return self._note(*read_head(conn))

    def tile(self, level, n, width):
        """The hashes of tile (level, n) of `width`, or None while the tree is too small."""
        hash_level = level * proto.TILE_HEIGHT
        start = n * proto.TILE_WIDTH
        with self.engine.connect() as conn:
            size = read_head(conn)[0]
            if start + width > size >> hash_level:
                return None
            rows = conn.execute(
                select(tables.hashes.c.hash)
                .where(tables.hashes.c.level == hash_level, tables.hashes.c.idx >= start,
                       tables.hashes.c.idx < start + width)
                .order_by(tables.hashes.c.idx)).scalars().all()
        if len(rows) != width:
            raise LogCorrupt("tile %d/%d is missing hashes" % (level, n))
        return b"".join(bytes(h) for h in rows)

    def bundle(self, n, width):
        """The entry bundle n of `width`, or None while the tree is too small."""
        start = n * proto.TILE_WIDTH
        with self.engine.connect() as conn:
            size = read_head(conn)[0]
            if start + width > size:
                return None
            rows = conn.execute(
                select(tables.entries.c.data)
                .where(tables.entries.c.idx >= start, tables.entries.c.idx < start + width)
                .order_by(tables.entries.c.idx)).scalars().all()
        if len(rows) != width:
            raise LogCorrupt("entry bundle %d is missing entries" % n)
        return proto.bundle([bytes(d) for d in rows])

    def lookup_proof(self, name, since=None):
        """The "log" member of a lookup answer for `name`'s latest entry:
        {index, kind, time, proof, map, checkpoint[, consistency]} plus
        "keys" and "serial" (the entry's, for the caller to compare with the
        answer's: the client takes them from there), or None when it has
        none (or appends kept changing the map while it was read). The
        consistency proof is from tree size `since` when 0 < since < size."""
        with self.engine.connect() as conn:
            for _ in range(_MAP_TRIES):
                row = conn.execute(select(tables.names).where(tables.names.c.username == name)).first()
                if row is None:
                    return None
                # Read after the name: the head then covers its entry, whatever commits meanwhile.
                size, root, map_root = read_head(conn)
                key = bytes(row.map_key)
                map_proof = namemap.proof(conn, key)
                # The map's nodes are read after the head: an append committed
                # in between makes them another map's; then read all again.
                if proto.map_root_from_proof(key, bytes(row.leaf), map_proof) == map_root:
                    break
            else:
                return None
            data = conn.execute(select(tables.entries.c.data)
                                .where(tables.entries.c.idx == row.idx)).scalar_one()
            get = _getter(conn)
            member = {"proof": proto.encode_proof(tree.inclusion_proof(row.idx, size, get)),
                      "map": proto.encode_map_proof(map_proof)}
            if since is not None and 0 < since < size:
                member["consistency"] = proto.encode_proof(tree.consistency_proof(since, size, get))
        entry = proto.decode_entry(bytes(data))
        member.update({
            "index": row.idx, "kind": entry["kind"], "time": entry["time"],
            "keys": (entry["public_key_message"], entry["public_key_sign"]), "serial": entry["serial"],
            "checkpoint": self._note(size, root, map_root),
        })
        return member

    def consistency(self, size1, size2):
        """A consistency proof between two sizes of the current tree, or None."""
        with self.engine.connect() as conn:
            size = read_head(conn)[0]
            if not 0 < size1 <= size2 <= size:
                return None
            return tree.consistency_proof(size1, size2, _getter(conn))

    def inclusion(self, index, size):
        """An inclusion proof of entry `index` in the tree of `size` (size <= the current one)."""
        with self.engine.connect() as conn:
            return tree.inclusion_proof(index, size, _getter(conn))

    def size(self):
        with self.engine.connect() as conn:
            return read_head(conn)[0]

