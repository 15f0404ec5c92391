"""End to end through a private Mosquitto on loopback, with the key server
(gunicorn on SQLite) for the key lookups:

- latency: a virtual board (host_tools/board/vboard.py) sends messages with
  `nes.send`; `nes listen --json` on the host prints them. Latency = the time
  the host printed a message minus its timestamp, which the board takes when
  it starts sealing: board seal + broker + host open, verify and print.
  Per hop: board timestamps around its PUBLISH (also through umqtt.simple's
  own four-write publish, as before), a bare subscriber as the broker's
  output, the listener's print; host -> board likewise, the board timing its
  receipt and its open.
- throughput: frames sealed on the host are queued at the broker for
  `listen`'s persistent session while it is stopped; restarted, it drains
  them: messages per second from the first printed line to the last; again
  with `--workers 2`.

References in the same run: the same frame bytes through the same broker
with a plain paho client and nothing of NES, for both figures."""
import contextlib
import json
import os
import pathlib
import queue
import shutil
import subprocess
import tempfile
import threading
import time

import paho.mqtt.client as paho
import pytest

from host_tools import keyfiles
from host_tools.mqtt import parse_broker
from host_tools.protocol import envelope
from host_tools.protocol import keys as hostkeys
from host_tools.protocol.constants import topic
from host_tools.protocol.replay import ReplayCache
from host_tools.replay_store import ReplayStore
from keyserver import serverkey
from keyserver.store import Store
from tests.fixtures.mosquitto import Broker
from tests.fixtures.paths import ROOT

from . import firmware, keyserver_bench, procs, seed
from .section import Unavailable, tool
from .stats import percentile

HOST_USER = "benchhost"
BOARD_USER = "benchboard"
FLOOD_USER = "benchflood"
_WAIT = 120.0  # seconds, for any batch of messages to arrive
_GAP_MS = 20  # between two sends of the board


def _lat(samples_ms):
    return {"n": len(samples_ms), "p50_ms": percentile(samples_ms, 50), "p99_ms": percentile(samples_ms, 99)}


def _now_ms():
    return time.time() * 1000


def _take(source, count, timeout, what):
    """The next `count` items of a queue, or RuntimeError after `timeout` seconds."""
    got, deadline = [], time.monotonic() + timeout
    while len(got) < count:
        try:
            got.append(source.get(timeout=max(0.01, deadline - time.monotonic())))
        except queue.Empty:
            raise RuntimeError("%s: %d of %d messages in %gs" % (what, len(got), count, timeout)) from None
    return got


class Listener:
    """`nes listen --json` as a child process; its lines with arrival times and,
    as the lines numbered in `cpu` (from 0) came, the CPU seconds (its own, with
    its workers). Only at those: reading /proc for every line would take the CPU
    of the listener this measures."""

    def __init__(self, config, log, workers=1, cpu=()):
        self.lines = queue.Queue()
        self.cpu = {}
        self._sample = set(cpu)
        self._count = 0
        self._pids = None
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [tool("nes"), "-c", str(config), "listen", "--json", "--workers", str(workers)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, start_new_session=True)
        threading.Thread(target=self._read_out, daemon=True).start()
        threading.Thread(target=self._read_err, args=(log,), daemon=True).start()
        if not self.ready.wait(30) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError("nes listen did not start; see %s" % log)

    def _read_out(self):
        for line in self.proc.stdout:
            arrived = _now_ms()
            if self._count in self._sample:
                if self._pids is None:  # the workers are started by the first message
                    self._pids = [self.proc.pid] + _children(self.proc.pid)
                times = [_process_cpu(pid) or 0.0 for pid in self._pids]
                self.cpu[self._count] = (times[0], sum(times))
            self._count += 1
            self.lines.put((arrived, json.loads(line)))

    def _read_err(self, log):
        with open(log, "ab") as f:
            for line in self.proc.stderr:
                f.write(line)
                f.flush()
                if b"listening as" in line:
                    self.ready.set()

    def take(self, count, timeout=_WAIT):
        """`count` (arrival_ms, message) pairs, or RuntimeError after `timeout`."""
        return _take(self.lines, count, timeout, "nes listen printed")

    def stop(self):
        procs.stop(self.proc)


