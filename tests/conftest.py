"""Test harness: real services, each started on a free loopback port by its
fixture and stopped afterwards. Every module in tests/fixtures/ is loaded as a
pytest plugin, so each service keeps its fixture in a file of its own."""
import pathlib

import pytest

_FIXTURES = pathlib.Path(__file__).parent / "fixtures"
_NOT_PLUGINS = {"__init__", "paths"}  # paths.py holds helpers, not fixtures
pytest_plugins = sorted(
    "tests.fixtures." + p.stem for p in _FIXTURES.glob("*.py") if p.stem not in _NOT_PLUGINS
)


def pytest_addoption(parser):
    parser.addoption(
        "--port",
        default=None,
        help="serial port of a real board (e.g. /dev/ttyUSB0) for the hardware tests",
    )


# The files that take a minute or more run first, so that under pytest-xdist
# (`make test`) the other workers fill in around them instead of one worker
# finishing a long file alone at the end. Order only; nothing is left out.
_LONG_FILES = ("tests/security/test_fuzz_firmware.py", "tests/brokers/test_rabbitmq_cluster.py",
               "tests/security/test_fuzz_host.py", "tests/test_bench_smoke.py",
               "tests/firmware/test_viper.py", "tests/reliability/test_broker_faults.py")


def _long_first(item):
    path = item.nodeid.split("::")[0]
    return _LONG_FILES.index(path) if path in _LONG_FILES else len(_LONG_FILES)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_long_first)  # stable: each file keeps its own order
    if config.getoption("--port"):
        return
    skip = pytest.mark.skip(reason="hardware test: needs a real board, run with --port /dev/ttyUSB0")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def board_port(request):
    """The serial port of a real board given with --port."""
    return request.config.getoption("--port")
