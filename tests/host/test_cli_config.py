"""Settings: flag > environment > config file > default for every setting,
`nes config` showing and writing the original's `KEY = value` file, the
explicit trust step for the key server's key, `nes version` and the help."""
import base64
import hashlib
import json
import stat

import pytest

import host_tools
from host_tools.settings import SETTINGS
from tests.fixtures.paths import free_port

KEY_B64 = base64.b64encode(bytes(range(32))).decode()

# key: (config-file value, environment value, flag, flag value); the expected
# effective values are computed in the test (paths resolve differently).
SAMPLES = {
    "MQTT_BROKER_ADDRESS": ("tcp://file.example:1883", "ssl://env.example:8883", "-b", "tcp://flag.example:1884"),
    "PUBKEY_ADDRESS": ("http://file.example", "https://env.example", "-p", "http://flag.example:5000"),
    "PUBKEY_PUBLIC_KEY_FILE": ("server.pub", "/etc/env-server.pub", "-P", KEY_B64),
    "PRIVATE_KEY_MESSAGE_FILE": ("keys/m", "/keys/env-m", "-k", "flag-m"),
    "PUBLIC_KEY_MESSAGE_FILE": ("keys/m.pub", "/keys/env-m.pub", "-K", "flag-m.pub"),
    "PRIVATE_KEY_SIGN_FILE": ("keys/s", "/keys/env-s", "-j", "flag-s"),
    "PUBLIC_KEY_SIGN_FILE": ("keys/s.pub", "/keys/env-s.pub", "-J", "flag-s.pub"),
    "NES_USERNAME": ("fileuser", "envuser", "-u", "flaguser"),
    "MQTT_CA_FILE": ("ca.pem", "/etc/env-ca.pem", "--ca-file", "flag-ca.pem"),
}
DEFAULTS = {
    "MQTT_BROKER_ADDRESS": "tcp://test.mosquitto.org:1883",
    "PUBKEY_ADDRESS": "http://127.0.0.1:5000",
    "PUBKEY_PUBLIC_KEY_FILE": "",
    "PRIVATE_KEY_MESSAGE_FILE": "{nes}/tester-x25519-message",
    "PUBLIC_KEY_MESSAGE_FILE": "{nes}/tester-x25519-message.pub",
    "PRIVATE_KEY_SIGN_FILE": "{nes}/tester-ed25519-sign",
    "PUBLIC_KEY_SIGN_FILE": "{nes}/tester-ed25519-sign.pub",
    "NES_USERNAME": "tester",
    "MQTT_CA_FILE": "",
}
OS_USER = {"LOGNAME": "Tester", "USER": "Tester"}


def test_every_setting_has_a_sample():
    assert set(SAMPLES) == {s.key for s in SETTINGS} == set(DEFAULTS)


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_flag_beats_environment_beats_config_file_beats_default(nes, key):
    file_value, env_value, flag, flag_value = SAMPLES[key]
    env_name = "NES_" + key if not key.startswith("NES_") else key
    is_path = key.endswith("_FILE")

    default = nes.run("config", key, env=OS_USER).ok().stdout.strip()
    assert default == DEFAULTS[key].format(nes=nes.nes_dir)

    nes.nes_dir.mkdir()
    (nes.nes_dir / "config").write_text("# mine\n%s = %s\n" % (key, file_value))
    from_file = nes.run("config", key, env=OS_USER).ok().stdout.strip()
    assert from_file == (str(nes.nes_dir / file_value) if is_path else file_value)

    from_env = nes.run("config", key, env={**OS_USER, env_name: env_value}).ok().stdout.strip()
    assert from_env == env_value

    from_flag = nes.run(flag, flag_value, "config", key, env={**OS_USER, env_name: env_value}).ok()
    expected = flag_value
    if is_path and flag_value != KEY_B64:
        expected = str(nes.home / flag_value)  # relative flags are relative to the working directory
    assert from_flag.stdout.strip() == expected
    # the flag may also follow the command name
    assert nes.run("config", key, flag, flag_value, env={**OS_USER, env_name: env_value}).ok().stdout.strip() \
        == expected


def test_key_file_defaults_follow_the_user_lower_cased(nes):
    out = nes.run("--user", "BoB", "config", "PRIVATE_KEY_SIGN_FILE").ok().stdout.strip()
    assert out == str(nes.nes_dir / "bob-ed25519-sign")
    assert nes.run("config", "NES_USERNAME", env={"LOGNAME": "MixedCase"}).ok().stdout.strip() == "mixedcase"


