"""`nes provision --broker-admin`: the board's broker login is made on a
Mosquitto with the dynamic-security plugin (deploy/mosquitto/ as shipped),
bound to a random client id written to the board; the board runs on it, and
another login cannot take that client id."""
import json
import re

from tests.fixtures.mqtt_client import connect


def test_provision_makes_a_bound_broker_login_for_the_board(nes_factory, vboard_factory, deployed_mosquitto,
                                                            keyserver):
    broker = deployed_mosquitto
    alice = nes_factory("alice").join(broker, keyserver)
    board = vboard_factory(install=False)
    alice.run("provision", "--port", board.port, "--board", "unix", "--user", "board1",
              "--email", "board1@example.org", "--broker-admin", broker.admin_url, timeout=600).ok()
    login = json.loads((board.dir / "nesdata" / "config.json").read_text())["broker"]
    print("board1's login:", login["user"], login["client_id"])
    assert login["user"] == "board1" and len(login["password"]) >= 24
    assert re.fullmatch("[0-9a-f]{22}", login["client_id"])  # random, naming nobody
    keyserver.emails["board1"] = "board1@example.org"
    assert keyserver.activate("board1")[0] == 200
    board.wait_for("nes: running", after=board.output().rindex("NES-PUBLIC"))
    mark = board.mark()
    board.exec("import nes; nes.send('board1', 'through my bound login')")
    board.wait_for("UTC: through my bound login", after=mark)

    mallory_password, _ = broker.bind("mallory")
    assert connect(broker, "mallory", mallory_password, login["client_id"]).refusal == "Not authorized"
    assert connect(broker, "board1", login["password"], "nes-board1").refusal == "Not authorized"
