"""The key server's transparency log (docs/TRANSPARENCY.md): every change of
the directory appended as an entry of an RFC 6962 tree, published as a C2SP
checkpoint and C2SP tlog-tiles under /log/ (keyserver/routes/log.py).

- tree: the Merkle tree over stored complete-subtree hashes, and its proofs;
- tables: the log's tables in the directory's database;
- log: appends (one sequencer, crash-safe), checkpoints, tiles, lookup proofs."""
