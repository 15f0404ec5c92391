"""Several key-server instances on one PostgreSQL database and one server
key, as behind a load balancer: any instance serves any step."""
import contextlib
import os
import subprocess
import sys
import threading
import types
from http.client import HTTPConnection

import pytest
import sqlalchemy

from host_tools.protocol.directory import verify_lookup
from tests.fixtures.keyserver import http
from tests.fixtures.paths import free_port, wait_for_port
from tests.keyserver.util import random_keys, registration

pytestmark = pytest.mark.postgres

JSON = {"Accept": "application/json"}
WORKERS = 2


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


@contextlib.contextmanager
def production_server(database_url, tmp_path):
    """docs/KEYSERVER.md: `nes-keyserver init` once, then gunicorn with several
    workers, configured through the instance file; yields the server (.url,
    .port), whose .output (mails printed on the console) is there after the block."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "keyserver.cfg").write_text(
        "DATABASE_URL = %r\nMAIL_MODE = 'console'\nPUBLIC_URL = 'https://keys.example.org'\n"
        % database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NES_KEYSERVER_")}
    env["NES_KEYSERVER_INSTANCE_PATH"] = str(instance)
    bindir = os.path.dirname(sys.executable)
    subprocess.run([os.path.join(bindir, "nes-keyserver"), "init"], env=env, check=True,
                   capture_output=True)
    server = types.SimpleNamespace(port=free_port(), output=None)
    server.url = "http://127.0.0.1:%d" % server.port
    proc = subprocess.Popen(
        [os.path.join(bindir, "gunicorn"), "--worker-class", "gevent_pywsgi", "--workers", str(WORKERS),
         "--bind", "127.0.0.1:%d" % server.port,
         "keyserver:create_app()"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp_path,
    )
    try:
        wait_for_port(server.port, timeout=30, proc=proc)
        yield server
    finally:
        proc.terminate()
        server.output = proc.communicate(timeout=30)[0]


def test_the_documented_production_command(postgres_cluster, tmp_path):
    with production_server(postgres_cluster.create_database(), tmp_path) as server:
        assert http("GET", server.url + "/healthz").status == 200
        assert http("POST", server.url + "/users", json=registration("alice")).status == 201
        assert http("POST", server.url + "/users", json=registration("alice")).status == 409
    assert "https://keys.example.org/users/alice/" in server.output


def test_a_worker_reads_every_lookup_on_one_database_connection(postgres_cluster, tmp_path):
    """Each client connection is a greenlet of a gevent worker; the lookups of
    all of them share their worker's one reading connection (keyserver/reader.py),
    not a PostgreSQL backend each."""
    url = postgres_cluster.create_database()
    clients = 12
    connected = threading.Barrier(clients + 1)
    counted = threading.Event()
    statuses = []

    def client(i):
        conn = HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            for round_ in range(3):
                conn.request("GET", "/users/nobody%02d" % i)  # kept alive: one greenlet throughout
                reply = conn.getresponse()
                reply.read()
                statuses.append(reply.status)
                if round_ == 0:
                    connected.wait(30)
                    counted.wait(30)  # every connection stays open while the backends are counted
        finally:
            conn.close()

    engine = sqlalchemy.create_engine(url)
    with production_server(url, tmp_path) as server:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        connected.wait(30)
        with engine.connect() as conn:
            readers = conn.execute(sqlalchemy.text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'SELECT status, answer%'")).scalar_one()
        counted.set()
        for thread in threads:
            thread.join(30)
    engine.dispose()
    assert statuses == [404] * (3 * clients)
    assert 1 <= readers <= WORKERS
