"""Fixed inputs of the crypto runs, the same on the host and (in
bench/mp/fwcrypto.py, which cannot import this) on the firmware."""
SENDER = "alice"
RECIPIENT = "bobby"
TIMESTAMP = 1700000000000
SIGN_SEED = bytes(range(32))
MESSAGE_SECRET = bytes(range(32, 64))
PEER_SECRET = bytes(range(64, 96))


def text(size):
    """An ASCII message of exactly `size` bytes."""
    return ("nes bench message " * (size // 18 + 1))[:size]
