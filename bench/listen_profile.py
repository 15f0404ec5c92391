"""Where `nes listen` spends its time per message: the listener's own loop
(host_tools.commands.messages.handle_events with a real Session on a private
Mosquitto, a real Receiver and replay cache on disk, --json rendering, print
with flush to /dev/null) drains frames queued for its persistent session,
under cProfile in both of its threads (the caller's and paho's network
thread). Each part is the cumulative time of the functions that do it,
divided by the messages drained.

cProfile slows Python code more than C code (pycryptodome, fsync), so the
shares lean towards the Python parts; they are for comparing parts and
variants of one run; the drain rate without cProfile is measured apart, with
the CPU time of both threads, next to open + verify alone (fresh frames, a
replay cache) just before and after it (the listener as a process is
bench/e2e.py's). Variants: the journal with a batch
of messages recorded per synced write (now), the journal synced per message,
and the whole cache rewritten per message (before host_tools/replay_store.py)."""
import contextlib
import cProfile
import os
import pathlib
import pstats
import select
import sys
import tempfile
import threading
import time

import paho.mqtt.client as paho

from host_tools.commands import messages
from host_tools.keyfiles import Identity
from host_tools.messaging import Receiver
from host_tools.mqtt import Session, parse_broker
from host_tools.output import message_json
from host_tools.peers import Directory, PeerStore
from host_tools.protocol import envelope
from host_tools.protocol import keys as hostkeys
from host_tools.protocol.constants import topic
from host_tools.protocol.directory import Answer
from host_tools.protocol.replay import ReplayCache

from .e2e import private_broker

HOST, SENDER = "profhost", "profsender"
# (part, functions whose cumulative time it is: (file name ending, function name))
PARTS = (
    ("open + verify (pycryptodome, nes/1)", (("protocol/envelope.py", "open_frame"),)),
    ("  of which replay-cache check", (("protocol/replay.py", "accept"),)),
    ("replay-cache persistence", (("host_tools/messaging.py", "save"),)),
    ("JSON rendering", (("host_tools/output.py", "message_json"),)),
    ("print + flush", (("~", "<built-in method builtins.print>"), ("~", "<method 'flush' of '_io.TextIOWrapper' objects>"))),
    ("acknowledgement (paho, caller's thread)", (("host_tools/mqtt.py", "ack"),)),
    ("event queue + wake-up pipe (caller's thread)", (("host_tools/mqtt.py", "events"),)),
)
# (name, messages saved at once, whole cache rewritten): now, and two steps back
VARIANTS = (("journal_batched", messages.BATCH, False), ("journal_per_message", 1, False),
            ("rewrite_per_message", 1, True))
NETWORK = "paho network thread (receive, parse, queue), without its idle select"


def _cum(stats, file_end, name):
    return sum(v[3] for (f, _, n), v in stats.stats.items() if f.endswith(file_end) and n == name)


def _frames(sender_keys, recipient_public, count):
    now = int(time.time() * 1000)
    return [envelope.seal(SENDER, sender_keys[2], HOST, recipient_public, "reading %d: 21.5 C" % i, now + i)
            for i in range(count)]


@contextlib.contextmanager
def _network_profile(profile):
    """paho's network thread runs under `profile` (None: unprofiled)."""
    original = paho.Client._thread_main
    if profile is None:
        yield
        return

    def profiled(client):
        profile.enable()
        try:
            original(client)
        finally:
            profile.disable()

    paho.Client._thread_main = profiled
    try:
        yield
    finally:
        paho.Client._thread_main = original


def _queue(address, frames):
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="prof-pub-%s" % os.urandom(3).hex(),
                         protocol=paho.MQTTv311)
    client.connect(address.host, address.port, 30)
    client.loop_start()
    try:
        for info in [client.publish(topic(HOST), f, qos=1) for f in frames]:
            info.wait_for_publish(60)
    finally:
        client.disconnect()
        client.loop_stop()


def _thread_cpu(thread):
    return time.clock_gettime(time.pthread_getcpuclockid(thread.ident))


