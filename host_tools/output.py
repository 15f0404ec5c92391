"""How `nes` shows things: received messages (text or JSON lines), the one-line
reasons for dropped frames, notices on stderr, and the copy progress bar.
Text from the network is made safe for a terminal before it is printed."""
import datetime
import json
import re
import sys

from . import readings
from .protocol import errors as protocol_errors

# C0/C1 controls (but tab and newline) and the bidirectional overrides, which
# could rewrite or disguise what the terminal shows.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_DROP_REASONS = {
    protocol_errors.FormatError: "not a nes/1 frame",
    protocol_errors.AuthenticationError: "failed authentication (forged, corrupted or not for this key)",
    protocol_errors.UnknownSenderError: "the sender is not known to the key server",
    protocol_errors.RecipientError: "addressed to someone else",
    protocol_errors.TimestampError: "timestamp outside the accepted window",
    protocol_errors.ReplayError: "already received (a replay or a redelivery)",
}


def notice(text):
    """A one-line message for the user on stderr."""
    print("nes: " + text, file=sys.stderr, flush=True)


def safe_text(text):
    return _UNSAFE.sub(lambda m: "\\x%02x" % ord(m.group()) if ord(m.group()) < 0x100
                       else "\\u%04x" % ord(m.group()), text)


def local_time(timestamp_ms):
    return datetime.datetime.fromtimestamp(timestamp_ms / 1000).astimezone()


def message_line(message):
    """`YYYY-MM-DD HH:MM:SS sender: text`, continuation lines indented; a
    structured reading as one line, `temperature 21.4 C, humidity 40 %`."""
    prefix = "%s %s: " % (local_time(message.timestamp).strftime("%Y-%m-%d %H:%M:%S"), message.sender)
    found = readings.parse(message.text)
    text = readings.summary(found) if found else message.text
    return prefix + safe_text(text).replace("\n", "\n" + " " * len(prefix))


def message_object(message):
    """A message as a JSON-ready dict; `readings` only for a structured reading."""
    obj = {
        "from": message.sender,
        "to": message.recipient,
        "timestamp": message.timestamp,
        "time": local_time(message.timestamp).isoformat(timespec="seconds"),
        "message": message.text,
    }
    found = readings.parse(message.text)
    if found:
        obj["readings"] = [r.json() for r in found]
    return obj


def message_json(message):
    """One JSON object (one line) per message."""
    return json.dumps(message_object(message), ensure_ascii=False)


def drop_reason(exc):
    """Why a frame was dropped, in one line (no frame content, no key material)."""
    for cls, reason in _DROP_REASONS.items():
        if isinstance(exc, cls):
            detail = str(exc)
            return "dropped a frame: %s%s" % (reason, " (%s)" % detail if detail else "")
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
