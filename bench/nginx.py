"""A private nginx (Debian package `nginx`) serving one file on a loopback
port: the ceiling for the key server, the same bytes without Python or a
database. Its config, pid, logs and temp folders all live in one folder."""
import contextlib
import os
import pathlib

from tests.fixtures.paths import free_port

from . import procs
from .section import tool

_CONF = """\
{user}worker_processes {workers};
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        location / {{ default_type application/json; }}
    }}
}}
"""


@contextlib.contextmanager
def static_file(workdir, url_path, body, workers=2):
    """Serve `body` at `url_path`; yields the base URL."""
    exe = tool("nginx")
    workdir = pathlib.Path(workdir)
    target = workdir / "www" / url_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    (workdir / "tmp").mkdir(exist_ok=True)
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(_CONF.format(
        # As root nginx's workers would drop to `nobody`, who cannot read here.
        user="user root;\n" if os.geteuid() == 0 else "",
        workers=workers, dir=workdir, port=port))
    cmd = [exe, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
    with procs.service(cmd, port, workdir / "nginx.out"):
        yield "http://127.0.0.1:%d" % port
