"""MQTT transport: `umqtt.simple` (a dependency, frozen in some firmware
images, in /lib on others) connects, loaded for that only; this module reads
and writes the packets after that, and adds what umqtt.simple lacks:

- keepalive pings, and a connection declared dead when a ping goes unanswered;
- reconnection with exponential backoff, resubscribing each time;
- a persistent session (clean_session=False) under a stable client id with a
  QoS 1 subscription, so frames sent while the board was away are delivered;
- QoS 1 acknowledgement only after the frame was handled, so a frame cut off
  by a lost connection is delivered again (the replay cache drops repeats);
- every packet read whole by wait_msg, the stream marked `torn` from its
  first byte to its last (and while a packet is written): a Ctrl-C at the
  REPL can stop the loop anywhere, and a stream left mid-packet would be
  misread until the next ping went unanswered (a minute); a torn one is
  replaced at once, and the broker's session resends what was not acknowledged;
- a queued publish leaves the queue only once sent, so a Ctrl-C while it is
  sent does not lose it (sent again by the next poll: at worst a repeat, which
  the recipient's replay cache drops);
- packet identifiers that wrap from 65535 to 1 (umqtt.simple lets them run
  past 16 bits, and a QoS 1 publish then never sees its PUBACK);
- a maximum payload size: a larger PUBLISH is read through in small chunks and
  dropped, never buffered whole (PROTOCOL §11); so is one the heap has no room
  for, which would otherwise come back after every reconnect;
- publishes requested while a frame is being handled are queued, not nested;
- a PUBLISH written in one write: umqtt.simple's four small writes meet
  Nagle's algorithm and the broker's delayed ACK (~40 ms a message on
  loopback), and TCP_NODELAY where the port accepts it;
- TLS (mqtts://) through tlsclient: the broker's certificate checked against
  the CA on flash, whichever umqtt.simple API the firmware has."""
import gc
import select
import time

import nes

from .proto.constants import MAX_FRAME_BYTES, const

_PUBLISH = const(0x30)
_PUBACK = const(0x40)
_SUBSCRIBE = const(0x82)
_SUBACK = const(0x90)
_PINGRESP = const(0xD0)
_CHUNK = const(256)
_MAX_PID = const(65535)
_MIN_BACKOFF_MS = const(500)
_MAX_BACKOFF_MS = const(60000)
_SEND_ATTEMPTS = const(3)
_ERRORS = (OSError, AssertionError, IndexError, ValueError, TypeError)


class Refused(OSError):
    """The broker refused: args are its code and what it refused."""


def _umqtt():
    """umqtt.simple, loaded for a connection only: once connected, its client
    is not needed (this module reads and writes the packets), and on a board
    whose firmware does not freeze it its code is about 6 KB of heap."""
    try:
        import umqtt.simple
    except ImportError:
        raise ImportError("umqtt.simple is neither frozen in this firmware nor in /lib/umqtt "
                          "(`nes provision` installs it)")
    return umqtt.simple


def umqtt_origin():
    """Where umqtt.simple is imported from: frozen into the firmware image,
    or a file on the board's flash (ImportError when it is in neither). It
    stays loaded for the first connection."""
    where = getattr(_umqtt(), "__file__", "")
    return where if where.startswith("/") else "frozen in the firmware"


def _reason(exc):
    if isinstance(exc, Refused):
        return "broker refused %s (code %s)" % (exc.args[1], exc.args[0])
    return "%s %s" % (type(exc).__name__, exc)


def _no_delay(sock):
    """Segments sent as written (ports without TCP_NODELAY rely on one write
    per packet). The unix port's socket module names neither constant, yet
    passes the option on: 6 and 1 are their values on Linux and in lwIP."""
    try:
        import socket

        sock.setsockopt(getattr(socket, "IPPROTO_TCP", 6), getattr(socket, "TCP_NODELAY", 1), 1)
    except (OSError, ImportError):
        pass


