"""A witness (C2SP tlog-witness): a small process that remembers the latest
checkpoint of each log it watches, cosigns (C2SP tlog-cosignature) a new
checkpoint only when a consistency proof shows it extends that one, and so
refuses a log that shows different histories to different clients.

    python -m keyserver.tlog.witness --name witness.example --key witness.key \\
        --state witness.json --log 'keys.example.org/log+1a2b3c4d+AQ...' --port 7380

POST /add-checkpoint, body: `old <size>`, the consistency proof from that size
(one base64 hash per line), an empty line, the checkpoint note. Answers 200
with the cosignature line, 409 with the size it knows (`text/x.tlog.size`)
when `old` is not it, 422 when the proof fails, 403 for a bad log signature,
404 for an unknown log, 400 for a malformed body."""
import argparse
import base64
import json
import os
import threading
import time

from flask import Flask, request

from host_tools.protocol import tlog

from .. import serverkey

SIZE_TYPE = "text/x.tlog.size"


class Refused(Exception):
    def __init__(self, status, message, content_type="text/plain; charset=utf-8"):
        super().__init__(message)
        self.status = status
        self.content_type = content_type


def parse_request(body):
    """(old size, proof hashes, note) of an add-checkpoint body."""
    head, sep, note = body.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old ") or not lines[0][4:].isdigit():
        raise Refused(400, "malformed request")
    try:
        proof = tlog.parse_proof_lines(lines[1:])
    except tlog.LogError:
        raise Refused(400, "malformed proof") from None
    return int(lines[0][4:]), proof, note


class Witness:
    def __init__(self, name, key, state_path, logs, clock=time.time):
        self.name = name
        self.key = key
        self.state_path = state_path
        self.logs = dict(tlog.parse_verifier_key(vkey) for vkey in logs)  # origin -> public key
        self.clock = clock
        self.lock = threading.Lock()
        try:
            with open(state_path, encoding="utf-8") as f:
                self.state = json.load(f)
        except FileNotFoundError:
            self.state = {}

    def _save(self):
        tmp = "%s.tmp" % self.state_path
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.state_path)

    def add_checkpoint(self, body):
        """The cosignature line for a request body, or Refused."""
        old, proof, note = parse_request(body)
        try:
            origin = tlog.note_origin(note)
        except tlog.LogError:
            raise Refused(400, "malformed checkpoint") from None
        if origin not in self.logs:
            raise Refused(404, "unknown log")
        try:
            size, root = tlog.open_checkpoint(note, origin, self.logs[origin])
        except tlog.LogError:
            raise Refused(403, "the checkpoint is not signed by the log's key") from None
        with self.lock:
            known_size, known_root = self.state.get(origin, (0, None))
            if old != known_size:
                raise Refused(409, "%d\n" % known_size, SIZE_TYPE)
            if size < old:
                raise Refused(400, "the checkpoint is older than the old size")
            if known_root is not None:
                try:
                    tlog.verify_consistency(old, base64.b64decode(known_root), size, root, proof)
                except tlog.LogError as exc:
                    raise Refused(422, str(exc)) from None
            self.state[origin] = (size, base64.b64encode(root).decode("ascii"))
            self._save()
        return tlog.cosignature_line(tlog.split_note(note)[0], self.name, self.key.seed, int(self.clock()))

    @property
    def verifier_key(self):
        return tlog.verifier_key(self.name, self.key.public, tlog.COSIGNATURE_TYPE)


def create_app(witness):
    app = Flask("witness")

    @app.post("/add-checkpoint")
    def add_checkpoint():
        try:
            line = witness.add_checkpoint(request.get_data(as_text=True))
        except Refused as exc:
            return str(exc), exc.status, {"Content-Type": exc.content_type}
        return line, 200, {"Content-Type": "text/plain; charset=utf-8"}

    return app


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m keyserver.tlog.witness",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", required=True, help="the witness's key name")
    parser.add_argument("--key", required=True, help="its Ed25519 seed file (created when missing)")
    parser.add_argument("--state", required=True, help="JSON file of the latest checkpoint per log")
    parser.add_argument("--log", action="append", required=True, metavar="VKEY",
                        help="verifier key of a log to witness (repeatable)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7380)
    args = parser.parse_args(argv)
    key = serverkey.load(args.key) if os.path.exists(args.key) else serverkey.create(args.key)
    witness = Witness(args.name, key, args.state, args.log)
    print("witness %s on %s:%d" % (witness.verifier_key, args.host, args.port), flush=True)
    from werkzeug.serving import run_simple

    run_simple(args.host, args.port, create_app(witness), threaded=True)


if __name__ == "__main__":
    main()
