"""The `nes` CLI users (`nes_factory`) of tests/host/conftest.py, for the
tests here that drive the real command line."""
from tests.host.conftest import nes_factory  # noqa: F401