class Transport:
    """One MQTT session: connected by umqtt.simple's client, then packets
    read by its own wait_msg (every packet read whole, oversized payloads
    skipped unread, PINGRESP and acknowledgements recorded, a packet left
    half-processed marks the stream `torn` so it is not used again) and
    written by its own publish and subscribe, with a connection manager."""

    def __init__(self, host, port, client_id, topic, on_frame, on_drop,
                 user=None, password=None, keepalive=60, tls=False):
        if user is not None and password is None:
            password = ""  # umqtt.simple sends a password whenever there is a user
        self.ssl = None
        if tls:
            from .tlsclient import UmqttTLS

            self.ssl = UmqttTLS(host)
        self.client_id = client_id
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.keepalive = keepalive
        self.sock = None
        self.pid = 0
        self.topic = topic
        self.on_frame = on_frame
        self.on_drop = on_drop
        self.keepalive_ms = keepalive * 1000
        self.connected = False
        self.connects = 0  # how many times it connected (the clock re-syncs after each)
        self.torn = False
        self.pong = True
        self.acked = None  # the last PUBACK or SUBACK: (type, packet id, SUBACK return code)
        self.outbox = []
        self._handling = False
        self._poller = None
        self._sent_at = 0
        self._ping_at = None

    # -- reading packets ----------------------------------------------------

    def _take(self, n):
        data = self.sock.read(n)
        if not data or len(data) != n:
            raise OSError("connection closed")
        return data

    def _length(self):
        n = shift = 0
        while shift < 28:
            byte = self._take(1)[0]
            n |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return n
            shift += 7
        raise OSError("malformed packet length")

    def _skip(self, n):
        while n:
            n -= len(self._take(min(n, _CHUNK)))

    def wait_msg(self):
        """Read one whole packet: a PUBLISH is handled (and acknowledged),
        PINGRESP, PUBACK and SUBACK recorded, others skipped; its type, None
        for a PINGRESP."""
        self.torn = True  # before the first byte: a Ctrl-C right after a read is raised as it returns
        op = self._take(1)[0]
        if op & 0xF0 == _PUBLISH:
            self._publish_in(op)
        else:
            size = self._length()
            if op in (_PUBACK, _SUBACK):
                if size != (2 if op == _PUBACK else 3):
                    raise OSError("malformed acknowledgement")
                body = self._take(size)
                self.acked = (op, int.from_bytes(body[:2], "big"), body[2:])
            else:
                self._skip(size)
                if op == _PINGRESP:
                    self.pong = True
                    op = None
        self.torn = False
        return op

    def _publish_in(self, op):
        size = self._length()
        topic_len = int.from_bytes(self._take(2), "big")
        self._skip(topic_len)  # only our own topic is subscribed
        size -= 2 + topic_len
        pid = None
        if op & 6:
            pid = self._take(2)
            size -= 2
        if size < 0:
            raise OSError("malformed PUBLISH")
        payload = None
        if size > MAX_FRAME_BYTES:
            reason = "FormatError: frame of %d bytes is over the limit"
        else:
            reason = "MemoryError: no room for a frame of %d bytes"
            try:
                payload = self._take(size) if size else b""
            except MemoryError:  # raised before anything was read
                gc.collect()  # the last frame's garbage may be all that is in the way
                try:
                    payload = self._take(size)
                except MemoryError:
                    pass
        if payload is None:
            self._skip(size)
            self.on_drop(reason % size)
        else:
            self._deliver(payload)
        if op & 6 == 2:
            self.sock.write(b"\x40\x02" + pid)

    # -- connection ---------------------------------------------------------

    def start(self):
        """Connect and subscribe, retrying with exponential backoff until it
        works (Ctrl-C interrupts)."""
        pause = _MIN_BACKOFF_MS
        while not self.connected:
            try:
                self._open()
            except _ERRORS as exc:
                self._close()
                print("mqtt: cannot reach %s:%d (%s); retrying in %d ms"
                      % (self.host, self.port, _reason(exc), pause))
                time.sleep_ms(pause)
                pause = min(pause * 2, _MAX_BACKOFF_MS)

    def _open(self):
        self._close()
        umqtt = _umqtt()
        client = umqtt.MQTTClient(self.client_id, self.host, self.port, self.user, self.password,
                                  self.keepalive, self.ssl)
        try:
            resumed = client.connect(clean_session=False)
        except umqtt.MQTTException as exc:
            raise Refused(exc.args[0], "the connection")
        finally:
            self.sock = client.sock  # closed by _close() when the connection failed
            client = umqtt = None
            nes.forget("umqtt.simple")
        # a TLS socket has no settimeout: the timeout goes on the TCP socket under it
        raw = self.ssl.raw if self.ssl else self.sock
        raw.settimeout(max(self.keepalive_ms // 2000, 5))
        _no_delay(raw)
        self.torn = False
        self.pong = True
        self._ping_at = None
        self._poller = select.poll()
        self._poller.register(self.sock, select.POLLIN)
        self.connected = True
        self.connects += 1
        self._wrap_pid()
        self.subscribe(self.topic.encode(), 1)
        self._sent_at = time.ticks_ms()
        print("mqtt: connected to %s:%d as %s (%s); subscribed to %s"
              % (self.host, self.port, self.client_id,
                 "session resumed" if resumed else "new session", self.topic))

    def _close(self):
        self.connected = False
        self._poller = None
        sock, self.sock = self.sock, None
        if sock:
            try:
                sock.close()
            except OSError:
                pass

    def _lost(self, exc):
        print("mqtt: connection lost (%s); reconnecting" % _reason(exc))
        self._close()

    def close(self):
        """Disconnect cleanly; the broker keeps the session for next time."""
        if self.connected:
            try:
                self._write(b"\xe0\x00")  # DISCONNECT (MQTT 3.1.1 §3.14)
            except OSError:
                pass
        self._close()

    def _wrap_pid(self):
        # publish and subscribe increment pid before use: keep it in 1..65535.
        self.pid %= _MAX_PID

    def _usable(self):
        if self.connected and self.torn:
            self._lost(OSError("a packet was interrupted"))
        self.start()

    # -- sending ------------------------------------------------------------

    def send(self, topic, payload):
        """Publish with QoS 1; True once the broker acknowledged it, False when
        queued because a frame is being handled (sent by the next poll)."""
        if self._handling:
            self.outbox.append((topic, payload))
            return False
        for _ in range(_SEND_ATTEMPTS):
            self._usable()
            try:
                self._wrap_pid()
                self.publish(topic.encode(), payload, False, 1)
                self._sent_at = time.ticks_ms()
                return True
            except _ERRORS as exc:
                self._lost(exc)
                failure = exc
        raise OSError("not sent: %s" % _reason(failure))

    @staticmethod
    def _head(kind, size):
        """A packet's fixed header; `size`: the length of what follows it."""
        head = bytearray((kind,))
        while size > 0x7F:
            head.append(size & 0x7F | 0x80)
            size >>= 7
        head.append(size)
        return head

    def publish(self, topic, msg, retain=False, qos=0):
        """Publish with QoS 0 or 1 (umqtt.simple's signature), the packet written at once."""
        head = self._head(_PUBLISH | qos << 1 | retain, 2 + len(topic) + len(msg) + (2 if qos else 0))
        head += len(topic).to_bytes(2, "big")
        head += topic
        if qos:
            self.pid += 1
            head += self.pid.to_bytes(2, "big")
        self.acked = None
        self._write(head + msg)
        head = None
        while qos and self.acked != (_PUBACK, self.pid, b""):
            self.wait_msg()

    def subscribe(self, topic, qos=0):
        """Subscribe and wait for the SUBACK (read whole by wait_msg)."""
        self.pid += 1
        packet = self._head(_SUBSCRIBE, 5 + len(topic))
        packet += self.pid.to_bytes(2, "big") + len(topic).to_bytes(2, "big") + topic
        packet.append(qos)
        self.acked = None
        self._write(packet)
        while not (self.acked and self.acked[:2] == (_SUBACK, self.pid)):
            self.wait_msg()
        if self.acked[2] == b"\x80":
            raise Refused(0x80, "the subscription")

    def ping(self):
        self._write(b"\xc0\x00")

    def _write(self, packet):
        self.torn = True  # a packet cut short would garble the broker's reading too
        self.sock.write(packet)
        self.torn = False

    def _flush(self):
        while self.outbox and not self._handling:
            try:
                self.send(*self.outbox[0])
            except Exception:
                self.outbox.pop(0)  # given up after its attempts, as a direct send is
                raise
            self.outbox.pop(0)  # only now: a Ctrl-C meanwhile leaves it queued

    # -- receiving ----------------------------------------------------------

    def _deliver(self, payload):
        self._handling = True
        try:
            self.on_frame(payload)
        finally:
            self._handling = False

    def _alive(self, now):
        """Ping when idle for half the keepalive; False when the last ping
        went unanswered for that long."""
        half = self.keepalive_ms // 2
        if self._ping_at is not None and not self.pong:
            return time.ticks_diff(now, self._ping_at) < half
        if time.ticks_diff(now, self._sent_at) >= half:
            self.pong = False
            self.ping()
            self._ping_at = self._sent_at = now
        return True

    def poll(self, timeout_ms=0):
        """Handle what the broker sends within `timeout_ms`; keep the
        connection alive and reconnect when it is lost. Returns the number of
        packets handled."""
        handled = 0
        try:
            self._usable()
            self._flush()
            if not self._alive(time.ticks_ms()):
                raise OSError("no answer to ping")
            wait = min(timeout_ms, self.keepalive_ms // 4)
            while self._poller.poll(wait):
                self.wait_msg()  # a PUBACK here is a stray one: a publish interrupted before it came
                handled += 1
                self._flush()
                wait = 0
        except _ERRORS as exc:
            self._lost(exc)
        return handled
