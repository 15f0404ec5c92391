"""`nes history [USER] [--since WHEN] [--csv|--json]`: the messages kept by
`nes listen --store` (and `nes dashboard`), as `nes listen` prints them, as
JSON lines, or as CSV with one row per reading (and one per other text)."""
import csv
import sys

from ..history import FILE_SUFFIX, History, default_path, parse_since
from ..output import local_time, message_json, message_line
from ..readings import parse
from ..settings import check_username

CSV_COLUMNS = ("timestamp", "time", "from", "to", "name", "value", "unit", "message")


def add_store_argument(parser, help):
    parser.add_argument("--store", metavar="FILE",
                        help=help + " (default: <state dir>/<user>%s)" % FILE_SUFFIX)


def add_history_arguments(parser):
    parser.add_argument("peer", nargs="?", metavar="USER", help="only messages from or to USER")
    parser.add_argument("--since", metavar="WHEN",
                        help="only messages from WHEN on: 30m, 2h, 7d, 1w ago, or 2026-12-07[T10:00]")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true",
                      help="CSV: a row per reading (name, value, unit) and a row per other message")
    form.add_argument("--json", action="store_true", help="one JSON object per message and line, as listen --json")
    add_store_argument(parser, "the history file")


def _cell(text):
    """A text cell a spreadsheet will not run as a formula (OWASP's advice: a leading ')."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_rows(message):
    when = local_time(message.timestamp).isoformat(timespec="seconds")
    head = [message.timestamp, when, message.sender, message.recipient]
    found = parse(message.text)
    if not found:
        return [head + ["", "", "", _cell(message.text)]]
    return [head + [r.name, r.text, r.unit, ""] for r in found]


def do_history(state, args):
    peer = check_username(args.peer) if args.peer else None
    since = parse_since(args.since) if args.since else None
    history = History(args.store or default_path(state.settings), create=False)
    try:
        messages = history.messages(peer, since)
    finally:
        history.close()
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for message in messages:
            writer.writerows(_csv_rows(message))
        return
    render = message_json if args.json else message_line
    for message in messages:
        print(render(message))
