"""The log's tables, in the directory's own database and metadata (so
`Store.create_schema` makes them): the head (tree size and root the
checkpoint signs), the entries, the stored subtree hashes, per name the
index of its latest entry, and the name map's nodes. All of them change only inside an
append's transaction, so a crash leaves either all or none of an entry."""
from sqlalchemy import BigInteger, Column, Integer, LargeBinary, String, Table, Text

from ..store import metadata

head = Table(
    "tlog_head", metadata,
    Column("id", Integer, primary_key=True),  # one row, id 1
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("map_root", LargeBinary(32), nullable=False),  # the name map's, at this size
)

entries = Table(
    "tlog_entries", metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

hashes = Table(
    "tlog_hashes", metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
)

# Per name, the index and kind of its latest entry. The entry's serial is the
# directory's (names.serial in keyserver/store.py, raised by
# Transaction.bump_serial in the same transaction): there is no second counter.
names = Table(
    "tlog_names", metadata,
    Column("username", String(32), primary_key=True),
    Column("idx", BigInteger, nullable=False),
    Column("kind", String(10), nullable=False),
    # The name map's leaf (keyserver/tlog/namemap.py): SHA-256(name) -> the entry's leaf hash.
    Column("map_key", LargeBinary(32), nullable=False, unique=True),
    Column("leaf", LargeBinary(32), nullable=False),
)

# The name map's subtrees of two or more names: (depth, key prefix) -> hash.
# The prefix is the first `depth` bits of the keys, the rest zero.
map_nodes = Table(
    "tlog_map", metadata,
    Column("depth", Integer, primary_key=True, autoincrement=False),
    Column("prefix", LargeBinary(32), primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
)

# Witnesses' cosignature lines of the checkpoint of each size (keyserver/tlog/cosign.py).
cosignatures = Table(
    "tlog_cosignatures", metadata,
    Column("witness", String(200), primary_key=True),
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("line", Text, nullable=False),
)
