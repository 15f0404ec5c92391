"""The name map on the server (docs/TRANSPARENCY.md §4): a compact sparse
Merkle tree of SHA-256(name) -> leaf hash of the name's latest entry, kept in
the log's tables and changed inside the append's transaction. The leaves are
tlog_names rows (map_key, leaf); the hash of every subtree holding two or
more names is a tlog_map row, so the hash of any subtree is one row, one
leaf, or empty. A name's leaf changes but never goes, so a stored node never
becomes a one-name subtree."""
from sqlalchemy import and_, insert, select, update

from host_tools.protocol import tlog as proto

from . import tables

_BITS = proto.MAP_KEY_BITS


def _prefix(key, depth):
    """`key` with every bit from `depth` on cleared (and the last such key, set)."""
    n = int.from_bytes(key, "big")
    low = (1 << (_BITS - depth)) - 1
    return (n & ~low).to_bytes(32, "big"), (n | low).to_bytes(32, "big")


def _sibling(key, depth):
    """A key in the other subtree at `depth` (depth >= 1) from `key`'s."""
    return (int.from_bytes(key, "big") ^ (1 << (_BITS - depth))).to_bytes(32, "big")


def _leaves(conn, key, depth, limit):
    lo, hi = _prefix(key, depth)
    c = tables.names.c
    return conn.execute(select(c.map_key, c.leaf).where(and_(c.map_key >= lo, c.map_key <= hi))
                        .limit(limit)).all()


def _subtree(conn, key, depth):
    """The hash of the subtree at `depth` that holds `key`'s path."""
    c = tables.map_nodes.c
    row = conn.execute(select(c.hash).where(c.depth == depth, c.prefix == _prefix(key, depth)[0])).first()
    if row is not None:
        return bytes(row.hash)
    found = _leaves(conn, key, depth, 2)
    if not found:
        return proto.MAP_EMPTY
    if len(found) > 1:
        raise RuntimeError("name map: subtree (%d, %s) of two names is not stored" % (depth, key.hex()))
    return proto.map_leaf(bytes(found[0].map_key), bytes(found[0].leaf))


def _depth(conn, key):
    """The depth of `key`'s leaf: one below the deepest subtree on its path
    holding another name too (0: it is the only name)."""
    if len(_leaves(conn, key, 0, 2)) < 2:
        return 0
    shared, alone = 0, _BITS  # holds >= 2 names at `shared`, only `key` at `alone`
    while alone - shared > 1:
        mid = (shared + alone) // 2
        if len(_leaves(conn, key, mid, 2)) > 1:
            shared = mid
        else:
            alone = mid
    return alone


def set_leaf(conn, key, value):
    """After tlog_names holds key -> value: store the changed nodes; the new map root."""
    depth = _depth(conn, key)
    h = proto.map_leaf(key, value)
    c = tables.map_nodes.c
    for d in range(depth - 1, -1, -1):
        sibling = _subtree(conn, _sibling(key, d + 1), d + 1)
        h = proto.map_node(sibling, h) if proto.map_bit(key, d) else proto.map_node(h, sibling)
        prefix = _prefix(key, d)[0]
        if conn.execute(update(tables.map_nodes).where(c.depth == d, c.prefix == prefix)
                        .values(hash=h)).rowcount == 0:
            conn.execute(insert(tables.map_nodes).values(depth=d, prefix=prefix, hash=h))
    return h


def proof(conn, key):
    """The map proof of `key`: the siblings of its path, the deepest first."""
    depth = _depth(conn, key)
    return [_subtree(conn, _sibling(key, d), d) for d in range(depth, 0, -1)]


def _build(leaves, depth, nodes):
    """The hash of sorted (key, value) `leaves` sharing `depth` bits; appends
    the rows of its subtrees of two or more names to `nodes`."""
    if len(leaves) < 2:
        return proto.map_root_of(leaves, depth)
    cut = 0
    while cut < len(leaves) and not proto.map_bit(leaves[cut][0], depth):
        cut += 1
    h = proto.map_node(_build(leaves[:cut], depth + 1, nodes), _build(leaves[cut:], depth + 1, nodes))
    nodes.append({"depth": depth, "prefix": _prefix(leaves[0][0], depth)[0], "hash": h})
    return h


def rebuild(conn):
    """Store the whole map again from tlog_names (after many leaves changed at
    once: a backfill); the map root."""
    c = tables.names.c
    leaves = [(bytes(k), bytes(v)) for k, v in conn.execute(select(c.map_key, c.leaf).order_by(c.map_key))]
    nodes = []
    root = _build(leaves, 0, nodes)
    conn.execute(tables.map_nodes.delete())
    if nodes:
        conn.execute(insert(tables.map_nodes), nodes)
    return root
