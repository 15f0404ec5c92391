"""Key server lookups under load, as deployed: gunicorn (one gevent worker
per core: keep-alive connections, a greenlet each) in front of
`keyserver:create_app()`, on SQLite and on PostgreSQL (a private cluster,
tests/fixtures/postgres.py), for each population of registered users, alone
(the origin, with its CPU time per lookup) and behind nginx with
deploy/nginx/nes-keyserver.conf (the cache, with its miss rate); then the
same answer bytes as a static file from nginx, the ceiling.

Workload: up to HOT users, every lookup asks for a random registered name.
Above that, a fleet: its boards look up the names they talk to, HOT names
spread over the directory, and a COLD share of lookups asks for any name
(first contacts). The cache is measured once warm-up passes over the hot
names left every one cached. The seeded databases (users, stored answers and their transparency
log) are kept in ~/.cache/nes-bench/ for a few hours, keyed by the code that
makes them, and PostgreSQL is loaded from the seeded SQLite file by COPY."""
import contextlib
import hashlib
import json
import os
import pathlib
import shutil
import signal
import sqlite3
import tempfile
import time
import urllib.request

import pytest
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.schema import CreateTable

from host_tools.protocol import directory
from keyserver import serverkey
from keyserver.store import Store, metadata
from tests.fixtures.nginx import render as render_nginx_cache
from tests.fixtures.paths import ROOT, free_port

from . import gunicorn_ready, loadgen, nginx, procs, seed
from .section import Unavailable, tool

WORKERS = 2  # one per core: the GIL lets one thread of a worker run at a time
WORKER_CLASS = "gevent_pywsgi"  # as docs/KEYSERVER.md deploys it: keep-alive, a greenlet per connection
HOT = 10_000
COLD = 0.01
_UNLOADED_SECONDS = 2.0
_ORIGIN_WARM_SECONDS = 1
_WARM_RATE = 2000  # lookups/s a warm-up pass is given time for (at least 1 s)
_WARM_LIMIT = 120
# Outside the checkout: worktrees and `make clean` share it (the version tells them apart).
CACHE = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "nes-bench" / "keyserver"
_CACHE_SECONDS = 6 * 3600  # well inside half the answers' validity: no lookup re-signs
# The code whose change makes a seeded database another one (with the tables' DDL).
_SEED_SOURCES = ("bench/seed.py", "keyserver/tlog/*.py", "host_tools/protocol/directory.py",
                 "host_tools/protocol/tlog.py")


def workload(population):
    """wrk.lua's settings for a population (see the module doc)."""
    return {} if population <= HOT else {"HOT": HOT, "COLD": COLD}


def describe():
    return ("up to %s users, each lookup a random registered name; above, a fleet whose boards look up "
            "the names they talk to: a random one of %s names spread over the directory, and in %g%% of "
            "lookups any registered name (first contacts)" % (f"{HOT:,}", f"{HOT:,}", COLD * 100))


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
    """Yields the base URL."""
    with gunicorn_process(workdir, url, key_file) as (base, _):
        yield base


@contextlib.contextmanager
def gunicorn_process(workdir, url, key_file):
    """Yields (base URL, the master's process, which leads its workers' group)
    once every worker has loaded the app."""
    port = free_port()
    cmd = [tool("gunicorn"), "-k", WORKER_CLASS, "-w", str(WORKERS), "-b", "127.0.0.1:%d" % port,
           "-c", str(pathlib.Path(gunicorn_ready.__file__)), "keyserver:create_app()"]
    log = workdir / "gunicorn.log"
    start = log.stat().st_size if log.exists() else 0
    # SIGQUIT: gunicorn's quick shutdown, after the measurements. Its graceful
    # one (SIGTERM) waits out a gevent worker's 1 s loop for nothing.
    with procs.service(cmd, port, log, env=_gunicorn_env(workdir, url, key_file), cwd=str(ROOT),
                       stop_signal=signal.SIGQUIT) as proc:
        _wait_ready(log, start, proc)
        yield "http://127.0.0.1:%d" % port, proc


def _wait_ready(log, start, proc, timeout=60):
    """Until WORKERS workers logged gunicorn_ready.READY after byte `start` of the log."""
    deadline = time.monotonic() + timeout
    while True:
        with open(log, "rb") as f:
            f.seek(start)
            ready = f.read().decode("utf-8", "replace").count(gunicorn_ready.READY)
        if ready >= WORKERS:
            return
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("gunicorn: %d of %d workers loaded the app (see %s)" % (ready, WORKERS, log))
        time.sleep(0.05)


