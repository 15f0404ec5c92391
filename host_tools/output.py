"""How `nes` shows things: received messages (text or JSON lines), the one-line
reasons for dropped frames, notices and errors on stderr, and the copy
progress bar. Every text that came over the network (message texts, the key
server's error texts, drop reasons) passes safe_text before a terminal, and
JSON lines are pure ASCII."""
import datetime
import json
import re
import sys

from .protocol import errors as protocol_errors

# C0 controls, DEL, C1 controls (U+009B is a one-character CSI) and the
# bidirectional embeddings, overrides and isolates: each could make a
# terminal do something, or show something else than the text says.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MULTILINE = "\t\n"  # what a message text may keep; one-line texts keep nothing

_DROP_REASONS = {
    protocol_errors.FormatError: "not a nes/1 frame",
    protocol_errors.AuthenticationError: "failed authentication (forged, corrupted or not for this key)",
    protocol_errors.UnknownSenderError: "the sender is not known to the key server",
    protocol_errors.RecipientError: "addressed to someone else",
    protocol_errors.TimestampError: "timestamp outside the accepted window",
    protocol_errors.ReplayError: "already received (a replay or a redelivery)",
}


def safe_text(text, keep=MULTILINE):
    """`text` for a terminal: every character of _UNSAFE but those in `keep`
    shown escaped as \\xNN or \\uNNNN (an ESC, so CSI and OSC 8 sequences too)."""
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep
                       else "\\x%02x" % ord(m.group()) if ord(m.group()) < 0x100
                       else "\\u%04x" % ord(m.group()), text)


def notice(text):
    """A one-line message for the user on stderr."""
    print("nes: " + safe_text(text, keep=""), file=sys.stderr, flush=True)


def local_time(timestamp_ms):
    return datetime.datetime.fromtimestamp(timestamp_ms / 1000).astimezone()


def message_line(message):
    """`YYYY-MM-DD HH:MM:SS sender: text`, continuation lines indented."""
    prefix = "%s %s: " % (local_time(message.timestamp).strftime("%Y-%m-%d %H:%M:%S"), message.sender)
    return prefix + safe_text(message.text).replace("\n", "\n" + " " * len(prefix))


def message_json(message):
    """One JSON object (one line) per message."""
    return json.dumps({
        "from": message.sender,
        "to": message.recipient,
        "timestamp": message.timestamp,
        "time": local_time(message.timestamp).isoformat(timespec="seconds"),
        "message": message.text,
    }).replace("\x7f", "\\u007f")  # ensure_ascii (the default) escapes all but DEL


def drop_reason(exc):
    """Why a frame was dropped, in one line naming the PROTOCOL.md §9 class, as the
    boards do (no frame content, no key material)."""
    for cls, reason in _DROP_REASONS.items():
        if isinstance(exc, cls):
            detail = str(exc)
            return "dropped a frame: %s: %s%s" % (cls.__name__, reason, " (%s)" % detail if detail else "")
    return "dropped a frame: %s" % exc


class ProgressBar:
    """`[#####.....]  45%  label` on a terminal; a line per label elsewhere."""

    WIDTH = 30

    def __init__(self, total, stream=None):
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._label = None

    def advance(self, count, label):
        self.done += count
        if self.tty:
            filled = self.WIDTH * self.done // self.total
            self.stream.write("\r[%s%s] %3d%%  %-40.40s" % ("#" * filled, "." * (self.WIDTH - filled),
                                                          100 * self.done // self.total, label))
        elif label != self._label:
            self.stream.write("  %s\n" % label)
        self._label = label
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
