"""What the directory logs: the hooks keyserver/accounts.py calls inside its
transactions (an activation and a deactivation each append one entry), the
log's origin, and the activations of directories older than the log."""
import base64
import urllib.parse

from sqlalchemy import func, select

from host_tools.protocol import tlog as proto

from .. import store
from . import cosign, tables
from .log import Log

DEFAULT_ORIGIN = "nes-keyserver/log"


def origin(config):
    """LOG_ORIGIN, else `<host>[/<path>]/log` of PUBLIC_URL, else DEFAULT_ORIGIN."""
    if config.get("LOG_ORIGIN"):
        return config["LOG_ORIGIN"]
    if config.get("PUBLIC_URL"):
        url = urllib.parse.urlsplit(config["PUBLIC_URL"])
        return "%s%s/log" % (url.netloc, url.path.rstrip("/"))
    return DEFAULT_ORIGIN


def _keys(user):
    return base64.b64decode(user.public_key_message), base64.b64decode(user.public_key_sign)


def make_log(directory, server_key, config):
    specs = cosign.parse_witnesses(config.get("LOG_WITNESSES"))
    witnesses = cosign.Witnesses(directory.engine, specs) if specs else None
    return Log(directory.engine, server_key, origin(config), witnesses)


def activated(log, tx, user, serial, now):
    """Log the activation `serial` (tx.bump_serial's) of `user`."""
    log.append(tx, proto.ACTIVATE, user.username, _keys(user), now, serial)


def deactivated(log, tx, user, serial, now):
    log.append(tx, proto.DEACTIVATE, user.username, _keys(user), now, serial)


PAGE = 10_000


def _missing(conn, after):
    """Up to PAGE published active names after `after` that have no log entry,
    with their serial and keys. An active user without a published answer
    (from before serials) is logged when `nes-keyserver resign` publishes it."""
    rows = conn.execute(
        select(store.users.c.username, store.names.c.serial,
               store.users.c.public_key_message, store.users.c.public_key_sign)
        .join(store.names, store.names.c.username == store.users.c.username)
        .outerjoin(tables.names, tables.names.c.username == store.users.c.username)
        .where(store.users.c.state == store.ACTIVE, tables.names.c.username.is_(None),
               store.users.c.username > after)
        .order_by(store.users.c.username).limit(PAGE)).all()
    return [(u.username, u.serial, _keys(u)) for u in rows]


def backfill(log, directory, now):
    """Log every active account that has no entry (a directory older than the
    log, or rows written straight into the database). Every logged name whose
    latest entry publishes keys is an active account (both change in one
    transaction), so equal counts mean nothing is missing: a server start on a
    logged directory only counts."""
    with directory.engine.connect() as conn:
        active = conn.execute(select(func.count()).select_from(store.users)
                              .where(store.users.c.state == store.ACTIVE)).scalar_one()
        logged = conn.execute(select(func.count()).select_from(tables.names)
                              .where(tables.names.c.kind != proto.DEACTIVATE)).scalar_one()
    if active == logged:
        return 0
    return log.backfill(_missing, now)
