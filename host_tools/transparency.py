"""What `nes` keeps and checks of the key server's transparency log
(docs/TRANSPARENCY.md §5): the newest checkpoint it has seen (every later one
must extend it), the highest serial seen per name, the keys this host
registered (what `nes monitor` expects), and the monitor's own copy of the
tree's right edge. Every lookup answer is checked here before its keys are
used: checkpoint signature, inclusion proof, consistency with the stored
checkpoint, and that no later entry for the name exists in the log."""
import base64
import hashlib
import json

from . import atomic
from .errors import CommandError
from .protocol import tlog


def log_file(server_key):
    """The state file of the log of the key server with this public key."""
    return "log-%s.json" % hashlib.sha256(server_key).hexdigest()[:16]


def _b64(raw):
    return base64.b64encode(raw).decode("ascii")


def _frontier(saved):
    return tlog.Frontier(saved.get("size", 0), [base64.b64decode(h) for h in saved.get("frontier", [])])


def _saved(frontier):
    return {"size": frontier.size, "frontier": [_b64(h) for h in frontier.hashes]}


class LogState:
    """log-<key id>.json in the state directory (log_file)."""

    def __init__(self, path):
        self.path = path
        try:
            with open(path, encoding="utf-8") as f:
                self.data = json.load(f)
        except FileNotFoundError:
            self.data = {}
        except (OSError, ValueError) as exc:
            raise CommandError("cannot read the log state in %s: %s" % (path, exc)) from None
        self.data.setdefault("serials", {})
        self.data.setdefault("registered", {})
        self.data.setdefault("latest", {})

    @property
    def origin(self):
        return self.data.get("origin")

    @property
    def size(self):
        return self.data.get("size", 0)

    @property
    def root(self):
        return base64.b64decode(self.data["root"]) if "root" in self.data else tlog.EMPTY_ROOT

    def keep(self, origin, size, root, note):
        self.data.update(origin=origin, size=size, root=_b64(root), checkpoint=note)

    def registered(self, name, keys):
        """Remember keys this host registered for `name` (every pair it ever did)."""
        pair = [_b64(k) for k in keys]
        known = self.data["registered"].setdefault(name, [])
        if pair not in known:
            known.append(pair)
        self.save()

    def monitor_frontier(self):
        # A state from before the name map has no map of what was read: read all again.
        return _frontier(self.data.get("monitor", {}) if "monitor_map" in self.data else {})

    def monitor_map(self):
        """name -> leaf hash of its latest entry, of every entry the monitor read."""
        return {n: base64.b64decode(v) for n, v in self.data.get("monitor_map", {}).items()}

    def keep_monitor(self, frontier, leaves):
        self.data["monitor"] = _saved(frontier)
        self.data["monitor_map"] = {n: _b64(v) for n, v in leaves.items()}

    def latest_frontier(self, name, index):
        """The tree read up to where a name's entry `index` was last shown to be its
        latest, or None: reading on from there checks the rest."""
        saved = self.data["latest"].get(name)
        return _frontier(saved) if saved and saved["index"] == index else None

    def keep_latest(self, name, index, frontier):
        self.data["latest"][name] = dict(_saved(frontier), index=index)

    def save(self):
        atomic.write_atomic(self.path, json.dumps(self.data, indent=1, sort_keys=True))


