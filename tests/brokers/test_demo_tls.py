"""`make demo DEMO_ARGS=--tls`: the demo runs to the end with alice and both
boards on the broker's TLS listener, checked against a CA made for the run."""
import subprocess
import sys

from tests.fixtures.paths import ROOT

DEMO_TIMEOUT = 600  # a guard against hanging; the demo takes under a minute here


def test_demo_runs_over_tls(tmp_path):
    workdir = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "host_tools.dev.demo", "--tls", "--interval", "2",
                           "--dir", str(workdir)], cwd=ROOT, capture_output=True, text=True,
                          timeout=DEMO_TIMEOUT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    tls_url = next(word for word in proc.stdout.split() if word.startswith("ssl://localhost:"))
    tls_port = int(tls_url.rsplit(":", 1)[1])
    assert "alice> nes: listening as alice on %s" % tls_url in proc.stdout
    assert "Hello kitchen, this is alice" in proc.stdout
    for board in ("kitchen", "garage"):
        console = (workdir / board / "serial.log").read_bytes().decode("utf-8", "replace")
        assert "mqtt: connected to localhost:%d" % tls_port in console
    print(proc.stdout)