@contextlib.contextmanager
def nginx_cache(workdir, origin):
    """deploy/nginx/nes-keyserver.conf in front of `origin`; yields its base URL."""
    workdir.mkdir(exist_ok=True)
    port = free_port()
    conf = render_nginx_cache(workdir, port, [origin])
    cmd = [tool("nginx"), "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
    with procs.service(cmd, port, workdir / "nginx.out"):
        yield "http://127.0.0.1:%d" % port


def group_cpu_seconds(pgid):
    """User + system CPU seconds of the live processes of a process group."""
    ticks = 0
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[2]) == pgid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def cached_answers(folder):
    """How many answers an nginx cache folder holds."""
    return sum(len(files) for _, _, files in os.walk(folder))


def _load(base, profile, population, pgid=None, cache_folder=None):
    """The loaded and unloaded runs; the loaded one with the CPU time per
    lookup of the process group `pgid` (the origin, after a warm-up run), or with the `misses` of
    the nginx cache whose folder is `cache_folder`: the answers it fetched
    from the origin during the run (the max-age outlasts the run, so each
    fetch is a name's first and leaves one new file)."""
    mix = workload(population)
    if pgid:  # every worker's first lookups (its reading connection, lazy imports) before the measured run
        loadgen.run(base, _ORIGIN_WARM_SECONDS, profile.http_connections, users=population, workload=mix)
    cpu = group_cpu_seconds(pgid) if pgid else None
    held = cached_answers(cache_folder) if cache_folder else None
    loaded = loadgen.run(base, profile.http_seconds, profile.http_connections, users=population, workload=mix)
    if pgid:
        loaded["cpu_us_per_request"] = (group_cpu_seconds(pgid) - cpu) / max(1, loaded["requests"]) * 1e6
    if cache_folder:
        loaded["misses"] = cached_answers(cache_folder) - held
    return {"loaded": loaded,
            "unloaded": loadgen.run(base, min(_UNLOADED_SECONDS, profile.http_seconds), 1,
                                    users=population, workload=mix)}


