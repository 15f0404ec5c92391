"""Several key-server instances on one PostgreSQL database and one server
key, as behind a load balancer: any instance serves any step."""
import os
import subprocess
import sys

import pytest

from host_tools.protocol.directory import verify_lookup
from tests.fixtures.keyserver import http
from tests.fixtures.paths import free_port, wait_for_port
from tests.keyserver.util import random_keys, registration

pytestmark = pytest.mark.postgres

JSON = {"Accept": "application/json"}


def test_two_instances_share_one_postgresql_store(keyserver_factory, postgres_cluster, tmp_path):
    shared = {"DATABASE_URL": postgres_cluster.create_database(),
              "SERVER_KEY_FILE": str(tmp_path / "server.key")}
    first, second = keyserver_factory(**shared), keyserver_factory(**shared)
    assert first.public_key == second.public_key

    keys = random_keys()
    assert first.register("alice", "alice@example.org", *keys)[0] == 201
    assert second.register("alice", "other@example.org", *random_keys())[0] == 409

    link = first.link("alice").replace(first.url, second.url)
    assert http("POST", link, headers=JSON).status == 200
    for server in (first, second):
        status, answer = server.lookup("alice")
        assert status == 200
        verify_lookup(answer, "alice", server.public_key)

    deactivation = first.link("alice", "deactivation").replace(second.url, first.url)
    assert http("POST", deactivation, headers=JSON).status == 200
    assert second.lookup("alice")[0] == 404


def test_the_documented_production_command(postgres_cluster, tmp_path):
    """docs/KEYSERVER.md: `nes-keyserver init` once, then gunicorn with several
    workers on PostgreSQL, configured through the instance file."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "keyserver.cfg").write_text(
        "DATABASE_URL = %r\nMAIL_MODE = 'console'\nPUBLIC_URL = 'https://keys.example.org'\n"
        % postgres_cluster.create_database())
    env = {k: v for k, v in os.environ.items() if not k.startswith("NES_KEYSERVER_")}
    env["NES_KEYSERVER_INSTANCE_PATH"] = str(instance)
    bindir = os.path.dirname(sys.executable)
    subprocess.run([os.path.join(bindir, "nes-keyserver"), "init"], env=env, check=True,
                   capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [os.path.join(bindir, "gunicorn"), "--workers", "2",
         "--bind", "127.0.0.1:%d" % port,
         "keyserver:create_app()"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
    )
    try:
        wait_for_port(port, timeout=30, proc=proc)
        base = "http://127.0.0.1:%d" % port
        assert http("GET", base + "/healthz").status == 200
        assert http("POST", base + "/users", json=registration("alice")).status == 201
        assert http("POST", base + "/users", json=registration("alice")).status == 409
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    assert "https://keys.example.org/users/alice/" in out
