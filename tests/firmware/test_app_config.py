"""The configuration on the board's flash (/nesdata/config.json) is checked
at start: every bad or missing key gets a line of its own, values are never
echoed, and a board that cannot start says so and leaves a usable REPL."""
import json
import re

from tests.fixtures.vboard import board_config, register


def test_every_problem_gets_its_own_line_and_no_value_is_echoed(vboard_factory):
    config = {
        "user": "Not A Name!",
        "brokr": {},
        "broker": {"port": 70000, "password": 12, "colour": "red"},
        "keyserver": {"url": "ftp://keys.example", "public_key": "c2VjcmV0LXZhbHVl"},
        "sensor": {"recipients": ["bob", 7], "interval": -5},
    }
    board = vboard_factory(config=config)
    out = board.wait_for("nes: not started", fail_on=())
    for line in (
        "config: unknown key 'brokr'",
        "config: unknown key 'broker.colour'",
        "config: user must be a username",
        "config: broker.host is missing",
        "config: broker.port must be an integer from 1 to 65535",
        "config: broker.password must be a string or null",
        "config: keyserver.url must be an http:// or https:// URL",
        "config: keyserver.public_key must be the key server's public key",
        "config: sensor.recipients must list usernames only",
        "config: sensor.interval must be an integer from 0 to 604800",
        "config: fix /nesdata/config.json, then reset the board",
    ):
        assert line in out, line
    assert "secret-value" not in out and "c2VjcmV0LXZhbHVl" not in out and "red" not in out
    # the board is at its REPL with memory to spare: provisioning can go on
    assert "ok" in board.exec("import gc; gc.collect(); print('ok' if gc.mem_free() > 40000 else gc.mem_free())")


def test_missing_config_and_missing_keys_are_reported(vboard_factory, mosquitto, keyserver):
    bare = vboard_factory()
    assert "config: /nesdata/config.json does not exist" in bare.wait_for("nes: not started", fail_on=())
    broken = vboard_factory(files={"nesdata/config.json": "{not json"})
    assert "config: /nesdata/config.json is not valid JSON" in broken.wait_for("nes: not started", fail_on=())
    keyless = vboard_factory(config=board_config("bob", mosquitto, keyserver))
    assert "this board has no keys: run `nes provision`" in keyless.wait_for("nes: not started", fail_on=())


def test_a_good_config_with_defaults_starts(vboard_factory, mosquitto, keyserver):
    config = {"user": "Bob", "broker": {"host": mosquitto.host, "port": mosquitto.port},
              "keyserver": {"url": keyserver.url + "/", "public_key": keyserver.public_key_b64}}
    board = vboard_factory(config=config, keys=register(keyserver, "bob"))
    out = board.wait_for("nes: running")
    assert "subscribed to nes/bob/message" in out
    # no broker.client_id: a random one is made and stored, once; nothing else is rewritten
    stored = json.loads((board.dir / "nesdata" / "config.json").read_text())
    client_id = stored["broker"].pop("client_id")
    assert stored == config and re.fullmatch("[0-9a-f]{20}", client_id)
    board.stop()
    mark = board.mark()
    board.start()
    board.wait_for("nes: running", after=mark)
    assert json.loads((board.dir / "nesdata" / "config.json").read_text())["broker"]["client_id"] == client_id
    # what the broker saw: that id, twice, and never the user's name
    seen = re.findall(r"New client connected from \S+ as (\S+)", mosquitto.log.read_text())
    assert seen == [client_id, client_id]


def test_config_checks_under_the_unix_port(micropython):
    """The checks one by one (no board needed): defaults, lower-casing, Wi-Fi
    required only where the board reaches the broker over Wi-Fi."""
    code = r"""
from nes import config
base = {"user": "Alice", "broker": {"host": "h"},
        "keyserver": {"url": "http://k:5000/", "public_key": "A" * 43 + "="}}
c = config._check(base, False)
print(c.user, c.broker_port, c.broker_keepalive, c.broker_client_id, c.keyserver_url,
      c.sensor_recipients, c.sensor_interval, c.wifi_ssid, c.power_sleep_s)
try:
    config._check(base, True)
except config.ConfigError as e:
    print(e.problems)
base["wifi"] = {"ssid": "home", "password": "pw", "country": "GB"}
print(config._check(base, True).wifi_ssid)
base["broker"]["keepalive"] = 1
try:
    config._check(base, True)
except config.ConfigError as e:
    print(e.problems)
base["broker"]["keepalive"] = 60
base["power"] = {"sleep_s": 300}
print(config._check(base, True).power_sleep_s)
for bad in (-1, 604801, "300", True, None):
    base["power"] = {"sleep_s": bad}
    try:
        config._check(base, True)
    except config.ConfigError as e:
        print(e.problems)
"""
    out = micropython(code).check().stdout.splitlines()
    assert out[0] == "alice 1883 60 None http://k:5000 [] 0 None 0"
    assert out[1] == "['wifi.ssid is missing (this board reaches the broker over Wi-Fi)']"
    assert out[2] == "home"
    assert out[3] == "['broker.keepalive must be an integer from 5 to 3600']"
    assert out[4] == "300"  # power.sleep_s: the duty cycle (nes/duty.py); 0, the default, is always on
    assert out[5:] == ["['power.sleep_s must be an integer from 0 to 604800']"] * 5


def test_a_witness_key_is_checked_and_parsed_under_the_unix_port(micropython):
    """keyserver.witness (set by `nes provision` from LOG_WITNESS_KEY): a C2SP
    witness verifier key, its key ID checked; null or absent: none."""
    from host_tools.protocol import tlog

    public = bytes(range(32))
    vkey = tlog.verifier_key("witness.example", public, tlog.COSIGNATURE_TYPE)
    code = r"""
from nes import config
from nes.crypto import b64
base = {"user": "alice", "broker": {"host": "h"}, "keyserver": {"url": "http://k", "public_key": "A" * 43 + "="}}
print(config._check(base, False).keyserver_witness)
for witness in (%r, None, %r, %r, 7):
    base["keyserver"]["witness"] = witness
    try:
        w = config._check(base, False).keyserver_witness
        print(w and (w[0], b64.encode_str(w[1]), b64.encode_str(w[2])))
    except config.ConfigError as e:
        print(e.problems)
"""
    name, kid, key = vkey.split("+")
    code %= (vkey, "+".join((name, "00000000", key)), tlog.verifier_key("witness.example", public))
    out = micropython(code).check().stdout.splitlines()
    assert out[:3] == ["None", str((name.encode(), tlog.base64.b64encode(bytes.fromhex(kid)).decode(),
                                   tlog.base64.b64encode(public).decode())), "None"]
    problem = "['keyserver.witness must be a witness verifier key (<name>+<key ID>+<key>) or null']"
    assert out[3:] == [problem] * 3  # a wrong key ID, a log (not a witness) key, not a string
