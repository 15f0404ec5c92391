"""Key server lookups under load, as deployed: gunicorn with 2 workers in
front of `keyserver:create_app()`, on SQLite and on PostgreSQL (a private
cluster, tests/fixtures/postgres.py), for each population of registered users,
alone (the origin) and behind nginx with deploy/nginx/nes-keyserver.conf (the
cache); then the same answer bytes as a static file from nginx, the ceiling."""
import contextlib
import json
import os
import pathlib
import tempfile
import urllib.request

import pytest

from host_tools.protocol import directory
from keyserver import serverkey
from keyserver.store import Store
from tests.fixtures.nginx import render as render_nginx_cache
from tests.fixtures.paths import ROOT, free_port

from . import loadgen, nginx, procs, seed
from .section import Unavailable, tool

WORKERS = 2
_UNLOADED_SECONDS = 2.0
_WARM_SECONDS = 1.0  # an unmeasured run through the cache first: a cache is measured warm


def _gunicorn_env(workdir, url, key_file):
    env = dict(os.environ)
    env.update({
        "NES_KEYSERVER_INSTANCE_PATH": str(workdir / "instance"),
        "NES_KEYSERVER_DATABASE_URL": url,
        "NES_KEYSERVER_SERVER_KEY_FILE": str(key_file),
        "NES_KEYSERVER_MAIL_MODE": "console",
    })
    return env


@contextlib.contextmanager
def gunicorn(workdir, url, key_file):
    port = free_port()
    cmd = [tool("gunicorn"), "-w", str(WORKERS), "-b", "127.0.0.1:%d" % port,
           "keyserver:create_app()"]
    with procs.service(cmd, port, workdir / "gunicorn.log", env=_gunicorn_env(workdir, url, key_file),
                       cwd=str(ROOT)):
        yield "http://127.0.0.1:%d" % port


@contextlib.contextmanager
def nginx_cache(workdir, origin):
    """deploy/nginx/nes-keyserver.conf in front of `origin`; yields its base URL."""
    workdir.mkdir(exist_ok=True)
    port = free_port()
    conf = render_nginx_cache(workdir, port, [origin])
    cmd = [tool("nginx"), "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
    with procs.service(cmd, port, workdir / "nginx.out"):
        yield "http://127.0.0.1:%d" % port


def _load(base, profile, population):
    return {"loaded": loadgen.run(base, profile.http_seconds, profile.http_connections, users=population),
            "unloaded": loadgen.run(base, min(_UNLOADED_SECONDS, profile.http_seconds), 1, users=population)}


def _fetch(url):
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read()


@contextlib.contextmanager
def postgres_url():
    from tests.fixtures.postgres import PostgresCluster

    try:
        cluster = PostgresCluster()
        cluster.start()
    except pytest.fail.Exception as exc:
        raise Unavailable("no private PostgreSQL cluster: %s" % exc.msg.splitlines()[0]) from None
    try:
        yield cluster.url
    finally:
        cluster.stop()


@contextlib.contextmanager
def sqlite_url(workdir):
    yield "sqlite:///%s" % (workdir / "keyserver.sqlite3")


def _measure_store(profile, workdir, url, key, key_path):
    store = Store(url)
    store.create_schema()
    runs, answer, registered = [], None, 0
    try:
        for population in profile.populations:
            seconds = seed.add_users(store, registered, population, key.seed)
            registered = population
            store.dispose()
            with gunicorn(workdir, url, key_path) as base:
                name = seed.username(0)
                answer = _fetch(base + "/users/" + name)
                directory.verify_lookup(json.loads(answer), name, key.public)  # a real, signed answer
                origin = _load(base, profile, population)
                with nginx_cache(workdir / ("nginx-%d" % population), base) as cache:
                    if _fetch(cache + "/users/" + name) != answer:
                        raise RuntimeError("the nginx cache serves other bytes than the key server")
                    loadgen.run(cache, _WARM_SECONDS, profile.http_connections, users=population)
                    cached = _load(cache, profile, population)
            runs.append({"users": population, "seed_seconds": round(seconds, 2), **origin,
                         "cache": cached})
    finally:
        store.dispose()
    return {"runs": runs}, answer


def run(profile):
    result = {"setup": "gunicorn -w %d 'keyserver:create_app()' (sync workers), alone and behind "
                       "nginx with deploy/nginx/nes-keyserver.conf (cache, measured after a %gs warm-up run), wrk -t1 -c%d -d%gs, "
                       "random names among the registered users" % (
                           WORKERS, _WARM_SECONDS, profile.http_connections, profile.http_seconds),
              "signed_rows": seed.SIGNED, "stores": {}}
    answer = None
    with tempfile.TemporaryDirectory(prefix="nes-bench-ks-") as tmp:
        tmp = pathlib.Path(tmp)
        key_path = tmp / "server.key"
        key = serverkey.create(str(key_path))
        for name, urls in (("sqlite", lambda d: sqlite_url(d)), ("postgresql", lambda d: postgres_url())):
            workdir = tmp / name
            workdir.mkdir()
            try:
                with urls(workdir) as url:
                    result["stores"][name], body = _measure_store(profile, workdir, url, key, key_path)
                    answer = answer or body
            except Unavailable as exc:
                result["stores"][name] = {"available": False, "reason": str(exc)}
        if answer is None:
            result["nginx"] = {"available": False, "reason": "no store answered, so no bytes to serve"}
            return result
        path = "/users/" + seed.username(0)
        try:
            with nginx.static_file(tmp / "nginx", path, answer, workers=WORKERS) as base:
                if _fetch(base + path) != answer:
                    raise RuntimeError("nginx serves other bytes than the key server")
                result["nginx"] = {
                    "bytes": len(answer),
                    "loaded": loadgen.run(base, profile.http_seconds, profile.http_connections, path=path),
                    "unloaded": loadgen.run(base, min(_UNLOADED_SECONDS, profile.http_seconds), 1, path=path),
                }
        except Unavailable as exc:
            result["nginx"] = {"available": False, "reason": str(exc)}
    return result
