"""Configured sensors (firmware/nes/sensors.py) under the MicroPython unix
port: the checking of sensor specs (nes/sensorspec.py), the real drivers (dht, onewire +
ds18x20, ADC, the board's MCU temperature and RSSI) against stand-ins for
the hardware modules, each read with a deadline and a failure reported and
skipped; and a virtual board whose simulated sensors post structured
readings that the host's `nes listen --json` parses."""
import json

import pytest

from tests.fixtures.vboard import board_config, register

CHECK = r"""
import json
from nes.sensorspec import check
for spec in json.loads(%r):
    try:
        print("ok", sorted(check(spec).items()))
    except ValueError as exc:
        print("refused", exc)
"""


def _check(micropython, specs):
    return micropython(CHECK % json.dumps(specs)).check().stdout.splitlines()


def test_specs_are_checked_and_names_filled_in(micropython):
    lines = _check(micropython, [
        {"kind": "dht22", "pin": 4},
        {"kind": "adc", "pin": 34, "scale": 0.0001, "offset": -0.5, "unit": "V", "name": "battery"},
        {"kind": "adc", "pin": 35},
        {"kind": "rssi"},
        {"kind": "ds18b20", "pin": 5, "name": "water", "timeout_ms": 2000},
    ])
    assert lines == [
        "ok [('kind', 'dht22'), ('name', 'dht'), ('pin', 4), ('timeout_ms', 1000)]",
        "ok [('kind', 'adc'), ('name', 'battery'), ('offset', -0.5), ('pin', 34), ('scale', 0.0001), "
        "('timeout_ms', 1000), ('unit', 'V')]",
        "ok [('kind', 'adc'), ('name', 'adc35'), ('pin', 35), ('timeout_ms', 1000)]",
        "ok [('kind', 'rssi'), ('name', 'rssi'), ('timeout_ms', 1000)]",
        "ok [('kind', 'ds18b20'), ('name', 'water'), ('pin', 5), ('timeout_ms', 2000)]",
    ]


@pytest.mark.parametrize("spec, reason", [
    ("dht22", "a sensor must be an object"),
    ({"kind": "bme280", "pin": 4}, "sensor kind must be one of dht11, dht22, ds18b20, adc, mcu, rssi"),
    ({"kind": "dht22"}, "dht22: pin must be an integer from 0 to 99"),
    ({"kind": "dht22", "pin": "4"}, "dht22: pin must be an integer from 0 to 99"),
    ({"kind": "dht22", "pin": True}, "dht22: pin must be an integer from 0 to 99"),
    ({"kind": "dht22", "pin": 100}, "dht22: pin must be an integer from 0 to 99"),
    ({"kind": "mcu", "pin": 4}, "mcu: takes no pin"),
    ({"kind": "dht22", "pin": 4, "scale": 2}, "dht22: unknown setting 'scale'"),
    ({"kind": "rssi", "colour": "red"}, "rssi: unknown setting 'colour'"),
    ({"kind": "adc", "pin": 34, "scale": "2"}, "adc: scale must be a number"),
    ({"kind": "adc", "pin": 34, "offset": None}, "adc: offset must be a number"),
    ({"kind": "adc", "pin": 34, "unit": "two words"}, "adc: unit must be up to 16 of"),
    ({"kind": "rssi", "name": "Signal"}, "rssi: name must be 1 to 24 of a-z 0-9 _ -"),
    ({"kind": "rssi", "name": "wifi.rssi"}, "rssi: name must be 1 to 24 of a-z 0-9 _ -"),
    ({"kind": "rssi", "timeout_ms": 0}, "rssi: timeout_ms must be an integer from 10 to 60000"),
])
def test_bad_specs_are_refused_with_a_reason(micropython, spec, reason):
    [line] = _check(micropython, [spec])
    assert line.startswith("refused " + reason), line


def test_the_configuration_reports_a_bad_sensor_by_its_place(micropython):
    code = r"""
from nes import config
base = {"user": "bob", "broker": {"host": "h"}, "keyserver": {"url": "http://k", "public_key": "A" * 43 + "="}}
for sensors in ([{"kind": "rssi"}, {"kind": "dht22"}], {"kind": "rssi"}, [{"kind": "rssi"}] * 17, []):
    base["sensor"] = {"sensors": sensors}
    try:
        print("ok", config._check(base, False).sensor_sensors)
    except config.ConfigError as exc:
        print(exc.problems)
"""
    lines = micropython(code).check().stdout.splitlines()
    assert lines == [
        "['sensor.sensors #2: dht22: pin must be an integer from 0 to 99']",
        "['sensor.sensors must be a list of up to 16 sensors']",
        "['sensor.sensors must be a list of up to 16 sensors']",
        "ok []",
    ]


