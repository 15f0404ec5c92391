"""The battery duty cycle (power.sleep_s, firmware/nes/duty.py), measured
on a virtual board and estimated for the ESP32 and the Pico W.

Measured here, through a private Mosquitto on loopback: a virtual board with
power.sleep_s = 1 posts a reading to a host user at each wake, and a frame
sealed on the host is queued for its session while it sleeps, so each wake
resumes the session, opens one frame, seals and posts one reading, and
deep-sleeps (the process ends; the harness starts it again). Awake time per
wake = the board's own figure (`duty: awake N ms`: from the harness starting
the process to the deep-sleep call), and the CPU time of its process (the
harness's figure). The first two wakes (a new session and the recipient's
key looked up; the first frame's sender looked up) are reported apart. On a
machine shared with other work (see the load average) the waits grow, the
bare reference's too: compare the figures of one run.

References from the same run and MicroPython binary: a bare umqtt.simple
connect, QoS 1 publish (a frame's size), disconnect (bench/mp/mqtt_bare.py),
timed the same way from its process start; and the firmware's seal + open of
a 100-byte message (bench/mp/fwcrypto.py). The goal of issue 16: awake time
<= 2 x bare + crypto.

Estimated, not measured: a board's awake time = the CPU time of a wake here
(the harness's figure for the process) x the board's pystone factor
(bench/boards.py), plus the rest of the wake here (waiting for the broker
and the key server) as it is, plus the Wi-Fi join a real board needs at each
wake and the virtual board does not (ASSUMED_JOIN_S); energy = that time x
the published current x SUPPLY_V, and the deep sleep's at its published
current. A board's boot from deep sleep (bootloader, flash) is not in it."""
import json
import os
import pathlib
import re
import tempfile
import time

from host_tools.mqtt import parse_broker
from host_tools.protocol import keys as hostkeys
from host_tools.protocol.constants import topic

from . import boards, e2e, firmware
from .section import Unavailable
from .stats import percentile

BOARD_USER = "benchduty"
SLEEP_S = 1  # the board's power.sleep_s in this run
SUPPLY_V = 3.3
ASSUMED_JOIN_S = (0.3, 1.0)
ASSUMED_JOIN_SOURCE = (
    "assumed: Espressif gives 0.3-1 s for a chip waking from deep sleep to connect to an access point "
    "(ESP8266EX datasheet, Table 3-4 note on Deep-sleep); not measured for the ESP32 or Pico W here")
SLEEP_FOR_ENERGY_S = 300  # the deep sleep whose energy is shown next to a wake's
# Published currents: (active mA low, high), deep sleep uA, where from. Keys
# match bench/boards.py's board names (their pystone factors).
CURRENTS = {
    "ESP32 (240 MHz)": ((80, 260), 10, (
        "ESP32-WROOM-32 datasheet, Table 5 'Power consumption by power modes': Wi-Fi Rx and listening "
        "80-90 mA, Tx 160-260 mA (13-21 dBm); ESP32 datasheet: Deep-sleep with RTC timer + RTC memory 10 uA")),
    "RP2040 (125 MHz)": ((45, 45), 17000, (
        "Pico W: 45 mA with Wi-Fi up, an assumed typical figure (Raspberry Pi's Pico W datasheet gives no "
        "per-mode table that was checked); asleep ~17 mA, measured on a Pico W in CircuitPython's deep "
        "sleep (github.com/adafruit/circuitpython/issues/7047): the RP2040 + CYW43439 board has no uA "
        "deep sleep, and MicroPython's machine.deepsleep on rp2 is a light sleep then a reset")),
}
BARE = pathlib.Path(__file__).parent / "mp" / "mqtt_bare.py"
_AWAKE = re.compile(r"duty: awake (\d+) ms")
_WAIT = 120.0


def _wake_times(text):
    return [int(ms) for ms in _AWAKE.findall(text)]


def _cycles(board, address, frames):
    """Let the board run len(frames) + 1 wakes, a frame queued for it while
    it sleeps after each but the last; its console's text."""
    pub = e2e._Bare(address, "bench-duty-pub")
    try:
        for i in range(len(frames) + 1):
            board.wait_for("duty: awake", count=i + 1, timeout=_WAIT)
            if i < len(frames):
                pub.publish_all(topic(BOARD_USER), [frames[i]])
    finally:
        pub.close()
    return board.output()


def _cpu_ms(board):
    """The CPU time of each wake so far, as the harness reports it on stderr
    when the board's process ends (host_tools/board/vboard.py)."""
    stream = board.proc.stderr
    os.set_blocking(stream.fileno(), False)
    return [float(ms) for ms in re.findall(rb"the board used ([\d.]+) ms of CPU", stream.read() or b"")]


def bare_mqtt(mp, broker, lib, size, mode, count):
    """The bare reference, `count` runs: since-start and connect-publish-disconnect ms."""
    since, mqtt = [], []
    for _ in range(count):
        env = {"NES_VBOARD_STARTED_NS": str(time.time_ns())}
        mp.environ = dict(mp.environ, **env)
        run = mp(script=BARE,
                 args=[broker.host, str(broker.port), "nes/benchbare/message", str(size), mode],
                 extra_path=[lib], timeout=60)
        line = next((l for l in run.stdout.splitlines() if l.startswith("BENCH-JSON ")), None)
        if line is None:
            raise RuntimeError("bare MQTT under MicroPython failed: %s" % (run.stderr or run.stdout)[-400:])
        figures = json.loads(line[len("BENCH-JSON "):])
        since.append(figures["since_start_ms"])
        mqtt.append(figures["mqtt_ms"])
    return {"n": count, "since_start_p50_ms": percentile(since, 50), "mqtt_p50_ms": percentile(mqtt, 50)}