def _drain(address, client_id, receiver, count, caller, network):
    """Open a session (its frames queued), handle events until `count` were shown;
    (seconds, CPU seconds of the caller's and paho's threads)."""
    shown = []
    with open(os.devnull, "w") as out, _network_profile(network):
        session = Session(address, client_id, persistent=True, topic=receiver.topic).open()
        paho_thread = session.client._thread or threading.current_thread()
        try:
            stdout, sys.stdout = sys.stdout, out
            started, cpu = time.perf_counter(), time.thread_time() + _thread_cpu(paho_thread)
            if caller:
                caller.enable()
            try:
                deadline = time.monotonic() + 120
                while len(shown) < count and time.monotonic() < deadline:
                    if select.select([session], [], [], 1.0)[0]:
                        messages.handle_events(session, receiver,
                                      lambda m: (shown.append(m), print(message_json(m))),
                                      lambda text: None)
            finally:
                if caller:
                    caller.disable()
                sys.stdout = stdout
                elapsed = time.perf_counter() - started
                cpu = time.thread_time() + _thread_cpu(paho_thread) - cpu
        finally:
            session.close()
    if len(shown) < count:
        raise RuntimeError("listen profile: %d of %d messages shown" % (len(shown), count))
    return elapsed, cpu


def profile_variant(address, workdir, count, batch, rewrite_whole):
    """The per-message profile with `batch` messages saved at once (by rewriting
    the whole cache when `rewrite_whole`), and the drain rate without cProfile."""
    host_keys, sender_keys = hostkeys.generate(), hostkeys.generate()
    store = PeerStore(workdir / "peers.json")
    now = int(time.time())  # the pin's answer is fresh for the whole run (the offline rule)
    store.pin(SENDER, Answer(SENDER, (sender_keys[1], sender_keys[3]), 1, now, now + 86400), now)
    identity = Identity(HOST, host_keys[0], host_keys[1], host_keys[2], host_keys[3])
    receiver = Receiver(identity, Directory(store, None), str(workdir / "replay.json"))
    if rewrite_whole:
        receiver.store.save = receiver.store.compact
    client_id = "prof-" + workdir.name
    Session(address, client_id, persistent=True, topic=receiver.topic).open().close()
    saved_batch, messages.BATCH = messages.BATCH, batch
    try:
        _queue(address, _frames(sender_keys, host_keys[1], count))  # queued for that session
        caller, network = cProfile.Profile(), cProfile.Profile()
        _drain(address, client_id, receiver, count, caller, network)
        _queue(address, _frames(sender_keys, host_keys[1], count))
        alone = [crypto_alone(count)]
        seconds, cpu = _drain(address, client_id, receiver, count, None, None)
        alone.append(crypto_alone(count))
    finally:
        messages.BATCH = saved_batch
    main, net = pstats.Stats(caller), pstats.Stats(network)
    parts = {name: sum(_cum(main, f, n) for f, n in functions) / count * 1e6 for name, functions in PARTS}
    total = _cum(main, "host_tools/commands/messages.py", "handle_events")
    parts[NETWORK] = (net.total_tt - _cum(net, "~", "<built-in method select.select>")) / count * 1e6
    return {"per_message_us": parts, "caller_total_us": total / count * 1e6, "n": count,
            "unprofiled_msgs_per_s": count / seconds, "unprofiled_cpu_ms": cpu * 1000 / count,
            "crypto_alone_msgs_per_s": sum(a[0] for a in alone) / 2,
            "crypto_alone_cpu_ms": sum(a[1] for a in alone) / 2}


def crypto_alone(count):
    """(frames per second, CPU ms per frame) opened and verified by
    host_tools.protocol alone (fresh frames, replay check in memory): the
    listener's ceiling, next to its drain."""
    host_keys, sender_keys = hostkeys.generate(), hostkeys.generate()
    frames = _frames(sender_keys, host_keys[1], count)
    cache = ReplayCache(4096)
    started, cpu = time.perf_counter(), time.thread_time()
    for frame in frames:
        envelope.open_frame(frame, HOST, host_keys[0], lambda name: sender_keys[3],
                            int(time.time() * 1000), cache)
    return count / (time.perf_counter() - started), (time.thread_time() - cpu) * 1000 / count


def run(profile):
    count = profile.listen_messages
    with tempfile.TemporaryDirectory(prefix="nes-bench-listen-") as tmp:
        tmp = pathlib.Path(tmp)
        with private_broker(tmp) as broker:
            address = parse_broker(broker.url)
            result = {"notes": [__doc__.split("\n\n")[1].replace("\n", " ")], "batch": messages.BATCH}
            for name, batch, whole in VARIANTS:
                (tmp / name).mkdir()
                result[name] = profile_variant(address, tmp / name, count, batch, whole)
            return result
