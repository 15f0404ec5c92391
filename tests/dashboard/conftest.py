"""Users for the readings, history and dashboard tests: `pair` is alice and
bob, registered and activated on the test's key server and broker;
`chromium` and `page` a real browser; `dashboard(user)` a running `nes dashboard`."""
import pytest

from tests.fixtures.paths import find_tool


@pytest.fixture
def pair(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    return alice, bob


# Debian's Chromium, driven by Playwright through its executable path (no
# browser download); the flags keep it from reaching the network by itself.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium (Playwright Browser) for the session."""
    from playwright.sync_api import sync_playwright

    executable = find_tool("chromium", env_var="NES_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def dashboard():
    """start(user, *args) -> (Background, URL): `nes dashboard` of `user`, serving."""
    def start(user, *args):
        process = user.start("dashboard", *args)
        line = process.wait_for("stdout", "dashboard of %s: " % user.name)
        return process, line.split(": ", 1)[1]
    return start