def _host_config(directory, broker_url, keyserver_url, server_public, keys):
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "config"
    config.write_text("MQTT_BROKER_ADDRESS = %s\nPUBKEY_ADDRESS = %s\nPUBKEY_PUBLIC_KEY_FILE = %s\n"
                      "NES_USERNAME = %s\n" % (broker_url, keyserver_url, keyfiles.b64(server_public), HOST_USER))
    suffixes = ("-x25519-message", "-x25519-message.pub", "-ed25519-sign", "-ed25519-sign.pub")
    for suffix, key, private in zip(suffixes, keys, (True, False, True, False)):
        keyfiles.write_key(directory / (HOST_USER + suffix), key, private)
    return config


def _frames(sender_keys, recipient_public, count, label, recipient=HOST_USER):
    now = int(_now_ms())
    return [envelope.seal(FLOOD_USER, sender_keys[2], recipient, recipient_public,
                          "%s %d" % (label, i), now + i) for i in range(count)]


def host_open_ms(sender_keys, recipient_keys, count=50):
    """The host's open + verify of one short frame (median ms), in this run."""
    frames = _frames(sender_keys, recipient_keys[1], count, "open")
    times = []
    for frame in frames:
        t0 = time.perf_counter()
        envelope.open_frame(frame, HOST_USER, recipient_keys[0], lambda name: sender_keys[3], int(_now_ms()))
        times.append((time.perf_counter() - t0) * 1000)
    return percentile(times, 50)


# -- references: the host's MQTT client, no crypto ---------------------------

class _Bare:
    """A plain paho client (QoS 1, acknowledged at once): MQTT with nothing of
    NES on top. Arrival times are taken in paho's network thread."""

    def __init__(self, address, client_id, subject=None, persistent=False):
        self.arrivals = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id,
                                  clean_session=not persistent, protocol=paho.MQTTv311)
        self.client.on_message = lambda client, userdata, message: self.arrivals.put(_now_ms())
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect(address.host, address.port, 30)
        self.client.loop_start()
        if subject:
            self.client.subscribe(subject, qos=1)
            if not subscribed.wait(_WAIT):
                self.close()
                raise RuntimeError("bare MQTT: the broker did not confirm the subscription")

    def publish_all(self, subject, frames):
        infos = [self.client.publish(subject, frame, qos=1) for frame in frames]
        for info in infos:
            info.wait_for_publish(_WAIT)
            if not info.is_published():
                raise RuntimeError("bare MQTT: the broker did not acknowledge a frame")

    def wait(self, count, timeout=_WAIT):
        """Arrival times (ms) of the next `count` messages."""
        return _take(self.arrivals, count, timeout, "bare MQTT received")

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


def bare_latency(address, frame, count):
    subject = "nes/benchbare/message"
    sub = _Bare(address, "bench-bare-lat-sub", subject)
    pub = _Bare(address, "bench-bare-lat-pub")
    try:
        samples = []
        for _ in range(count + 1):
            t0 = _now_ms()
            pub.client.publish(subject, frame, qos=1)
            samples.append(sub.wait(1)[0] - t0)
        return _lat(samples[1:])  # the first one warms the connection up
    finally:
        sub.close()
        pub.close()


def _drain_rate(times):
    span = (times[-1] - times[0]) / 1000
    return {"n": len(times), "msgs_per_s": (len(times) - 1) / span if span > 0 else None}


def bare_rate(address, frames):
    """The frames queued for a persistent session while it is away, then drained."""
    subject, client = "nes/benchbarerate/message", "bench-bare-rate-sub"
    _Bare(address, client, subject, persistent=True).close()
    pub = _Bare(address, "bench-bare-rate-pub")
    try:
        pub.publish_all(subject, frames)
    finally:
        pub.close()
    sub = _Bare(address, client, subject, persistent=True)
    try:
        return _drain_rate(sub.wait(len(frames)))
    finally:
        sub.close()


# -- the real path -------------------------------------------------------------

def open_alone(sender_keys, recipient_keys, count):
    """(msgs/s, CPU ms per message) of host_tools.protocol opening and verifying
    fresh frames alone in this process, with a replay cache as the listener's:
    the listener's ceiling, measured next to each drain."""
    frames = _frames(sender_keys, recipient_keys[1], count, "alone")
    cache = ReplayCache(4096)
    wall, cpu = time.perf_counter(), time.process_time()
    for frame in frames:
        envelope.open_frame(frame, HOST_USER, recipient_keys[0], lambda name: sender_keys[3], int(_now_ms()), cache)
    return count / (time.perf_counter() - wall), (time.process_time() - cpu) * 1000 / count


