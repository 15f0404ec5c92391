"""The host's key directory against lookup answers with freshness
(docs/PROTOCOL.md §10), served over real HTTP by a key server in the middle
(`json_server`) that signs with a key the test holds: answers refused for
rollback, expiry, a future issue time and a missing or bad signature on a 404;
the offline rule (a pin used without the server only while its last answer is
unexpired); a signed "no such user" withdrawing a pin at once."""
import json

import pytest

from host_tools.keyserver_client import AnswerRefused, KeyServer, KeyServerUnreachable
from host_tools.peers import Directory, NameWithdrawn, PeerStore, PinUnconfirmed
from host_tools.protocol import directory, signing
from host_tools.protocol.constants import MAX_LOOKUP_SKEW_S
from tests.fixtures.paths import free_port

SEED = b"\x07" * 32
OTHER_SEED = b"\x08" * 32
NOW = 1_800_000_000
DAY = 86400
KEYS = (b"\x01" * 32, b"\x02" * 32)


def signed(serial, issued_at=NOW, keys=KEYS, seed=SEED, validity=DAY):
    answer = directory.sign_answer(seed, "bob", serial, issued_at, issued_at + validity, keys)
    return (200 if keys else 404), json.dumps(answer).encode()


class Served:
    """What the server in the middle answers next, and the client's clock."""

    def __init__(self, json_server, tmp_path):
        self.answer = signed(1)
        self.now = NOW
        self.warnings = []
        self.server = json_server(lambda path: self.answer)
        self.store = PeerStore(str(tmp_path / "peers.json"))
        self.online()

    def online(self):
        self.directory = Directory(self.store, KeyServer(self.server.url, signing.public_key(SEED)),
                                   warn=self.warnings.append, clock=lambda: self.now)

    def offline(self):
        self.directory.keyserver = KeyServer("http://127.0.0.1:%d" % free_port(), signing.public_key(SEED))

    def refused(self, answer, error=AnswerRefused):
        self.answer = answer
        with pytest.raises(error) as failure:
            self.directory.resolve("bob")
        return str(failure.value)


@pytest.fixture
def served(json_server, tmp_path):
    served = Served(json_server, tmp_path)
    assert served.directory.resolve("bob") == KEYS
    return served


def test_a_first_answer_is_pinned_with_its_serial_and_times(served):
    entry = PeerStore(served.store.path).entries["bob"]
    assert (entry["serial"], entry["issued_at"], entry["expires_at"]) == (1, NOW, NOW + DAY)
    assert entry["confirmed_at"] == NOW and not entry["gone"]


def test_a_serial_rollback_is_refused(served):
    served.answer = signed(5)
    assert served.directory.resolve("bob") == KEYS
    message = served.refused(signed(4, issued_at=NOW + 10))
    assert "'bob'" in message and "serial 4, older than serial 5" in message


def test_an_expired_answer_is_refused(served):
    served.now = NOW + DAY + MAX_LOOKUP_SKEW_S
    assert "expired at" in served.refused(signed(1))


def test_an_answer_issued_in_the_future_is_refused(served):
    message = served.refused(signed(2, issued_at=NOW + MAX_LOOKUP_SKEW_S + 1))
    assert "in the future" in message


def test_an_unsigned_or_badly_signed_404_for_a_pinned_name_is_refused(served):
    assert "no signed response" in served.refused((404, b'{"error": "no such user"}'))
    assert "does not verify" in served.refused(signed(2, keys=None, seed=OTHER_SEED))
    status, body = signed(2)
    assert "does not verify" in served.refused((404, body)), "a key answer served as a 404"
    served.answer = signed(1)
    assert served.directory.resolve("bob") == KEYS and served.store.serial("bob") == 1


def test_a_pin_is_used_offline_only_while_its_answer_is_unexpired(served):
    served.offline()
    served.now = NOW + DAY - 1
    assert served.directory.resolve("bob") == KEYS
    assert "using the pinned key of bob, last confirmed 2027-01-15 08:00:00 UTC" in served.warnings[-1]
    served.now = NOW + DAY + MAX_LOOKUP_SKEW_S
    with pytest.raises(PinUnconfirmed) as failure:
        served.directory.resolve("bob")
    message = str(failure.value)
    assert "cannot reach the key server" in message
    assert "key of 'bob' was last confirmed 2027-01-15 08:00:00 UTC" in message
    assert "has expired" in message


def test_a_signed_no_such_user_withdraws_the_pin_at_once(served):
    message = served.refused(signed(2, keys=None), NameWithdrawn)
    assert "'bob' has no keys any more" in message
    served.offline()
    with pytest.raises(NameWithdrawn):
        served.directory.resolve("bob")
    served.online()
    served.answer = signed(3)  # published again with the same keys: usable again
    assert served.directory.resolve("bob") == KEYS


def test_an_unreachable_server_and_no_pin_is_an_error(json_server, tmp_path):
    store = PeerStore(str(tmp_path / "peers.json"))
    client = KeyServer("http://127.0.0.1:%d" % free_port(), signing.public_key(SEED))
    with pytest.raises(KeyServerUnreachable):
        Directory(store, client, clock=lambda: NOW).resolve("bob")
