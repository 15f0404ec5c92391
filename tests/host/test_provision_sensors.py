"""`nes provision --sensor`: the spec strings parsed into the board's
sensor.sensors list (host_tools/board/sensors.py) and written to a virtual
board (kept when not given again); a bad spec is one error line."""
import json

import pytest

from host_tools.board.sensors import parse_spec, parse_specs
from host_tools.errors import CommandError
from tests.host.test_provision import host, provision  # noqa: F401 (host is a fixture)


def test_specs_parse_into_the_config_form():
    assert parse_spec("dht22:pin=4") == {"kind": "dht22", "pin": 4}
    assert parse_spec("ADC:pin=34,scale=0.0000503,offset=-0.1,unit=V,name=battery") == {
        "kind": "adc", "pin": 34, "scale": 0.0000503, "offset": -0.1, "unit": "V", "name": "battery"}
    assert parse_spec("rssi") == {"kind": "rssi"}
    assert parse_spec("ds18b20:pin=5,timeout_ms=2000") == {"kind": "ds18b20", "pin": 5, "timeout_ms": 2000}
    assert parse_specs(None) is None and parse_specs([]) is None
    assert parse_specs(["none"]) == []
    assert parse_specs(["mcu", "rssi"]) == [{"kind": "mcu"}, {"kind": "rssi"}]


@pytest.mark.parametrize("text, error", [
    ("bme280:pin=4", "the kind must be one of dht11, dht22, ds18b20, adc, mcu, rssi"),
    ("dht22:pin", "write KIND:KEY=VALUE"),
    ("dht22:pin=4,pin=5", "each key once"),
    ("dht22:=4", "write KIND:KEY=VALUE"),
    ("dht22:pin=four", "pin='four' is not an integer"),
    ("dht22:pin=4.5", "pin='4.5' is not an integer"),
    ("adc:pin=34,scale=x", "scale='x' is not a number"),
    ("adc:pin=34,scale=nan", "scale='nan' is not a number"),
    ("dht22:pin=4,colour=red", "unknown setting 'colour'"),
])
def test_malformed_specs_are_refused(text, error):
    with pytest.raises(CommandError, match=error.replace("(", r"\(")):
        parse_spec(text)


def test_provision_writes_the_sensors_and_keeps_them(host, vboard_factory):
    board = vboard_factory(install=False)
    provision(host, board, "--post-to", "alice", "--interval", "1",
              "--sensor", "dht22:pin=4", "--sensor", "adc:pin=34,scale=0.0001,unit=V,name=soil").ok()
    config = board.dir / "nesdata" / "config.json"
    assert json.loads(config.read_text())["sensor"]["sensors"] == [
        {"kind": "dht22", "pin": 4}, {"kind": "adc", "pin": 34, "scale": 0.0001, "unit": "V", "name": "soil"}]
    provision(host, board).ok()  # kept when not given
    assert len(json.loads(config.read_text())["sensor"]["sensors"]) == 2
    assert "kind must be one of" in provision(host, board, "--sensor", "bme280:pin=4").failed()
    provision(host, board, "--sensor", "none").ok()
    assert json.loads(config.read_text())["sensor"]["sensors"] == []
