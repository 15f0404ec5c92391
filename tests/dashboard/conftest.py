"""Users for the readings, history and dashboard tests: `pair` is alice and
bob, registered and activated on the test's key server and broker."""
import pytest


@pytest.fixture
def pair(nes_factory, mosquitto, keyserver):
    alice = nes_factory("alice").join(mosquitto, keyserver)
    bob = nes_factory("bob").join(mosquitto, keyserver)
    return alice, bob