def _warm(base, profile, population, cache_folder):
    """Passes over the names the runs ask for until the cache holds every one
    (or _WARM_LIMIT seconds went by); (seconds, names cached)."""
    names = min(population, workload(population).get("HOT", population))
    started = time.monotonic()
    while True:
        missing = names - cached_answers(cache_folder)
        if missing <= 0 or time.monotonic() - started > _WARM_LIMIT:
            return time.monotonic() - started, names - max(0, missing)
        loadgen.run(base, max(1, -(-missing // _WARM_RATE)), profile.http_connections, users=population,
                    workload=dict(workload(population), WARM=1))


def _fetch(url):
    with urllib.request.urlopen(url, timeout=30) as resp:
        return resp.read()


def _version():
    digest = hashlib.sha256()
    for table in metadata.sorted_tables:
        digest.update(str(CreateTable(table).compile(dialect=sqlite_dialect())).encode())
    for pattern in _SEED_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _fresh(folder):
    try:
        meta = json.loads((folder / "seeded.json").read_text())
    except (OSError, ValueError):
        return False
    return 0 <= time.time() - meta["created"] < _CACHE_SECONDS


def seeded(population):
    """The cached folder of a SQLite directory of `population` users
    (keyserver.sqlite3, its server.key, seeded.json: when and how long it
    took to build) and whether it was there already. Folders too old to use go."""
    version = _version()
    CACHE.mkdir(parents=True, exist_ok=True)
    for folder in CACHE.iterdir():
        building = folder.name.startswith(".")  # another run's, or a killed one's
        if (time.time() - folder.stat().st_mtime > _CACHE_SECONDS) if building else not _fresh(folder):
            shutil.rmtree(folder, ignore_errors=True)
    target = CACHE / ("%s-%d" % (version, population))
    if target.is_dir():
        return target, True
    build = pathlib.Path(tempfile.mkdtemp(prefix=".build-", dir=CACHE))
    try:
        created = time.time()
        key = serverkey.create(str(build / "server.key"))
        store = Store("sqlite:///%s" % (build / "keyserver.sqlite3"), seed.BULK_PRAGMAS)
        try:
            store.create_schema()
            seconds = seed.add_users(store, 0, population, key.seed)
        finally:
            store.dispose()
        (build / "seeded.json").write_text(json.dumps({"version": version, "users": population,
                                                       "created": created, "seconds": seconds}))
        os.replace(build, target)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return target, False


_KEYS_SQL = ("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
             "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')")


def _copy_table(cur, source, table):
    """COPY one table's rows in, its keys and indexes dropped meanwhile and
    built again after (one sort each, not a million inserts into a B-tree);
    the rows written frozen (FREEZE, after a TRUNCATE in this transaction), so
    no vacuum rewrites the pages later, during the measurements."""
    cur.execute("TRUNCATE %s" % table)
    cur.execute(_KEYS_SQL, (table,))
    keys = cur.fetchall()
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", (table,))
    indexes = [(name, sql) for name, sql in cur.fetchall() if name not in {k for k, _ in keys}]
    for name, _ in indexes:
        cur.execute('DROP INDEX "%s"' % name)
    for name, _ in keys:
        cur.execute('ALTER TABLE %s DROP CONSTRAINT "%s"' % (table, name))
    columns = ", ".join('"%s"' % c.name for c in metadata.tables[table].columns)
    with cur.copy("COPY %s (%s) FROM STDIN WITH (FREEZE)" % (table, columns)) as copy:
        for row in source.execute("SELECT %s FROM %s" % (columns, table)):
            copy.write_row(row)
    for name, definition in keys:
        cur.execute('ALTER TABLE %s ADD CONSTRAINT "%s" %s' % (table, name, definition))
    for _, sql in indexes:
        cur.execute(sql)


def copy_tables(sqlite_path, url):
    """Every table of the directory (users, answers, transparency log) from
    a SQLite file into the empty database at `url`, by COPY."""
    store = Store(url)
    store.create_schema()
    source = sqlite3.connect(sqlite_path)
    raw = store.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '256MB'")
            for table in metadata.sorted_tables:
                _copy_table(cur, source, table.name)
        raw.commit()
        raw.driver_connection.autocommit = True
        with raw.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # the visibility map and statistics, before the runs
    finally:
        raw.close()
        source.close()
        store.dispose()


@contextlib.contextmanager
def postgres_cluster():
    from tests.fixtures.postgres import PostgresCluster

    try:
        cluster = PostgresCluster()
        cluster.start()
    except pytest.fail.Exception as exc:
        raise Unavailable("no private PostgreSQL cluster: %s" % exc.msg.splitlines()[0]) from None
    try:
        yield cluster
    finally:
        cluster.stop()


@contextlib.contextmanager
def postgres_url():
    """Yields the URL of an empty database of a private cluster."""
    with postgres_cluster() as cluster:
        yield cluster.url


@contextlib.contextmanager
def postgres_store(workdir):
    """Yields load(seeded folder) -> URL of a new database of the cluster holding its tables."""
    with postgres_cluster() as cluster:
        def load(folder):
            url = cluster.create_database()
            copy_tables(folder / "keyserver.sqlite3", url)
            return url

        yield load


@contextlib.contextmanager
def sqlite_store(workdir):
    """Yields load(seeded folder) -> URL of a copy of its SQLite file."""
    def load(folder):
        path = workdir / ("keyserver-%s.sqlite3" % folder.name)
        shutil.copyfile(folder / "keyserver.sqlite3", path)
        return "sqlite:///%s" % path

    yield load


def _measure_store(profile, workdir, load):
    runs, answer = [], None
    for population in profile.populations:
        folder, cached = seeded(population)
        built = json.loads((folder / "seeded.json").read_text())["seconds"]
        started = time.monotonic()
        url = load(folder)
        loaded = time.monotonic() - started
        with gunicorn_process(workdir, url, folder / "server.key") as (base, proc):
            name = seed.username(0)
            answer = _fetch(base + "/users/" + name)
            public = serverkey.load(str(folder / "server.key")).public
            directory.verify_lookup(json.loads(answer), name, public)  # a real, signed answer
            origin = _load(base, profile, population, pgid=proc.pid)
            nginx_folder = workdir / ("nginx-%d" % population)
            with nginx_cache(nginx_folder, base) as cache:
                if _fetch(cache + "/users/" + name) != answer:
                    raise RuntimeError("the nginx cache serves other bytes than the key server")
                warm_seconds, warmed = _warm(cache, profile, population, nginx_folder / "cache")
                through_cache = _load(cache, profile, population, cache_folder=nginx_folder / "cache")
                through_cache.update(warm_seconds=round(warm_seconds, 1), warmed=warmed)
        runs.append({"users": population, "seed_seconds": round(built, 2), "seed_cached": cached,
                     "load_seconds": round(loaded, 2), **origin, "cache": through_cache})
    return {"runs": runs}, answer


def run(profile):
    result = {"setup": "gunicorn -k %s -w %d 'keyserver:create_app()' (runs start once every worker has "
                       "loaded the app, bench/gunicorn_ready.py, and after %ds of warm-up load), alone and "
                       "behind nginx with deploy/nginx/nes-keyserver.conf (cache, measured once warm-up passes "
                       "over the names the run asks for left all of them cached), wrk -t1 -c%d -d%gs; %s" % (
                           WORKER_CLASS, WORKERS, _ORIGIN_WARM_SECONDS, profile.http_connections,
                           profile.http_seconds, describe()),
              "signed_rows": seed.SIGNED, "stores": {}}
    answer = None
    with tempfile.TemporaryDirectory(prefix="nes-bench-ks-") as tmp:
        tmp = pathlib.Path(tmp)
        for name, opener in (("sqlite", sqlite_store), ("postgresql", postgres_store)):
            workdir = tmp / name
            workdir.mkdir()
            try:
                with opener(workdir) as load:
                    result["stores"][name], body = _measure_store(profile, workdir, load)
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
