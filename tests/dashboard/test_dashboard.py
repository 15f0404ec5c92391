"""`nes dashboard` in a real browser (Debian's Chromium through Playwright),
against a virtual board posting readings through the real broker and key
server: the plot gains points as readings arrive, a message sent from the
page reaches the board, the board's message appears on the page, and every
URL without the run's token is refused (403).

NES_DASHBOARD_SCREENSHOT=docs/dashboard.png makes the test save the page there
(the README's picture)."""
import json
import os
import socket
import urllib.error
import urllib.request

import pytest

from host_tools import dashboard as dashboard_package
from host_tools.errors import CommandError
from tests.fixtures.paths import ROOT

SERIES = '[data-series="kitchen/temperature"]'
WAIT_MS = 60_000  # a guard, not a speed requirement


def _status(url, data=None, content_type="application/json"):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _points(page, series="kitchen/temperature"):
    return int(page.get_attribute('[data-series="%s"]' % series, "data-points"))


def test_the_dashboard_plots_readings_and_carries_the_conversation(
        nes_factory, mosquitto, keyserver, user_board, dashboard, page):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    kitchen = user_board("kitchen", recipients=["alice"], interval=1)
    process, url = dashboard(alice)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")

    page.goto(url)
    page.wait_for_selector('#status[data-state="live"]', timeout=WAIT_MS)
    page.wait_for_selector(SERIES + " canvas", timeout=WAIT_MS)
    before = _points(page)
    page.wait_for_function("([sel, n]) => +document.querySelector(sel).dataset.points > n",
                           arg=[SERIES, before], timeout=WAIT_MS)
    assert page.inner_text('[data-board="kitchen"] .latest dt') == "temperature"
    assert page.inner_text('[data-board="kitchen"] .latest dd').endswith(" C")
    assert page.inner_text('#correspondents li[data-name="kitchen"] .kind') == "board"

    # page -> board
    page.click('#correspondents li[data-name="kitchen"]')
    assert page.input_value("#send-to") == "kitchen"
    mark = kitchen.mark()
    page.fill("#send-text", "Is the <b>oven</b> off?")
    page.click("#send-form button")
    kitchen.wait_for("message from alice at ", after=mark)
    assert "UTC: Is the <b>oven</b> off?" in kitchen.output()[mark:]
    page.wait_for_selector("#messages li.mine >> text=Is the <b>oven</b> off?", timeout=WAIT_MS)
    assert page.locator("#messages b").count() == 0  # shown as text, never as markup

    # board -> page
    assert "True" in kitchen.exec("import nes; print(nes.send('alice', 'the oven is off'))")
    page.wait_for_selector("#messages li >> text=the oven is off", timeout=WAIT_MS)

    if os.environ.get("NES_DASHBOARD_SCREENSHOT"):
        kitchen.run_app()  # the board's readings go on after the REPL visit
        page.click('#correspondents li[data-name="kitchen"]')
        page.wait_for_function("([sel, n]) => +document.querySelector(sel).dataset.points > n",
                               arg=[SERIES, _points(page) + 2], timeout=WAIT_MS)
        page.screenshot(path=str(ROOT / os.environ["NES_DASHBOARD_SCREENSHOT"]), full_page=True)

    # an unknown recipient is refused on the page, nothing sent
    page.fill("#send-to", "nobody-here")
    page.fill("#send-text", "hello?")
    page.click("#send-form button")
    page.wait_for_selector("#send-error >> text=not sent:", timeout=WAIT_MS)
    assert "nobody-here" in page.inner_text("#send-error")

    # without the run's token: 403, for the page, the events and sending
    base, token = url.rstrip("/").rsplit("/", 1)
    wrong = "x" + token[1:]
    for path in ("/", "/api/events", "/static/dashboard.js"):
        assert _status(base + "/" + wrong + path)[0] == 403, path
    assert _status(base + "/api/events")[0] in (403, 404)
    status, body = _status(base + "/" + wrong + "/api/send", json.dumps({"to": "kitchen", "text": "x"}).encode())
    assert status == 403 and "token" in json.loads(body)["error"]
    # with it, but as a cross-site form would post: refused too
    status, body = _status(url + "api/send", b"to=kitchen&text=x", "application/x-www-form-urlencoded")
    assert status == 400 and "JSON" in json.loads(body)["error"]

    assert process.interrupt() == 0
    kept = [json.loads(line) for line in alice.run("history", "kitchen", "--json").ok().stdout.splitlines()]
    assert any(m.get("readings") for m in kept)
    assert {"Is the <b>oven</b> off?", "the oven is off"} <= {m["message"] for m in kept}


def test_the_page_starts_from_the_history(nes_factory, mosquitto, keyserver, dashboard, page):
    """Readings kept earlier (listen --store) are plotted as soon as the page opens."""
    from host_tools.history import History, Stored

    alice = nes_factory("alice").join(mosquitto, keyserver)
    history = History(alice.nes_dir / "alice-history.sqlite")
    for t in range(5):
        history.add(Stored("garage", "alice", 1_800_000_000_000 + 60_000 * t, "nes-reading/1\nt=%d C" % t))
    history.add(Stored("bob", "alice", 1_800_000_400_000, "nes-reading/1 \nnot a reading"))
    history.close()
    _, url = dashboard(alice)
    page.goto(url)
    page.wait_for_selector('[data-series="garage/t"] canvas', timeout=WAIT_MS)
    assert _points(page, "garage/t") == 5
    assert page.inner_text('[data-board="garage"] .latest dd') == "4 C"
    assert page.locator('[data-series^="bob/"]').count() == 0
    page.click('#correspondents li[data-name="bob"]')
    assert page.inner_text("#messages li").endswith("nes-reading/1 \nnot a reading")


def test_dashboard_refuses_a_port_it_cannot_use(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        error = alice.run("dashboard", "--port", taken.getsockname()[1]).failed()
    assert "cannot listen on 127.0.0.1:" in error
    assert "cannot listen on" in alice.run("dashboard", "--port", "70000").failed()


def test_without_the_chart_library_the_dashboard_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setattr(dashboard_package, "CHART_LIBRARY", tmp_path / "absent.js")
    with pytest.raises(CommandError, match="tools/fetch_uplot.py"):
        dashboard_package.check_assets()