# Stand-ins for the hardware modules: they answer like the real drivers and
# are told, through `script`, to fail.
FAKES = {
    "machine.py": '''
class Pin:
    def __init__(self, id):
        self.id = id
class ADC:
    def __init__(self, pin):
        self.pin = pin
    def read_u16(self):
        return 20000 + self.pin.id
''',
    "dht.py": '''
script = {}  # pin -> exception raised by measure()
class DHT11:
    def __init__(self, pin):
        self.pin = pin.id
    def measure(self):
        if self.pin in script:
            raise script[self.pin]
    def temperature(self):
        return 19
    def humidity(self):
        return 51
class DHT22(DHT11):
    def temperature(self):
        return 21.3
    def humidity(self):
        return 44.6
''',
    "onewire.py": '''
stuck = set()  # pins whose conversion never ends
class OneWire:
    def __init__(self, pin):
        self.pin = pin.id
    def readbit(self):
        return 0 if self.pin in stuck else 1
''',
    "ds18x20.py": '''
class DS18X20:
    def __init__(self, bus):
        self.bus = bus
    def scan(self):
        return [] if self.bus.pin == 13 else [b"rom-1", b"rom-2"]
    def convert_temp(self):
        pass
    def read_temp(self, rom):
        return 11.5 if rom == b"rom-1" else 12.0625
''',
}

DRIVERS = r"""
import dht, json, onewire
from nes.sensors import Sensors
from nes.sensorspec import check
class Board:  # a profile without drivers of its own
    def temperature(self):
        return 40.5
    def rssi(self):
        return -71
dht.script[7] = OSError(110)
onewire.stuck.add(6)
specs = [check(s) for s in json.loads(%r)]
print(Sensors(Board(), specs).read())
"""


def test_the_drivers_read_and_a_failed_sensor_is_reported_and_skipped(micropython, tmp_path):
    for name, text in FAKES.items():
        (tmp_path / name).write_text(text)
    specs = [
        {"kind": "dht22", "pin": 4},
        {"kind": "dht11", "pin": 7},                      # measure() times out
        {"kind": "dht11", "pin": 8, "name": "outside"},
        {"kind": "ds18b20", "pin": 5},                    # two on the bus
        {"kind": "ds18b20", "pin": 6, "name": "tank", "timeout_ms": 50},  # never converts
        {"kind": "ds18b20", "pin": 13, "name": "none"},   # nothing on the bus
        {"kind": "adc", "pin": 34, "scale": 0.0001, "offset": -1, "unit": "V", "name": "battery"},
        {"kind": "mcu"},
        {"kind": "rssi"},
        {"kind": "rssi", "name": "outside-temperature"},
        {"kind": "adc", "pin": 35, "name": "mcu"},        # a name read already
    ]
    out = micropython(DRIVERS % json.dumps(specs), extra_path=[tmp_path]).check().stdout.splitlines()
    assert out[:4] == [
        "sensor: dht11 on pin 7: cannot read: [Errno 110] ETIMEDOUT",
        "sensor: ds18b20 on pin 6: cannot read: timed out",
        "sensor: ds18b20 on pin 13: cannot read: no DS18B20 answers",
        "sensor: adc on pin 35: mcu is read already; skipped",
    ], out
    found = eval(out[-1])
    assert [name for name, _, _ in found] == [
        "dht.temperature", "dht.humidity", "outside.temperature", "outside.humidity",
        "ds18b20", "ds18b20.2", "battery", "mcu", "rssi", "outside-temperature"]
    values = {name: (value, unit) for name, value, unit in found}
    assert values["dht.temperature"] == (21.3, "C") and values["outside.humidity"] == (51, "%")
    assert values["ds18b20.2"] == (12.0625, "C")
    assert values["battery"][1] == "V" and values["battery"][0] == pytest.approx(20034 * 0.0001 - 1)
    assert values["mcu"] == (40.5, "C") and values["rssi"] == (-71, "dBm")


def test_a_virtual_board_posts_its_simulated_sensors_to_the_host(vboard_factory, mosquitto, keyserver,
                                                                 nes_factory):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    listener = alice.listen("--json")
    config = board_config("kitchen", mosquitto, keyserver, recipients=["alice"], interval=1)
    config["sensor"]["sensors"] = [
        {"kind": "dht22", "pin": 4},
        {"kind": "ds18b20", "pin": 45},  # no such pin: never answers
        {"kind": "adc", "pin": 34, "scale": 0.0001, "unit": "V", "name": "soil"},
        {"kind": "mcu"},
        {"kind": "rssi"},
    ]
    board = vboard_factory(config=config, keys=register(keyserver, "kitchen"))
    board.wait_for("nes: running")
    posts = [json.loads(listener.wait_for("stdout", '"from": "kitchen"')) for _ in range(2)]
    for post in posts:
        names = [r["name"] for r in post["readings"]]
        assert names == ["dht.temperature", "dht.humidity", "soil", "mcu", "rssi"], post
        values = {r["name"]: (r["value"], r["unit"]) for r in post["readings"]}
        assert 15 < values["dht.temperature"][0] < 27 and values["dht.temperature"][1] == "C"
        assert 30 < values["dht.humidity"][0] < 60 and values["soil"][1] == "V"
        assert 2 < values["soil"][0] < 4 and values["rssi"][1] == "dBm"
    assert "sensor: ds18b20 on pin 45: cannot read: [Errno 110] ETIMEDOUT" in board.output()
    listener.interrupt()
