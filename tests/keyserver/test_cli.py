"""The nes-keyserver command: init (key file, --force), purge, serve, and
its error reporting (message on stderr, exit status 1)."""
import base64
import os
import stat
import subprocess
import sys

from host_tools.protocol.directory import verify_lookup
from keyserver import cli, config, create_app
from keyserver.store import ACTIVATE, Store
from tests.fixtures.keyserver import http
from tests.fixtures.paths import free_port, wait_for_port
from tests.keyserver.util import registration


def public_key_printed(out):
    line = next(line for line in out.splitlines() if line.startswith("public key: "))
    return base64.b64decode(line.split(": ", 1)[1])


def test_init_creates_a_private_key_file_once(instance, capsys):
    assert cli.main(["init"]) == 0
    key_file = instance / "server.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_bytes()) == 32
    assert (instance / "keyserver.sqlite3").exists()
    first = public_key_printed(capsys.readouterr().out)

    seed = key_file.read_bytes()
    assert cli.main(["init"]) == 1
    captured = capsys.readouterr()
    assert "exists" in captured.err and "--force" in captured.err and captured.out == ""
    assert key_file.read_bytes() == seed

    assert cli.main(["init", "--force"]) == 0
    assert public_key_printed(capsys.readouterr().out) != first
    assert key_file.read_bytes() != seed
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_init_force_re_signs_published_entries(instance, smtp, monkeypatch, capsys):
    monkeypatch.setenv("NES_KEYSERVER_MAIL_HOST", smtp.host)
    monkeypatch.setenv("NES_KEYSERVER_MAIL_PORT", str(smtp.port))
    monkeypatch.setenv("NES_KEYSERVER_PUBLIC_URL", "http://localhost")
    assert cli.main(["init"]) == 0
    app = create_app()
    client = app.test_client()
    assert client.post("/users", json=registration("alice")).status_code == 201
    link = smtp.first_url(smtp.wait_for("alice@example.org"))
    assert client.post(link.split("localhost", 1)[1], headers={"Accept": "application/json"}).status_code == 200
    app.extensions["nes_keyserver"].store.dispose()
    capsys.readouterr()

    assert cli.main(["init", "--force"]) == 0
    out = capsys.readouterr().out
    assert "re-signed 1" in out
    app = create_app()
    answer = app.test_client().get("/users/alice").get_json()
    verify_lookup(answer, "alice", public_key_printed(out))
    app.extensions["nes_keyserver"].store.dispose()


def test_purge_drops_expired_registrations(instance, capsys):
    assert cli.main(["init"]) == 0
    store = Store("sqlite:///%s" % (instance / "keyserver.sqlite3"))
    with store.transaction() as tx:
        tx.insert_pending("old", "old@example.org", "A" * 43 + "=", "B" * 43 + "=", 1000, 2000)
        tx.add_token("a" * 64, "old", ACTIVATE, 2000)
        tx.insert_pending("new", "new@example.org", "A" * 43 + "=", "B" * 43 + "=", 1000, 2**40)
    capsys.readouterr()
    assert cli.main(["purge"]) == 0
    assert capsys.readouterr().out.strip() == "purged 1 expired registration"
    assert store.count_users() == 1
    assert store.tokens_for("old") == [], "a token past its retention period was kept"
    store.dispose()


def test_errors_go_to_stderr_with_status_1(instance, monkeypatch, capsys):
    monkeypatch.setenv("NES_KEYSERVER_MAIL_MODE", "pigeon")
    assert cli.main(["purge"]) == 1
    assert "MAIL_MODE must be one of" in capsys.readouterr().err
    monkeypatch.delenv("NES_KEYSERVER_MAIL_MODE")
    assert cli.main(["serve", "--port", str(free_port())]) == 1
    assert "nes-keyserver init" in capsys.readouterr().err
    monkeypatch.setenv("NES_KEYSERVER_DATABASE_URL", "postgresql://nobody@127.0.0.1:%d/x" % free_port())
    assert cli.main(["purge"]) == 1
    assert "database error" in capsys.readouterr().err


def test_serve_runs_the_console_mail_server(tmp_path):
    folder = tmp_path / "instance"
    exe = os.path.join(os.path.dirname(sys.executable), "nes-keyserver")
    env = {k: v for k, v in os.environ.items() if not k.startswith(config.ENV_PREFIX + "_")}
    env["NES_KEYSERVER_MAIL_MODE"] = "console"
    subprocess.run([exe, "--instance", str(folder), "init"], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen([exe, "--instance", str(folder), "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        wait_for_port(port, proc=proc)
        base = "http://127.0.0.1:%d" % port
        assert http("GET", base + "/healthz").status == 200
        assert http("POST", base + "/users", json=registration("alice")).status == 201
    finally:
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert "To: alice@example.org" in out
    assert "%s/users/alice/" % base in out
