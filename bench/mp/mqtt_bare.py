"""The bare MQTT reference of the duty cycle (bench/duty.py): umqtt.simple
and nothing of NES, under the same MicroPython binary as the virtual board:

    micropython mqtt_bare.py HOST PORT TOPIC SIZE gathered|plain

connects (clean session), publishes SIZE bytes with QoS 1 (waiting for the
PUBACK), disconnects. `gathered`: each MQTT packet reaches the socket in one
write, as nes.transport writes its PUBLISH; `plain`: umqtt.simple's own
writes (several small ones per packet, which Nagle's algorithm and the
broker's delayed ACK may hold up).

Prints `BENCH-JSON {"since_start_ms", "mqtt_ms"}`: from the start of this
process (NES_VBOARD_STARTED_NS, set by the caller as it starts it, as the
virtual board's harness does for board.awake_ms()) to the end of the
disconnect, and the connect-publish-disconnect alone."""
import binascii
import json
import os
import sys
import time

from umqtt.simple import MQTTClient


class _Gathered:
    """A socket whose writes are held until the next read or close: one
    write per packet, since umqtt.simple reads the answer after each."""

    def __init__(self, sock):
        self.sock = sock
        self.out = bytearray()

    def write(self, data, n=None):
        self.out += data if n is None else data[:n]
        return len(data) if n is None else n

    def _flush(self):
        if self.out:
            self.sock.write(self.out)
            self.out = bytearray()

    def read(self, n):
        self._flush()
        return self.sock.read(n)

    def close(self):
        self._flush()
        self.sock.close()

    def __getattr__(self, name):
        return getattr(self.sock, name)


class _Sockets:
    """Stands in for the socket module umqtt.simple imported: its sockets gathered."""

    def __init__(self, module):
        self.module = module
        self.getaddrinfo = module.getaddrinfo

    def socket(self, *args):
        return _Gathered(self.module.socket(*args))


def main(host, port, topic, size, mode):
    payload = b"x" * int(size)
    if mode == "gathered":
        import umqtt.simple

        umqtt.simple.socket = _Sockets(umqtt.simple.socket)
    t0 = time.ticks_us()
    client = MQTTClient("bench-bare-" + binascii.hexlify(os.urandom(4)).decode(), host, int(port))
    client.connect()
    client.publish(topic.encode(), payload, False, 1)
    client.disconnect()
    mqtt_us = time.ticks_diff(time.ticks_us(), t0)
    since = (time.time_ns() - int(os.getenv("NES_VBOARD_STARTED_NS"))) / 1e6
    print("BENCH-JSON " + json.dumps({"since_start_ms": since, "mqtt_ms": mqtt_us / 1000}))


main(*sys.argv[1:])