def test_config_file_location_flag_beats_environment_beats_default(nes):
    for directory, value in (("flagdir", "flag"), ("envdir", "env")):
        (nes.home / directory).mkdir()
        (nes.home / directory / "cfg").write_text("NES_USERNAME = %suser\n" % value)
    nes.nes_dir.mkdir()
    (nes.nes_dir / "config").write_text("NES_USERNAME = homeuser\n")
    assert nes.run("config", "NES_USERNAME").ok().stdout.strip() == "homeuser"
    env = {"NES_CONFIG": str(nes.home / "envdir" / "cfg")}
    assert nes.run("config", "NES_USERNAME", env=env).ok().stdout.strip() == "envuser"
    assert nes.run("-c", "flagdir/cfg", "config", "NES_USERNAME", env=env).ok().stdout.strip() == "flaguser"
    # the config file's directory holds the default key files
    assert nes.run("--config", "flagdir/cfg", "config", "PUBLIC_KEY_SIGN_FILE").ok().stdout.strip() \
        == str(nes.home / "flagdir" / "flaguser-ed25519-sign.pub")


def test_config_sets_values_in_place_and_keeps_the_rest(nes):
    nes.nes_dir.mkdir()
    config = nes.nes_dir / "config"
    config.write_text("# my settings\nPUBKEY_ADDRESS = http://keys.example\n\n"
                      "MQTT_BROKER_ADDRESS = tcp://old.example:1883\n")
    out = nes.run("config", "mqtt_broker_address", "ssl://new.example:8883").ok().stdout
    assert "MQTT_BROKER_ADDRESS = ssl://new.example:8883" in out
    assert config.read_text() == ("# my settings\nPUBKEY_ADDRESS = http://keys.example\n\n"
                                  "MQTT_BROKER_ADDRESS = ssl://new.example:8883\n")
    nes.run("config", "NES_USERNAME", "Carol").ok()
    assert config.read_text().endswith("NES_USERNAME = carol\n")
    nes.run("config", "PRIVATE_KEY_MESSAGE_FILE", "relative/key").ok()
    assert "PRIVATE_KEY_MESSAGE_FILE = %s\n" % (nes.home / "relative" / "key") in config.read_text()
    nes.run("config", "--unset", "PUBKEY_ADDRESS").ok()
    assert "PUBKEY_ADDRESS" not in config.read_text() and "# my settings" in config.read_text()
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_config_lists_every_value_with_its_source(nes):
    nes.run("config", "PUBKEY_ADDRESS", "http://keys.example").ok()
    out = nes.run("-b", "tcp://flag.example", "config", env={"NES_USERNAME": "envuser"}).ok().stdout
    lines = {line.split(" = ")[0]: line for line in out.splitlines() if " = " in line}
    assert set(lines) == set(SAMPLES)
    assert "tcp://flag.example  (flag --broker)" in lines["MQTT_BROKER_ADDRESS"]
    assert "http://keys.example  (config %s)" % (nes.nes_dir / "config") in lines["PUBKEY_ADDRESS"]
    assert "envuser  (environment NES_USERNAME)" in lines["NES_USERNAME"]
    assert "(not set)" in lines["PUBKEY_PUBLIC_KEY_FILE"]
    assert "(default)" in lines["PRIVATE_KEY_SIGN_FILE"]
    assert "config file: %s" % (nes.nes_dir / "config") in out


def test_config_says_when_the_environment_overrides_what_it_wrote(nes):
    out = nes.run("config", "NES_USERNAME", "dave", env={"NES_USERNAME": "erin"}).ok().stdout
    assert "environment NES_USERNAME overrides the config file" in out


@pytest.mark.parametrize("args, message", [
    (("MQTT_BROKER_ADDRESS", "http://broker.example"), "must look like tcp://HOST:PORT"),
    (("MQTT_BROKER_ADDRESS", "tcp://:1883"), "must look like tcp://HOST:PORT"),
    (("PUBKEY_ADDRESS", "ftp://keys.example"), "http:// or https://"),
    (("NES_USERNAME", "no spaces"), "not a valid username"),
    (("NES_USERNAME", "ab"), "not a valid username"),
    (("PUBKEY_PUBLIC_KEY_FILE", "missing.pub"), "no key-server public key at"),
    (("NO_SUCH_SETTING", "x"), "unknown setting"),
    (("--unset", "NO_SUCH_SETTING"), "unknown setting"),
    (("--trust",), "--trust goes with --fetch-provider-key"),
    (("--json",), "--json goes with --fetch-provider-key"),
])
def test_config_refuses_bad_values_in_one_line(nes, args, message):
    assert message in nes.run("config", *args).failed()
    assert not (nes.nes_dir / "config").exists()


