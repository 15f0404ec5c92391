"""The key server's log over HTTP: what /log/ serves (C2SP checkpoint and
tiles, cache headers), the entries the directory's changes append, the proofs
in lookup answers, and an independent reader recomputing everything with curl."""
import base64
import os

from host_tools.protocol import tlog
from keyserver.store import Store
from tests.transparency import reader
from tests.transparency.util import append_many


def _checkpoint(keyserver):
    note = keyserver.get("/log/checkpoint").text
    return tlog.open_checkpoint(note, keyserver.accounts.log.origin, keyserver.public_key)


def test_activation_and_deactivation_are_logged_with_serials(keyserver):
    answer = keyserver.register_and_activate("alice")
    keyserver.register_and_activate("bob")
    assert keyserver.deactivate("alice")[0] == 200
    again = keyserver.register_and_activate("alice")
    size, root = _checkpoint(keyserver)
    assert size == 4
    _, _, entries = reader.read_log(keyserver.url + "/log", keyserver.accounts.log.origin,
                                    keyserver.public_key)
    decoded = [tlog.decode_entry(e) for e in entries]
    assert [(e["kind"], e["name"], e["serial"]) for e in decoded] == [
        ("activate", "alice", 1), ("activate", "bob", 1), ("deactivate", "alice", 2),
        ("activate", "alice", 3)]
    first = answer["response"]
    assert base64.b64encode(decoded[0]["public_key_sign"]).decode() == first["public_key_sign"]
    assert decoded[2]["public_key_sign"] == decoded[0]["public_key_sign"]
    assert base64.b64encode(decoded[3]["public_key_sign"]).decode() == again["response"]["public_key_sign"]


def test_a_lookup_carries_the_inclusion_proof_of_the_latest_entry(keyserver):
    keyserver.register_and_activate("alice")
    keyserver.register_and_activate("bob")
    assert "log" not in keyserver.lookup("alice")[1]  # the plain, cacheable answer
    status, answer = keyserver.lookup("alice", "?log=1")
    assert status == 200
    log = answer["log"]
    assert (log["index"], log["kind"], answer["response"]["serial"]) == (0, "activate", 1)
    assert "serial" not in log  # the client rebuilds the entry with the signed answer's
    size, root = tlog.open_checkpoint(log["checkpoint"], keyserver.accounts.log.origin, keyserver.public_key)
    assert size == 2
    entry = tlog.encode_entry(log["kind"], "alice", answer["response"]["serial"], log["time"],
                              base64.b64decode(answer["response"]["public_key_message"]),
                              base64.b64decode(answer["response"]["public_key_sign"]))
    tlog.verify_inclusion(tlog.leaf_hash(entry), log["index"], size, tlog.decode_proof(log["proof"]), root)


def test_a_lookup_since_an_older_size_carries_a_consistency_proof(keyserver):
    keyserver.register_and_activate("alice")
    old_size, old_root = _checkpoint(keyserver)
    append_many(keyserver.accounts, 5)
    answer = keyserver.get("/users/alice?since=%d" % old_size).json()
    size, root = tlog.open_checkpoint(answer["log"]["checkpoint"], keyserver.accounts.log.origin,
                                      keyserver.public_key)
    assert size == 6
    tlog.verify_consistency(old_size, old_root, size, root, tlog.decode_proof(answer["log"]["consistency"]))


def test_an_independent_reader_recomputes_tiles_and_root_with_curl(keyserver):
    """600 entries: two full level-0 tiles and entry bundles, a partial third,
    and a partial level-1 tile; all fetched with curl and recomputed from scratch."""
    append_many(keyserver.accounts, 600)
    size, root, entries = reader.read_log(keyserver.url + "/log", keyserver.accounts.log.origin,
                                          keyserver.public_key)
    assert size == 600 and len(set(entries)) == 600
    headers, _ = reader.curl(keyserver.url + "/log/tile/0/000")
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    headers, _ = reader.curl(keyserver.url + "/log/tile/entries/002.p/88")
    assert "immutable" in headers["cache-control"]
    headers, _ = reader.curl(keyserver.url + "/log/checkpoint")
    assert headers["cache-control"] == "no-cache"
    assert headers["content-type"].startswith("text/plain")


def test_tiles_beyond_the_tree_and_malformed_paths_are_404(keyserver):
    append_many(keyserver.accounts, 3)
    assert keyserver.get("/log/tile/0/000.p/3").status == 200
    for path in ("0/000", "0/000.p/4", "entries/000", "entries/001.p/1", "1/000.p/1",
                 "0/x000/000", "0/0", "0/000.p/0", "0/000.p/256", "0/000.p/03", "x/000", "0"):
        assert keyserver.get("/log/tile/" + path).status == 404, path


def test_the_checkpoint_is_a_c2sp_signed_note(keyserver):
    keyserver.register_and_activate("alice")
    note = keyserver.get("/log/checkpoint").text
    origin = keyserver.accounts.log.origin
    body, _, signature = note.partition("\n\n")
    lines = body.split("\n")
    assert lines[0] == origin == "%s/log" % keyserver.url[len("http://"):]  # PUBLIC_URL's host
    assert lines[1] == "1"
    entry = tlog.parse_bundle(keyserver.get("/log/tile/entries/000.p/1").body)[0]
    assert base64.b64decode(lines[2]) == tlog.leaf_hash(entry)
    assert signature.startswith("\u2014 %s " % origin)
    vkey = keyserver.accounts.log.verifier_key
    assert tlog.parse_verifier_key(vkey) == (origin, keyserver.public_key)


def test_a_directory_older_than_the_log_gets_its_active_names_logged(keyserver_factory, tmp_path):
    url = "sqlite:///%s" % (tmp_path / "old.sqlite3")
    old = Store(url)
    old.create_schema()
    keys = [base64.b64encode(os.urandom(32)).decode() for _ in range(2)]
    with old.transaction() as tx:
        tx.insert_pending("alice", "alice@example.org", *keys, 1, 2)
        tx.activate("alice", "c2lnbmF0dXJl")
        tx.bump_serial("alice")
        tx.bump_serial("alice")  # published, deactivated and published again before the log
        tx.insert_pending("bob", "bob@example.org", *keys, 1, 2)  # pending: not logged
        tx.insert_pending("carol", "carol@example.org", *keys, 1, 2)
        tx.activate("carol", "c2lnbmF0dXJl")  # from before serials: not published, not logged
    old.dispose()
    server = keyserver_factory(DATABASE_URL=url)
    size, _ = _checkpoint(server)
    assert size == 1
    entry = tlog.decode_entry(tlog.parse_bundle(server.get("/log/tile/entries/000.p/1").body)[0])
    # The entry's serial is the directory's: one counter.
    assert (entry["kind"], entry["name"], entry["serial"]) == ("activate", "alice", 2)
    assert base64.b64encode(entry["public_key_sign"]).decode() == keys[1]
    keyserver_factory(DATABASE_URL=url)  # a second start adds nothing
    assert _checkpoint(server)[0] == 1
    # Publishing carol (nes-keyserver resign) logs her, with the serial her answer carries.
    server.accounts.resign_all()
    assert _checkpoint(server)[0] == 2
    entry = tlog.decode_entry(tlog.parse_bundle(server.get("/log/tile/entries/000.p/2").body)[1])
    assert (entry["name"], entry["serial"]) == ("carol", 1)
    assert server.get("/users/carol").json()["response"]["serial"] == 1
