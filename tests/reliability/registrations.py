"""Registration bursts against a key server and the checks of what its store
holds afterwards, shared by the load and the crash tests."""
import base64
import os
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPException

from sqlalchemy import select

from keyserver import tokens
from keyserver.store import ACTIVATE, PENDING, Store
from keyserver.store import tokens as tokens_table
from keyserver.store import users as users_table
from tests.fixtures.keyserver import http

NO_ANSWER = 0  # status recorded when the connection failed (server gone)
CLEAN_FAILURES = {409, 429, 503}  # documented refusals of POST /users


def body(username, email=None):
    """A POST /users body with fresh random keys."""
    keys = [base64.b64encode(os.urandom(32)).decode() for _ in range(2)]
    return {"username": username, "email": email or "%s@example.org" % username,
            "public_key_message": keys[0], "public_key_sign": keys[1]}


def post(url, request):
    """(status, json or None); NO_ANSWER when no HTTP answer came back."""
    try:
        reply = http("POST", url + "/users", json=request, timeout=60)
    except (OSError, HTTPException):  # refused, reset, or cut off mid-answer
        return NO_ANSWER, None
    try:
        return reply.status, reply.json()
    except ValueError:
        return reply.status, None


def burst(url, requests, workers):
    """POST every request, `workers` at a time, all released together; the
    answers in request order."""
    gate = threading.Barrier(min(workers, len(requests)))

    def one(request):
        try:
            gate.wait(10)
        except threading.BrokenBarrierError:
            pass
        return post(url, request)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, requests))


def problems_with_answers(answers):
    """Answers that are neither a 201 nor a clean JSON refusal."""
    bad = []
    for status, reply in answers:
        if status == 201:
            continue
        if status not in CLEAN_FAILURES or not isinstance(reply, dict) or reply.get("status") != status:
            bad.append((status, reply))
    return bad


def rows(url):
    """({username: user row}, [token rows]) read straight from the database."""
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            users = {row.username: row for row in conn.execute(select(users_table))}
            toks = list(conn.execute(select(tokens_table)))
    finally:
        store.dispose()
    return users, toks


def store_problems(url, stored_names, attempted):
    """What is wrong in the store after registrations: every name in
    `stored_names` (answered 201) must be a complete pending account exactly
    as requested (`attempted`: name -> request body), every account complete
    (one activation token) and every token owned by an account."""
    users, toks = rows(url)
    by_user = {}
    for tok in toks:
        by_user.setdefault(tok.username, []).append(tok)
    problems = []
    for name in stored_names:
        row = users.get(name)
        want = attempted[name]
        if row is None:
            problems.append("%s was answered 201 but is not stored" % name)
        elif (row.state, row.email, row.public_key_message, row.public_key_sign) != (
                PENDING, want["email"], want["public_key_message"], want["public_key_sign"]):
            problems.append("%s is stored with other values than registered" % name)
    for name, row in users.items():
        if name not in attempted:
            problems.append("%s is stored but was never registered" % name)
        owned = by_user.get(name, [])
        if len(owned) != 1 or owned[0].purpose != ACTIVATE:
            problems.append("%s has %d tokens %s (half-written)" % (name, len(owned), [t.purpose for t in owned]))
    for name in by_user:
        if name not in users:
            problems.append("a token of %s outlives its account (half-written)" % name)
    return users, problems


def mailed_token(smtp, address):
    """The token in the activation link mailed to `address`, or None."""
    for msg in smtp.messages:
        if address.lower() in msg.get("X-RcptTo", "").lower():
            link = smtp.first_url(msg)
            return urllib.parse.urlsplit(link).path.rsplit("/", 1)[1], link
    return None


def token_matches(url, username, token):
    """True when the store keeps exactly the SHA-256 digest of the mailed token."""
    _, toks = rows(url)
    return [t.token_hash for t in toks if t.username == username] == [tokens.digest(token)]