class LogChecker:
    """Checks answers of one key server against the log state; `fetch(path)`
    GETs a path of the server ("/log/...") and returns the body bytes."""

    def __init__(self, state, server_public, fetch, witness_key=None):
        self.state = state
        self.server_public = server_public
        self.fetch = fetch
        try:
            self.witness = witness_key and tlog.parse_verifier_key(witness_key, tlog.COSIGNATURE_TYPE)
        except tlog.LogError:
            raise CommandError("LOG_WITNESS_KEY is not a witness verifier key: %r" % witness_key) from None

    def cosigned(self, note):
        """Check the configured witness's cosignature on a checkpoint note."""
        if self.witness:
            tlog.verify_cosignature(note, *self.witness)

    def open_checkpoint(self, note):
        """(origin, size, root) of a checkpoint signed by the pinned server key (and
        cosigned by the witness, when one is configured); the origin is pinned with
        the first checkpoint seen."""
        origin = self.state.origin or tlog.note_origin(note)
        size, root = tlog.open_checkpoint(note, origin, self.server_public)
        self.cosigned(note)
        return origin, size, root

    def extends(self, size, root, consistency):
        """Check that (size, root) extends the stored checkpoint (with the
        `consistency` proof); LogError when it does not."""
        old_size, old_root = self.state.size, self.state.root
        if size < old_size:
            raise tlog.LogError("the log's checkpoint (size %d) is older than one seen before (size %d)"
                                % (size, old_size))
        if old_size and size > old_size:
            if consistency is None:
                raise tlog.LogError("no consistency proof from the checkpoint seen before")
            tlog.verify_consistency(old_size, old_root, size, root, tlog.decode_proof(consistency))
        elif old_size and root != old_root:
            raise tlog.LogError("the log shows two different trees of size %d (a fork)" % size)

    def entries(self, start, size):
        """Entries [start, size) of the log, read from its entry bundles."""
        found = []
        for n in range(start // tlog.TILE_WIDTH, (size + tlog.TILE_WIDTH - 1) // tlog.TILE_WIDTH):
            width = min(tlog.TILE_WIDTH, size - n * tlog.TILE_WIDTH)
            bundle = tlog.parse_bundle(self.fetch("/log/" + tlog.tile_path("entries", n, width)))
            if len(bundle) != width:
                raise tlog.LogError("entry bundle %d has %d entries, expected %d" % (n, len(bundle), width))
            first = n * tlog.TILE_WIDTH
            found.extend(bundle[max(0, start - first):])
        return found

    def extend(self, frontier, size, root, seen=None):
        """Append the entries from frontier.size to `size` to `frontier`, check the
        result against `root` (and on the way against `seen`, a (size, root) seen
        before), and return them as (index, decoded entry) pairs."""
        start = frontier.size
        if size < start:
            raise tlog.LogError("the log (size %d) is smaller than when read before (size %d)"
                                % (size, start))
        read = []
        if seen and seen[0] == start and frontier.root() != seen[1]:
            raise tlog.LogError("the log's history differs from the checkpoint seen before")
        for index, data in enumerate(self.entries(start, size), start):
            frontier.append(tlog.leaf_hash(data))
            read.append((index, data))
            if seen and seen[0] == frontier.size and frontier.root() != seen[1]:
                raise tlog.LogError("the log's history differs from the checkpoint seen before")
        if frontier.root() != root:
            raise tlog.LogError("the log's entries do not extend the tree read before to its "
                                "checkpoint (a rewritten history)")
        return [(index, tlog.decode_entry(data)) for index, data in read]

    def check_answer(self, answer, username, serial, keys):
        """Check the "log" member of a verified lookup answer for `username`, its
        `serial` and `keys`, then keep its checkpoint; LogError when anything
        does not hold."""
        log = answer.get("log")
        found = tlog.verify_log_member(log, username, serial, keys, self.server_public, self.state.origin)
        self.cosigned(log["checkpoint"])
        index, size, root = found["index"], found["size"], found["root"]
        if serial < self.state.data["serials"].get(username, 0):
            raise tlog.LogError("the entry for %r is older (serial %d) than one seen before (serial %d)"
                                % (username, serial, self.state.data["serials"][username]))
        self.extends(size, root, log.get("consistency"))
        frontier = self.state.latest_frontier(username, index)
        if frontier is None or frontier.size > size:
            frontier = tlog.frontier_before(index, size, found["proof"])
            frontier.append(found["leaf"])
        for later, entry in self.extend(frontier, size, root):
            if entry["name"] == username:
                raise tlog.LogError("the served keys of %r are superseded by log entry %d (%s, serial %d)"
                                    % (username, later, entry["kind"], entry["serial"]))
        self.state.keep(found["origin"], size, root, log["checkpoint"])
        self.state.data["serials"][username] = serial
        self.state.keep_latest(username, index, frontier)
        self.state.save()