def crypto_ms(backend, heapsize):
    """Median seal_100 + open_100 (ms) of the firmware under the same binary."""
    run = firmware._run(firmware.micropython(backend), ["time", 3, "seal_100", "open_100"], heapsize)
    return sum(run["ops"][op]["median_us"] for op in ("seal_100", "open_100")) / 1000


def run(profile):
    cycles = max(4, profile.e2e_messages // 2)  # frames queued; one wake more than that
    backend = "viper" if firmware.backends()["viper"] is None else "pure"
    result = {"sleep_s": SLEEP_S, "backend": backend, "notes": [__doc__.split("\n\n")[1].replace("\n", " ")]}
    with tempfile.TemporaryDirectory(prefix="nes-bench-duty-") as tmp:
        tmp = pathlib.Path(tmp)
        with e2e.private_broker(tmp) as broker:
            address = parse_broker(broker.url)
            host_keys, board_keys, sender_keys = (hostkeys.generate() for _ in range(3))
            users = {e2e.HOST_USER: host_keys, BOARD_USER: board_keys, e2e.FLOOD_USER: sender_keys}
            frames = e2e._frames(sender_keys, board_keys[1], cycles, "while asleep", recipient=BOARD_USER)
            readings = e2e._Bare(address, "bench-duty-readings", topic(e2e.HOST_USER))
            try:
                with e2e.keyserver(tmp, users) as (ks_url, server_public):
                    config = {"sensor": {"recipients": [e2e.HOST_USER], "interval": 0},
                              "power": {"sleep_s": SLEEP_S}}
                    with e2e.virtual_board(tmp / "board", broker, ks_url, server_public, board_keys,
                                           profile.firmware_heap, user=BOARD_USER, config=config,
                                           ready="duty: awake") as board:
                        text = _cycles(board, address, frames)
                        cpu = _cpu_ms(board)
                times, wakes = _wake_times(text), text.split("nes: board unix")[1:]
                posted = len(readings.wait(len(times), timeout=_WAIT))
            finally:
                readings.close()
            opened = [w.count("message from %s at " % e2e.FLOOD_USER) for w in wakes[1:len(times)]]
            if opened != [1] * (len(times) - 1) or posted != len(times):
                raise RuntimeError("the board did not take one queued frame and post one reading per wake "
                                   "(frames per wake %s, readings %d of %d); its console ends: %s"
                                   % (opened, posted, len(times), text[-600:]))
            lib = tmp / "board" / "flash" / "lib"  # umqtt.simple as the board has it (.mpy)
            size = len(frames[0])
            mp = firmware.micropython(backend)
            result["bare"] = {mode: bare_mqtt(mp, broker, lib, size, mode, cycles)
                              for mode in ("gathered", "plain")}
    # The first wake makes the session and looks the recipient up; the second
    # looks up the sender of its first frame. Both keys are pinned on flash then.
    result["first_wakes_ms"] = times[:2]
    steady = times[2:]
    result["awake"] = {"n": len(steady), "p50_ms": percentile(steady, 50), "p99_ms": percentile(steady, 99)}
    if len(cpu) <= 2:
        raise RuntimeError("the virtual board's harness reported the CPU time of %d wakes" % len(cpu))
    result["awake"]["cpu_p50_ms"] = percentile(cpu[2:], 50)
    result["frame_bytes"] = size
    result["crypto_ms"] = crypto_ms(backend, profile.firmware_heap)
    try:
        path, here, factors = boards.factors(profile, firmware.micropython())
    except Unavailable as exc:
        result["estimate_reason"] = str(exc)
        return result
    result["unix_pystones_per_s"] = here
    result["boards"] = estimates(result["awake"]["p50_ms"], result["awake"]["cpu_p50_ms"], factors)
    result.update(method="work = the CPU time of a wake here x the board's pystone factor (%s, %s), "
                  "plus the rest of the wake here (waiting for the broker and the key server) unscaled"
                  % (boards.METHOD, path),
                  join_source=ASSUMED_JOIN_SOURCE, supply_v=SUPPLY_V, sleep_for_energy_s=SLEEP_FOR_ENERGY_S)
    return result


def estimates(awake_ms, cpu_ms, factors):
    """{board: figures} for the boards with published currents."""
    out = {}
    for name, ((low_ma, high_ma), sleep_ua, source) in CURRENTS.items():
        factor = factors[name]["factor"]
        work_s = (cpu_ms * factor + max(0.0, awake_ms - cpu_ms)) / 1000
        awake_s = (work_s + ASSUMED_JOIN_S[0], work_s + ASSUMED_JOIN_S[1])
        out[name] = {
            "factor": factor,
            "work_s": work_s,
            "awake_s": awake_s,
            "awake_mj": (SUPPLY_V * low_ma * awake_s[0], SUPPLY_V * high_ma * awake_s[1]),
            "work_mj": (SUPPLY_V * low_ma * work_s, SUPPLY_V * high_ma * work_s),
            "sleep_mj": SUPPLY_V * sleep_ua / 1000 * SLEEP_FOR_ENERGY_S,
            "currents": source,
        }
    return out