def test_a_bad_config_line_is_reported_and_skipped(nes):
    nes.nes_dir.mkdir()
    (nes.nes_dir / "config").write_text("garbage line\nFOO = bar\nNES_USERNAME = 'quoted'\n")
    result = nes.run("config", "NES_USERNAME").ok()
    assert result.stdout.strip() == "quoted"
    assert "line 1: ignored" in result.stderr and "line 2: ignored" in result.stderr


def test_a_bad_provider_key_file_is_a_clear_error(nes, tmp_path):
    bad = tmp_path / "bad.pub"
    bad.write_text("not base64 at all\n")
    assert "does not hold a key-server public key" in nes.run("-P", bad, "keys", "--accept", "bob").failed()
    assert "no key-server public key is configured" in nes.run("keys", "--accept", "bob").failed()


def fingerprint(key_b64):
    digest = hashlib.sha256(base64.b64decode(key_b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def test_fetching_the_provider_key_needs_an_explicit_trust_step(nes, keyserver):
    shown = nes.run("-p", keyserver.url, "config", "--fetch-provider-key").ok().stdout
    assert keyserver.public_key_b64 in shown and fingerprint(keyserver.public_key_b64) in shown
    assert "Not saved" in shown
    assert not (nes.nes_dir / "config").exists()

    refused = nes.run("-p", keyserver.url, "config", "--fetch-provider-key", "--trust", "SHA256:wrong")
    assert "nothing saved" in refused.failed()
    assert not (nes.nes_dir / "config").exists()

    nes.run("-p", keyserver.url, "config", "--fetch-provider-key", "--trust",
            fingerprint(keyserver.public_key_b64)).ok()
    assert nes.run("config", "PUBKEY_ADDRESS").ok().stdout.strip() == keyserver.url
    pinned = nes.run("config", "PUBKEY_PUBLIC_KEY_FILE").ok().stdout.strip()
    assert open(pinned).read().strip() == keyserver.public_key_b64
    # the pinned key is used: a signed lookup now verifies
    keyserver.register_and_activate("bob")
    assert "pinned signing key" in nes.run("keys", "--accept", "bob").ok().stdout


def test_fetching_the_provider_key_as_json_gives_one_object(nes, keyserver):
    expected = {"key_server": keyserver.url, "public_key": keyserver.public_key_b64,
                "fingerprint": fingerprint(keyserver.public_key_b64)}
    shown = json.loads(nes.run("-p", keyserver.url, "config", "--fetch-provider-key", "--json").ok().stdout)
    assert shown == {**expected, "key_file": None}
    assert not (nes.nes_dir / "config").exists()

    assert "nothing saved" in nes.run("-p", keyserver.url, "config", "--fetch-provider-key", "--json",
                                      "--trust", "SHA256:wrong").failed()
    assert not (nes.nes_dir / "config").exists()

    trusted = nes.run("-p", keyserver.url, "config", "--fetch-provider-key", "--json",
                      "--trust", shown["fingerprint"]).ok()
    pinned = json.loads(trusted.stdout)  # stdout is the object alone
    assert pinned == {**expected, "key_file": str(nes.nes_dir / "keyserver.pub")}
    assert "PUBKEY_PUBLIC_KEY_FILE = %s" % pinned["key_file"] in trusted.stderr
    # the key in the same encoding the pinned file and the config hold
    assert open(pinned["key_file"]).read().strip() == shown["public_key"]
    assert nes.run("config", "PUBKEY_PUBLIC_KEY_FILE").ok().stdout.strip() == pinned["key_file"]
    assert nes.run("config", "PUBKEY_ADDRESS").ok().stdout.strip() == keyserver.url


def test_fetching_from_an_unreachable_provider_is_one_line(nes):
    url = "http://127.0.0.1:%d" % free_port()
    assert "cannot reach the key server" in nes.run("-p", url, "config", "--fetch-provider-key").failed()


def test_version_names_the_package_and_the_protocol(nes):
    assert nes.run("version").ok().stdout == "nes %s (protocol nes/1)\n" % host_tools.__version__


def test_help_lists_the_original_commands_and_flags(nes):
    out = nes.run("--help").ok().stdout
    for command in ("register", "listen", "send", "config", "generate", "chat", "version", "keys",
                    "provision", "flash", "vboard"):
        assert command in out
    for flag in ("--broker", "--provider", "--provider_key", "--private_message", "--public_message",
                 "--private_sign", "--public_sign", "--user", "--config"):
        assert flag in out
    assert "usage: nes send" in nes.run("send", "--help").ok().stdout
    usage = nes.run()
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_a_filesystem_error_is_one_line(nes, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    message = nes.run("-c", blocker / "config", "-u", "alice", "generate").failed()
    assert "Not a directory" in message and str(blocker) in message