def listen_rate(address, config, log, frames, warmup, workers=1, reference=None):
    """Frames queued while `listen` is away, drained by a fresh `listen`.
    `reference`: (sender keys, recipient keys) for open_alone before and after."""
    listener = Listener(config, log, workers)
    try:
        _publish(address, [warmup])
        listener.take(1)  # the sender's key is now looked up and pinned
    finally:
        listener.stop()
    _publish(address, frames)
    alone = [open_alone(*reference, max(50, len(frames) // 4))] if reference else []
    listener = Listener(config, log, workers, cpu=(0, len(frames) - 1))
    try:
        got = listener.take(len(frames))
    finally:
        listener.stop()
    if reference:
        alone.append(open_alone(*reference, max(50, len(frames) // 4)))
    result = _drain_rate([t for t, _ in got])
    # CPU of the listener and its workers from the first printed line to the last:
    # what a message costs in CPU, whether or not a free core was there to run it;
    # of it, the listener process's own (paho, replay cache, printing).
    (own0, all0), (own1, all1) = listener.cpu[0], listener.cpu[len(frames) - 1]
    result["cpu_ms_per_msg"] = (all1 - all0) * 1000 / (len(frames) - 1)
    result["listener_cpu_ms_per_msg"] = (own1 - own0) * 1000 / (len(frames) - 1)
    if alone:
        result["open_alone_msgs_per_s"] = sum(a[0] for a in alone) / len(alone)
        result["open_alone_cpu_ms"] = sum(a[1] for a in alone) / len(alone)
    return result


def _children(pid):
    """The pids of a process's children (its workers)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def _process_cpu(pid):
    """CPU seconds of a running process's own threads (not its children), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _publish(address, frames):
    pub = _Bare(address, "bench-publisher-%s" % os.urandom(3).hex())
    try:
        pub.publish_all(topic(HOST_USER), frames)
    finally:
        pub.close()


@contextlib.contextmanager
def keyserver(workdir, users):
    """The key server (gunicorn on SQLite, in workdir/ks) with `users` {name:
    keys} registered and active; yields (its URL, its public key)."""
    key = serverkey.create(str(workdir / "server.key"))
    url = "sqlite:///%s" % (workdir / "keyserver.sqlite3")
    store = Store(url)
    store.create_schema()
    seed.add_named(store, key.seed, {name: (k[1], k[3]) for name, k in users.items()})
    store.dispose()
    (workdir / "ks").mkdir()
    with keyserver_bench.gunicorn(workdir / "ks", url, workdir / "server.key") as ks_url:
        yield ks_url, key.public


@contextlib.contextmanager
def virtual_board(workdir, broker, keyserver_url, server_public, keys, heapsize, user=BOARD_USER,
                  config=None, ready="nes: running"):
    """A virtual board of `user` (its config.json updated with `config`), once it printed `ready`."""
    from tests.fixtures.vboard import VBoard, write_flash

    flash = workdir / "flash"
    shutil.copytree(firmware.board_tree(), flash)
    write_flash(flash, config=dict({
        "user": user,
        "broker": {"host": broker.host, "port": broker.port},
        "keyserver": {"url": keyserver_url, "public_key": keyfiles.b64(server_public)},
        "sensor": {"recipients": [], "interval": 0},
    }, **(config or {})), keys=keys)
    try:
        board = VBoard(flash, workdir / "transcript.log", tool("mpremote"), heapsize)
    except pytest.fail.Exception as exc:
        raise RuntimeError("the virtual board did not start: %s" % exc.msg) from None
    try:
        board.wait_for(ready, timeout=60)
        yield board
    except pytest.fail.Exception as exc:
        raise RuntimeError(exc.msg[-500:]) from None
    finally:
        board.stop()


# Board-side timestamps (epoch microseconds): around each PUBLISH (the frame is
# sealed by then: the message timestamp is taken as the seal starts), and
# around each received frame's handling (open, verify, print, replay save).
_TIME_PUBLISH = """import nes, nes.app, time, gc
t = nes.app.current().transport
publish, split = type(t).publish, %r
def split_write(p):
    i = 1
    while p[i] & 0x80:
        i += 1
    n = int.from_bytes(p[i + 1:i + 3], 'big') + i + 3
    for a, b in ((0, i + 1), (i + 1, i + 3), (i + 3, n), (n, n + 2), (n + 2, len(p))):
        t.sock.write(p[a:b])
def timed(topic, msg, retain=False, qos=0):
    a = time.time_ns()
    if split:  # and without TCP_NODELAY, which the board did not set then
        t._write = split_write
        t.sock.setsockopt(6, 1, 0)
    publish(t, topic, msg, retain, qos)
    if split:
        del t._write
        t.sock.setsockopt(6, 1, 1)
    print('hop-tx', a // 1000, time.time_ns() // 1000)
t.publish = timed
"""
# Patches the module's open_frame: on the viper path (the bench's 192k heap) the
# message code stays loaded; on the pure path a key lookup drops it, and the
# patch with it.
_TIME_RECEIVE = """import nes.app, nes.proto.envelope as envelope, time
a = nes.app.current()
handle, open_frame, opened = a.transport.on_frame, envelope.open_frame, [0]
def timed_open(*args):
    m = open_frame(*args)
    opened[0] = time.time_ns()
    return m
def timed(payload):
    r = time.time_ns()
    handle(payload)
    print('hop-rx', r // 1000, opened[0] // 1000, time.time_ns() // 1000)
envelope.open_frame = timed_open
a.transport.on_frame = timed
a.run()
"""


def _hops(text, tag):
    return [tuple(int(v) / 1000 for v in line.split()[1:]) for line in text.splitlines()
            if line.startswith(tag + " ")]


def _hop_stats(columns):
    return {name: _lat(values) for name, values in columns.items()}


def journal_sync_ms(directory, count):
    """(p50, p99 ms) of the listener's synced write of one replay record
    (host_tools.replay_store, append + fsync) on the host state directory's disk,
    alone, `count` times _GAP_MS apart as the board's sends: a hop of the
    latency no code can take off, since a message is recorded on disk before it
    is shown (so never shown twice)."""
    store = ReplayStore(str(directory / "bench-sync.json"), 4096)
    times = []
    try:
        for i in range(count):
            store.cache.add(os.urandom(32), i, i)
            started = time.perf_counter()
            store.save()
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(_GAP_MS / 1000)
    finally:
        for path in (store.path, store.journal):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
    return _lat(times)


def board_latency(board, listener, count, address, host_open_ms, split_writes=False):
    """Board -> host, per hop: the board's seal, its PUBLISH until the PUBACK,
    a bare subscriber on the same topic (broker out), the listener's print.
    `split_writes`: the PUBLISH written in the pieces umqtt.simple's own
    publish writes (fixed header, topic length, topic, packet id, payload),
    without TCP_NODELAY, as the board did before nes.transport wrote it at once."""
    sent = board.exec("import nes\nprint('sent', nes.send(%r, 'bench warm-up'))" % HOST_USER)
    if "sent True" not in sent:
        raise RuntimeError("the board could not send: %s" % sent.strip()[-300:])
    listener.take(1)
    spy = _Bare(address, "bench-hop-spy", topic(HOST_USER))
    try:
        out = board.exec(_TIME_PUBLISH % split_writes + "for i in range(%d):\n    nes.send(%r, 'bench %%d' %% i)\n"
                         "    gc.collect()\n    time.sleep_ms(%d)\n" % (count, HOST_USER, _GAP_MS), timeout=_WAIT)
        got = listener.take(count)
        seen = spy.wait(count)
    finally:
        spy.close()
    tx = [hop[:2] for hop in _hops(out, "hop-tx")]
    if len(tx) != count:
        raise RuntimeError("the board reported %d of %d publishes" % (len(tx), count))
    stamps = [m["timestamp"] for _, m in got]
    printed = [t for t, _ in got]
    total = [p - s for p, s in zip(printed, stamps)]
    result = _lat(total)
    result["hops"] = _hop_stats({
        "board seal (timestamp -> PUBLISH written)": [w - s for (w, _), s in zip(tx, stamps)],
        "PUBLISH -> PUBACK at the board": [a - w for w, a in tx],
        "PUBLISH -> broker out (a bare subscriber receives)": [b - w for (w, _), b in zip(tx, seen)],
        "broker out -> nes listen printed (paho, open, save, print)": [p - b for p, b in zip(printed, seen)],
    })
    if host_open_ms:
        seal = [w - s for (w, _), s in zip(tx, stamps)]
        result["beyond_seal_and_open"] = _lat([t - c - host_open_ms for t, c in zip(total, seal)])
    return result


def host_to_board_latency(board, address, frames, count):
    """Host -> board: frames sealed on the host, published one by one; the
    board's times of receipt, of the message opened (printed right after) and
    of the end of its handling (LED blink, replay save) per frame."""
    mark = board.mark()
    board.exec(_TIME_RECEIVE, follow=False)
    board.wait_for("nes: running", after=mark)
    pub = _Bare(address, "bench-hop-host-pub")
    sent = []
    try:
        for i, frame in enumerate(frames):
            sent.append(_now_ms())
            pub.publish_all(topic(BOARD_USER), [frame])
            board.wait_for("hop-rx ", after=mark, count=i + 1, timeout=_WAIT)  # not the code's echo
            time.sleep(_GAP_MS / 1000)  # as the board's sends: one message at a time
    finally:
        pub.close()
    rx = _hops(board.output()[mark:], "hop-rx")[-count:]
    sent, rx = sent[-count:], rx
    result = _lat([shown - s for s, (_, shown, _) in zip(sent, rx)])
    result["hops"] = _hop_stats({
        "host PUBLISH -> board receives": [r - s for s, (r, _, _) in zip(sent, rx)],
        "board open + verify (then printed)": [o - r for r, o, _ in rx],
        "after the print: LED blink + replay save (not in end to end)": [d - o for _, o, d in rx],
    })
    return result


def run(profile):
    result = {"notes": [
        "latency: host print time minus the message timestamp, which the board takes as it starts "
        "sealing (so it includes the board's seal under the unix port); sends %d ms apart, board heap %s"
        % (_GAP_MS, profile.firmware_heap),
        "throughput: frames from a host sender queued at the broker, drained by a fresh `nes listen --json` "
        "(first to last printed line), with one process and with --workers 2; bare MQTT: the same frames, "
        "same broker, a plain paho client (QoS 1) and nothing of NES",
    ]}
    with tempfile.TemporaryDirectory(prefix="nes-bench-e2e-") as tmp:
        tmp = pathlib.Path(tmp)
        with private_broker(tmp) as broker:
            _run_with_broker(profile, tmp, broker, result)
    return result


@contextlib.contextmanager
def private_broker(directory):
    """A Mosquitto of the bench's own (in directory/mqtt), killed when the block ends."""
    (directory / "mqtt").mkdir()
    try:
        broker = Broker(directory / "mqtt").start()
    except pytest.fail.Exception as exc:
        raise Unavailable(exc.msg) from None
    try:
        yield broker
    finally:
        broker.kill()


def _run_with_broker(profile, tmp, broker, result):
    address = parse_broker(broker.url)
    host_keys, board_keys, flood_keys = (hostkeys.generate() for _ in range(3))
    frame = _frames(flood_keys, host_keys[1], 1, "bare")[0]
    result["bare_mqtt_latency"] = bare_latency(address, frame, max(profile.e2e_messages, 10))
    result["bare_mqtt_rate"] = bare_rate(address, _frames(flood_keys, host_keys[1], profile.listen_messages, "bare"))
    users = {HOST_USER: host_keys, BOARD_USER: board_keys, FLOOD_USER: flood_keys}
    with keyserver(tmp, users) as (ks_url, server_public):
        config = _host_config(tmp / "host", broker.url, ks_url, server_public, host_keys)
        log = tmp / "listen.log"
        try:
            listener = Listener(config, log)
            try:
                with virtual_board(tmp / "board", broker, ks_url, server_public, board_keys,
                                   profile.firmware_heap) as board:
                    result["host_open_ms"] = host_open_ms(flood_keys, host_keys)
                    result["latency"] = board_latency(board, listener, profile.e2e_messages, address,
                                                      result["host_open_ms"])
                    result["latency"]["hops"]["(alone) host: a replay record appended + synced, same disk"] = \
                        journal_sync_ms(tmp / "host", profile.e2e_messages)
                    result["latency_split_writes"] = board_latency(
                        board, listener, profile.e2e_messages, address, result["host_open_ms"], split_writes=True)
                    frames = _frames(flood_keys, board_keys[1], profile.e2e_messages + 1, "to board",
                                     recipient=BOARD_USER)
                    result["host_to_board"] = host_to_board_latency(board, address, frames, profile.e2e_messages)
            finally:
                listener.stop()
        except (Unavailable, RuntimeError) as exc:
            result["latency_reason"] = str(exc)
        try:
            for key, workers in (("listen", 1), ("listen_workers_2", 2)):
                warmup = _frames(flood_keys, host_keys[1], 1, "warm-up")[0]
                result[key] = listen_rate(address, config, log,
                                          _frames(flood_keys, host_keys[1], profile.listen_messages, "flood"),
                                          warmup, workers, (flood_keys, host_keys))
        except RuntimeError as exc:
            result["listen_reason"] = "%s; listen.log ends: %s" % (exc, log.read_text()[-600:] if log.exists() else "")
