"""The broker connection (paho-mqtt, MQTT 3.1.1, QoS 1): a client on its own
network thread that reconnects by itself. Everything it receives is handed
to the caller's thread as events, through a queue and a pipe the caller can
select() on, so all printing and all key handling stay in one thread.

Under a flood, that network thread and the caller's (opening frames) share
the GIL, and every system call of either hands it over: the network thread
reads through a buffer (one recv for many packets) and wakes the caller only
when it is not awake already, and the caller acknowledges a batch of frames
in one packet write, so a message costs a few GIL hand-overs less
(bench/listen_profile.py)."""
import os
import queue
import ssl
import struct
import threading
import urllib.parse
from dataclasses import dataclass

import paho.mqtt.client as paho

from .errors import CommandError
from .protocol.constants import MAX_FRAME_BYTES

SCHEMES = {"tcp": (False, 1883), "mqtt": (False, 1883), "ssl": (True, 8883), "mqtts": (True, 8883)}
KEEPALIVE = 30
ANSWER_TIMEOUT = 15


class _BufferedSocket:
    """The broker connection as paho reads it: paho reads a packet in three or
    more recv calls (its type byte, its length byte by byte, the rest); here
    one recv takes what the kernel holds and the next calls are served from
    memory. pending() is how paho's loop learns of bytes waiting here (as it
    learns of an SSL socket's), so it reads them without waiting in select."""

    READ = 65536

    def __init__(self, sock):
        self._sock = sock
        self._data = b""
        self._at = 0

    def recv(self, size):
        if self._at == len(self._data):
            data = self._sock.recv(max(size, self.READ))  # BlockingIOError etc. go to paho
            if len(data) <= size:
                return data
            self._data, self._at = data, 0
        chunk = self._data[self._at:self._at + size]
        self._at += len(chunk)
        return chunk

    def pending(self):
        inner = self._sock.pending() if hasattr(self._sock, "pending") else 0
        return len(self._data) - self._at + inner

    def __getattr__(self, name):  # send, fileno, setblocking, close...: the socket's own
        return getattr(self._sock, name)


class _Client(paho.Client):
    def _create_socket(self):
        return _BufferedSocket(super()._create_socket())


@dataclass(frozen=True)
class BrokerAddress:
    url: str
    host: str
    port: int
    tls: bool
    username: str = None
    password: str = None
    ca_file: str = None  # PEM CA certificate(s) for a TLS broker; None: the system's CAs


def parse_broker(url, ca_file=None):
    """A BrokerAddress from tcp://[USER:PASS@]HOST[:PORT] or ssl://…; CommandError otherwise.
    `ca_file` is what a TLS broker's certificate must chain to (its host name is checked too)."""
    parts = urllib.parse.urlsplit(url)
    try:
        tls, default_port = SCHEMES[parts.scheme]
        port = parts.port or default_port
    except (KeyError, ValueError):
        raise CommandError("broker address %r must look like tcp://HOST:PORT or ssl://HOST:PORT" % url) from None
    if not parts.hostname or parts.path not in ("", "/"):
        raise CommandError("broker address %r must look like tcp://HOST:PORT or ssl://HOST:PORT" % url)
    return BrokerAddress(url, parts.hostname, port, tls,
                         urllib.parse.unquote(parts.username) if parts.username else None,
                         urllib.parse.unquote(parts.password) if parts.password else None,
                         ca_file if tls else None)


