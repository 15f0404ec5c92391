"""Link tokens: 256 random bits from `secrets`, kept by the server only as a
SHA-256 digest and matched in constant time."""
import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def digest(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new():
    """A fresh (token, digest) pair; the token goes into an e-mail, the digest into the store."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, digest(token)


def find(rows, token):
    """The row among `rows` (with a .token_hash) that `token` belongs to, or None."""
    wanted = digest(token)
    found = None
    for row in rows:
        if hmac.compare_digest(row.token_hash, wanted):
            found = row
    return found
