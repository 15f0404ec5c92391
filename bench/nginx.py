"""A private nginx (Debian package `nginx`) serving one file on a loopback
port: the ceiling for the key server, the same bytes without Python or a
database. Its config, pid, logs and temp folders all live in one folder."""
import contextlib
import pathlib

from tests.fixtures.nginx import main_config
from tests.fixtures.paths import free_port

from . import procs
from .section import tool

_SERVER = """\
    server {{
        listen 127.0.0.1:{port};
        root {dir}/www;
        location / {{ default_type application/json; }}
    }}"""


@contextlib.contextmanager
def static_file(workdir, url_path, body, workers=2):
    """Serve `body` at `url_path`; yields the base URL."""
    exe = tool("nginx")
    workdir = pathlib.Path(workdir)
    target = workdir / "www" / url_path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    port = free_port()
    conf = main_config(workdir, _SERVER.format(port=port, dir=workdir), workers)
    cmd = [exe, "-p", str(workdir), "-c", str(conf), "-e", str(workdir / "error.log")]
    with procs.service(cmd, port, workdir / "nginx.out"):
        yield "http://127.0.0.1:%d" % port