class Session:
    """One client. `persistent` keeps the broker-side session (clean_session=0) under a
    stable `client_id`, so QoS 1 frames sent while away are delivered on return."""

    def __init__(self, address, client_id, persistent=False, topic=None):
        self.address = address
        self.topic = topic
        # Received frames are acknowledged only once handled (ack()), so a frame
        # not yet shown when the program stops is delivered again next time.
        self.client = _Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=not persistent, protocol=paho.MQTTv311,
                                  manual_ack=True)
        if address.tls:
            self._set_tls(address.ca_file)
        if address.username:
            self.client.username_pw_set(address.username, address.password)
        self.client.reconnect_delay_set(1, 30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_publish = self._on_publish
        self._acks = threading.Condition()
        self._acked = set()
        self._events = queue.Queue()
        self._wake_r, self._wake_w = os.pipe()
        self._woken = False  # a wake-up is in the pipe, not yet taken by events()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._answered = threading.Event()
        self._subscribed = threading.Event()
        self._refusal = None
        self._connects = 0

    def _set_tls(self, ca_file):
        """Certificate and host name checked against `ca_file` (else the system CAs)."""
        try:
            self.client.tls_set(ca_certs=ca_file, cert_reqs=ssl.CERT_REQUIRED)
        except (OSError, ssl.SSLError) as exc:
            raise CommandError("cannot use the CA file %s: %s" % (ca_file, exc)) from None

    # -- network thread ------------------------------------------------------
    def _post(self, kind, data=None):
        self._events.put((kind, data))
        if self._woken:  # events() has yet to run, and will take this one too
            return
        self._woken = True
        try:
            os.write(self._wake_w, b".")
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self._refusal = str(reason_code)
            self._answered.set()
            return
        self._connects += 1
        if self.topic:
            client.subscribe(self.topic, qos=1)
        if self._connects > 1:
            self._post("status", "reconnected to %s" % self.address.url)
        self._answered.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        if reason_code.value != 0:  # not our own disconnect()
            self._post("status", "connection to %s lost (%s); reconnecting" % (self.address.url, reason_code))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if all(not rc.is_failure for rc in reason_codes):
            self._subscribed.set()
        else:
            self._post("status", "the broker refused the subscription to %s" % self.topic)

    def _on_publish(self, client, userdata, mid, reason_code, properties):
        with self._acks:
            self._acked.add(mid)
            self._acks.notify_all()

    def _on_message(self, client, userdata, message):
        if len(message.payload) > MAX_FRAME_BYTES:
            self.ack(message)
            self._post("dropped", "frame of %d bytes is over the %d-byte limit"
                       % (len(message.payload), MAX_FRAME_BYTES))
            return
        self._post("message", message)

    # -- caller's thread -----------------------------------------------------
    def open(self):
        """Connect (and subscribe); CommandError when the broker cannot be used."""
        try:
            self.client.connect(self.address.host, self.address.port, KEEPALIVE)
        except ssl.SSLCertVerificationError as exc:
            raise CommandError("the TLS certificate of the broker %s is not trusted (%s); check the CA "
                               "file (MQTT_CA_FILE, --ca-file)" % (self.address.url, exc.verify_message)) from None
        except (OSError, ValueError) as exc:
            raise CommandError("cannot connect to the broker %s: %s" % (self.address.url, exc)) from None
        self.client.loop_start()
        if not self._answered.wait(ANSWER_TIMEOUT):
            self.close()
            raise CommandError("the broker %s did not answer" % self.address.url)
        if self._refusal:
            self.close()
            raise CommandError("the broker %s refused the connection: %s" % (self.address.url, self._refusal))
        if self.topic and not self._subscribed.wait(ANSWER_TIMEOUT):
            self.close()
            raise CommandError("the broker %s did not confirm the subscription" % self.address.url)
        return self

    def publish(self, topic, payload):
        """Queue one QoS 1 publication; paho sends it now or after a reconnect."""
        return self.client.publish(topic, payload, qos=1)

    def wait_published(self, infos, timeout=ANSWER_TIMEOUT):
        """True when the broker acknowledged every one of `infos` within `timeout` seconds
        (publications queued while disconnected count once a reconnect delivered them)."""
        with self._acks:
            return self._acks.wait_for(lambda: all(i.mid in self._acked for i in infos), timeout)

    def ack(self, *messages):
        """Acknowledge received messages (from "message" events) to the broker, in
        this order, with one write to the socket (PUBACKs of QoS 1 messages)."""
        packet = b"".join(struct.pack("!BBH", paho.PUBACK, 2, m.mid) for m in messages if m.qos == 1)
        if packet:
            # paho's own ack() queues one packet (and wakes its thread) per message.
            self.client._packet_queue(paho.PUBACK, packet, 0, 0)

    def fileno(self):
        return self._wake_r

    def events(self):
        """Every (kind, data) event waiting: ("message", paho message: .payload, then ack() it),
        ("status", text) or ("dropped", text)."""
        try:
            os.read(self._wake_r, 4096)
        except BlockingIOError:
            pass
        # After the pipe is read, before the queue is: what is posted from now on wakes again.
        self._woken = False
        items = []
        while True:
            try:
                items.append(self._events.get_nowait())
            except queue.Empty:
                return items

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()
        os.close(self._wake_r)
        os.close(self._wake_w)
