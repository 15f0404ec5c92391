"""`nes monitor [NAME...]`: read the key server's transparency log from where
the last run stopped, check it against the signed checkpoint and every
checkpoint seen before (and the checkpoint's name map against the map of
the entries), and report each entry for the watched names (by
default every name this host registered, and its own user). Exits with
UNEXPECTED_KEY when a name shows keys this host did not register."""
import base64
import datetime
import json

from ..errors import CommandError
from ..keyfiles import fingerprint
from ..protocol import tlog
from ..settings import check_username

UNEXPECTED_KEY = 3


def add_monitor_arguments(parser):
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help="names to watch (default: the names this host registered)")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")


def _expected(state, log_state, name):
    """The key pairs registered from here for `name` (as base64 pairs), or None if none."""
    pairs = [tuple(p) for p in log_state.data["registered"].get(name, [])]
    if name == state.user:
        try:
            identity = state.identity(private=False)
            pairs.append(tuple(base64.b64encode(k).decode() for k in
                               (identity.message_public, identity.sign_public)))
        except CommandError:
            pass
    return set(pairs) or None


def _report(state, log_state, names, entries):
    watched = []
    for index, entry in entries:
        if entry["name"] not in names:
            continue
        keys = tuple(base64.b64encode(entry[k]).decode() for k in ("public_key_message", "public_key_sign"))
        expected = _expected(state, log_state, entry["name"])
        verdict = None if expected is None else (entry["kind"] == tlog.DEACTIVATE or keys in expected)
        watched.append({
            "index": index, "kind": entry["kind"], "name": entry["name"], "serial": entry["serial"],
            "time": entry["time"], "public_key_message": keys[0], "public_key_sign": keys[1],
            "registered_here": verdict,
        })
    return watched


def _check_map(log_state, note, entries):
    """The name map of every entry read (name -> leaf hash of its latest),
    checked against the map root the checkpoint commits to: the map clients
    trust for "latest" is the one the log's entries make."""
    leaves = log_state.monitor_map()
    for _, entry in entries:
        leaves[entry["name"]] = tlog.leaf_hash(tlog.encode_entry(
            entry["kind"], entry["name"], entry["serial"], entry["time"],
            entry["public_key_message"], entry["public_key_sign"]))
    committed = tlog.checkpoint_map_root(tlog.split_note(note)[0])
    if tlog.map_root_of(sorted((tlog.map_key(n), v) for n, v in leaves.items())) != committed:
        raise tlog.LogError("the checkpoint's name map is not the map of the log's entries "
                            "(a lie about which entry is a name's latest)")
    return leaves


def _line(item):
    when = datetime.datetime.fromtimestamp(item["time"], datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    verdict = {True: "registered here", False: "NOT REGISTERED HERE", None: "not registered here (unknown)"}
    return "%6d  %s  %-10s %s serial %d  signing %s  %s" % (
        item["index"], when, item["kind"], item["name"], item["serial"],
        fingerprint(base64.b64decode(item["public_key_sign"])), verdict[item["registered_here"]])


def do_monitor(state, args):
    server = state.keyserver()
    log_state, checker = server.log_state, server.log
    names = {check_username(n) for n in args.names} or set(log_state.data["registered"]) | {state.user}
    try:
        note = server.fetch("/log/checkpoint").decode("utf-8")
        origin, size, root = checker.open_checkpoint(note)
        frontier = log_state.monitor_frontier()
        start = frontier.size
        if log_state.size > size:
            raise tlog.LogError("the checkpoint (size %d) is older than one seen before (size %d)"
                                % (size, log_state.size))
        # The checkpoint kept from lookups is at or after where the monitor stopped
        # (a run keeps its own): reading on from there checks it on the way.
        entries = checker.extend(frontier, size, root, (log_state.size, log_state.root))
        leaves = _check_map(log_state, note, entries)
    except (tlog.LogError, UnicodeDecodeError) as exc:
        raise CommandError("the key server's transparency log does not verify: %s" % exc) from None
    log_state.keep(origin, size, root, note)
    log_state.keep_monitor(frontier, leaves)
    log_state.save()
    watched = _report(state, log_state, names, entries)
    unexpected = sum(1 for item in watched if item["registered_here"] is False)
    if args.json:
        print(json.dumps({"origin": origin, "size": size, "root": base64.b64encode(root).decode(),
                          "from": start, "names": sorted(names), "entries": watched,
                          "unexpected": unexpected}))
    else:
        print("log %s: entries %d to %d read and verified; watching %s"
              % (origin, start, size, ", ".join(sorted(names))))
        for item in watched:
            print(_line(item))
        if unexpected:
            print("WARNING: %d entr%s with keys not registered from here: someone else published "
                  "keys under a watched name" % (unexpected, "y" if unexpected == 1 else "ies"))
    return UNEXPECTED_KEY if unexpected else 0
