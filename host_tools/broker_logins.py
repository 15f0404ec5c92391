"""Broker logins bound to their sessions, on a Mosquitto with the
dynamic-security plugin (deploy/mosquitto/dynsec.conf), made through the
plugin's MQTT API ($CONTROL/dynamic-security/v1) as its admin login.

Each NES login gets one client id: the broker refuses that login under any
other client id, so a login that holds no client id of its own cannot take
over, kick or read anybody's persistent session. Its roles let it publish to
every inbox (`nes-sender`) and subscribe to its own only (`nes-inbox-NAME`)."""
import json
import secrets
import select
import time

from .errors import CommandError
from .mqtt import ANSWER_TIMEOUT, Session

_REQUEST = "$CONTROL/dynamic-security/v1"
_RESPONSE = _REQUEST + "/response"
SENDER_ROLE = "nes-sender"
_EXISTS = ("Client already exists", "Role already exists")


def inbox_role(name):
    return "nes-inbox-" + name


def _sender_role():
    return {"command": "createRole", "rolename": SENDER_ROLE,
            "acls": [{"acltype": "publishClientSend", "topic": "nes/+/message", "allow": True}]}


def _inbox_role(name):
    return {"command": "createRole", "rolename": inbox_role(name),
            "acls": [{"acltype": "subscribeLiteral", "topic": "nes/%s/message" % name, "allow": True}]}


def _client(command, name, password, client_id):
    return {"command": command, "username": name, "password": password, "clientid": client_id,
            "roles": [{"rolename": SENDER_ROLE}, {"rolename": inbox_role(name)}]}


def new_password():
    return secrets.token_urlsafe(24)


class DynamicSecurity:
    """The plugin's API over one admin session (a BrokerAddress with the admin's login)."""

    def __init__(self, admin_address):
        if not admin_address.username:
            raise CommandError("the broker admin address needs the admin login: tcp://USER:PASSWORD@HOST")
        self.session = Session(admin_address, "nes-admin-" + secrets.token_hex(6), topic=_RESPONSE)

    def __enter__(self):
        self.session.open()
        return self

    def __exit__(self, *exc):
        self.session.close()

    def run(self, *commands):
        """The plugin's responses to `commands`, in order: each a dict with "command"
        and, when it failed, "error"."""
        self.session.publish(_REQUEST, json.dumps({"commands": list(commands)}))
        deadline = time.monotonic() + ANSWER_TIMEOUT
        while time.monotonic() < deadline:
            select.select([self.session], [], [], max(deadline - time.monotonic(), 0))
            for kind, data in self.session.events():
                if kind == "message":
                    self.session.ack(data)
                    return json.loads(data.payload)["responses"]
        raise CommandError("the broker's dynamic-security plugin did not answer (is it loaded, "
                           "and is this its admin login?)")

    def bind_login(self, name, password, client_id):
        """Create (or reset) login `name` with `password`, usable only under `client_id`."""
        responses = self.run(_sender_role(), _inbox_role(name),
                             _client("createClient", name, password, client_id))
        if responses[2].get("error") == "Client already exists":
            responses[2:] = self.run(_client("modifyClient", name, password, client_id))
        for response in responses:
            if response.get("error") and response["error"] not in _EXISTS:
                raise CommandError("the broker refused %s for %s: %s"
                                   % (response["command"], name, response["error"]))
