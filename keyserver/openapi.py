"""The OpenAPI 3.1 description served at /openapi.json. The tests compare
its paths and methods with the app's URL map."""

_KEY = {"type": "string", "contentEncoding": "base64", "description": "base64 of 32 raw bytes"}
_USERNAME = {"type": "string", "pattern": "^[a-z0-9_-]{3,32}$"}


def _ref(name):
    return {"$ref": "#/components/schemas/" + name}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description):
    return _json(_ref("Error"), description)


def _link_answer(description):
    return {
        "description": description,
        "content": {
            "application/json": {"schema": _ref("LinkResult")},
            "text/html": {"schema": {"type": "string"}},
        },
    }


_SECONDS = {"type": "integer", "minimum": 0, "description": "Unix seconds"}
_FRESHNESS = {
    "serial": {"type": "integer", "minimum": 0,
               "description": "+1 on every activation, key change and deactivation of the name"},
    "issued_at": _SECONDS,
    "expires_at": _SECONDS,
}

_PATH_USERNAME = {"name": "username", "in": "path", "required": True, "schema": _USERNAME}
_RATE_LIMITED = _error("too many requests from this address")
_LINK_PARAMETERS = [
    _PATH_USERNAME,
    {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}},
]

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "NES key server",
        "version": "1",
        "description": "Directory of NES users' public keys with signed lookups (docs/PROTOCOL.md §10).",
    },
    "paths": {
        "/users": {
            "post": {
                "summary": "Register a username and its two public keys; mails an activation link.",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Registration")}}},
                "responses": {
                    "201": _json(_ref("Registration"), "pending until the activation link is followed"),
                    "400": _error("a field is invalid, or the body is not JSON; `field` names the field"),
                    "409": _error("the username is pending or active"),
                    "413": _error("request body too large"),
                    "415": _error("the body is not application/json"),
                    "429": _RATE_LIMITED,
                    "503": _error("the activation e-mail could not be sent; nothing was stored"),
                },
            },
        },
        "/users/{username}": {
            "get": {
                "summary": "Look up an active user's public keys, signed by the server key.",
                "parameters": [_PATH_USERNAME, {
                    "name": "since", "in": "query", "required": False, "schema": {"type": "integer"},
                    "description": "a tree size the client saw: the answer's log member then carries "
                                   "a consistency proof from it (docs/TRANSPARENCY.md §4)"}, {
                    "name": "log", "in": "query", "required": False, "schema": {"enum": ["0"]},
                    "description": "0: no log member (for a client that only compares the keys with "
                                   "its pin)"}],
                "responses": {
                    "200": _json(_ref("LookupAnswer"), "the signed entry; ETag and Cache-Control max-age"),
                    "304": {"description": "If-None-Match named the current answer's ETag"},
                    "404": _json(_ref("AbsentAnswer"), "no such user: signed (with `response` and "
                                 "`signature`) for a name ever published, plain for others"),
                    "503": _error("the name changed during the lookup; ask again"),
                },
            },
        },
        "/users/{username}/{token}": {
            "get": {
                "summary": "Open an e-mailed link: says what it would do, with a button; changes nothing.",
                "description": "HTML for browsers (a form that POSTs to this address); JSON "
                               "(status \"confirm\") when the request prefers application/json.",
                "parameters": _LINK_PARAMETERS,
                "responses": {
                    "200": _link_answer("the link can be followed"),
                    "404": _link_answer("unknown or already used link"),
                    "410": _link_answer("expired activation link"),
                    "429": _link_answer("too many requests from this address"),
                },
            },
            "post": {
                "summary": "Follow an e-mailed link: activate a pending user or deactivate an active one.",
                "description": "HTML for browsers; JSON when the request prefers application/json. No body.",
                "parameters": _LINK_PARAMETERS,
                "responses": {
                    "200": _link_answer("the account was activated or deactivated"),
                    "404": _link_answer("unknown or already used link"),
                    "410": _link_answer("expired activation link"),
                    "429": _link_answer("too many requests from this address"),
                    "503": _link_answer("the deactivation e-mail could not be sent; nothing changed"),
                },
            },
        },
        "/log/checkpoint": {
            "get": {
                "summary": "The transparency log's checkpoint (C2SP tlog-checkpoint signed note).",
                "responses": {"200": {"description": "the checkpoint",
                                      "content": {"text/plain": {"schema": {"type": "string"}}}}},
            },
        },
        "/log/tile/{tile}": {
            "get": {
                "summary": "A tile or entry bundle of the log (C2SP tlog-tiles, height 8); immutable.",
                "parameters": [{
                    "name": "tile", "in": "path", "required": True, "schema": {"type": "string"},
                    "description": "`<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]` (contains slashes)"}],
                "responses": {
                    "200": {"description": "the hashes or the entry bundle",
                            "content": {"application/octet-stream": {"schema": {"type": "string"}}}},
                    "404": _error("no such tile in the tree yet, or not a canonical tile path"),
                },
            },
        },
        "/key": {
            "get": {
                "summary": "The server's Ed25519 public key, pinned by clients at provisioning.",
                "responses": {"200": _json(_ref("ServerKey"), "the key")},
            },
        },
        "/healthz": {
            "get": {
                "summary": "Health check (database reachable).",
                "responses": {
                    "200": _json({"type": "object", "properties": {"status": {"const": "ok"}}}, "healthy"),
                    "503": _error("database unavailable"),
                },
            },
        },
        "/openapi.json": {
            "get": {
                "summary": "This document.",
                "responses": {"200": {"description": "OpenAPI 3.1 document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            },
        },
    },
    "components": {
        "schemas": {
            "Registration": {
                "type": "object",
                "required": ["username", "email", "public_key_message", "public_key_sign"],
                "properties": {
                    "username": _USERNAME,
                    "email": {"type": "string", "format": "email"},
                    "public_key_message": _KEY,
                    "public_key_sign": _KEY,
                },
            },
            "Entry": {
                "type": "object",
                "required": ["username", "public_key_message", "public_key_sign", "serial",
                             "issued_at", "expires_at"],
                "properties": {
                    "username": _USERNAME,
                    "public_key_message": _KEY,
                    "public_key_sign": _KEY,
                    **_FRESHNESS,
                },
            },
            "AbsentAnswer": {
                "type": "object",
                "required": ["error", "status"],
                "properties": {
                    "error": {"type": "string"},
                    "status": {"type": "integer"},
                    "response": {
                        "type": "object",
                        "required": ["username", "serial", "issued_at", "expires_at"],
                        "properties": {"username": _USERNAME, **_FRESHNESS},
                    },
                    "signature": {
                        "type": "string", "contentEncoding": "base64",
                        "description": "Ed25519 over 'nes/1 lookup absent' || u8(len(U)) || U || "
                                       "u64be(serial) || u64be(issued_at) || u64be(expires_at)",
                    },
                },
            },
            "LookupAnswer": {
                "type": "object",
                "required": ["response", "signature"],
                "properties": {
                    "response": _ref("Entry"),
                    "signature": {
                        "type": "string", "contentEncoding": "base64",
                        "description": "Ed25519 over 'nes/1 lookup keys' || u8(len(U)) || U || "
                                       "u64be(serial) || u64be(issued_at) || u64be(expires_at) || M || S",
                    },
                    "log": {
                        "type": "object",
                        "description": "with ?log=1 or ?since=N: the name's latest log entry (its serial "
                                       "is the response's), its inclusion and name-map proofs and the "
                                       "checkpoint (docs/TRANSPARENCY.md §4); `signature` is then over "
                                       "the 'nes/1 lookup logged' statement, which adds the log state "
                                       "(docs/PROTOCOL.md §10)",
                        "required": ["index", "kind", "time", "proof", "map", "checkpoint"],
                        "properties": {
                            "index": {"type": "integer"}, "kind": {"enum": ["activate", "change"]},
                            "time": {"type": "integer"},
                            "proof": {"type": "string", "contentEncoding": "base64",
                                      "description": "the inclusion proof's hashes, one after the other"},
                            "map": {"type": "string", "contentEncoding": "base64",
                                    "description": "u8(count) || bitmap of the non-empty siblings || "
                                                   "their hashes"},
                            "consistency": {"type": "string", "contentEncoding": "base64",
                                            "description": "with ?since=N: the consistency proof's hashes"},
                            "checkpoint": {"type": "string"},
                        },
                    },
                },
            },
            "LinkResult": {
                "type": "object",
                "properties": {
                    "username": _USERNAME,
                    "status": {"enum": ["confirm", "active", "deactivated"]},
                    "message": {"type": "string"},
                },
            },
            "ServerKey": {
                "type": "object",
                "properties": {"public_key": _KEY, "algorithm": {"const": "Ed25519"}},
            },
            "Error": {
                "type": "object",
                "required": ["error", "status"],
                "properties": {
                    "error": {"type": "string"},
                    "status": {"type": "integer"},
                    "field": {"type": "string", "description": "the invalid request field (400 only)"},
                },
            },
        },
    },
}
