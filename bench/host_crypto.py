"""The crypto operations on the host (pycryptodome, `host_tools.protocol`) and
through OpenSSL (bench/native.py), timed in this process: median time per call
over batches long enough for the clock."""
import time

from host_tools.protocol import envelope, signing, x25519

from . import inputs, native
from .section import Unavailable
from .stats import median

OPS = ("x25519", "ed25519_sign", "ed25519_verify", "seal_100", "open_100", "seal_1k", "open_1k")
_BATCH_SECONDS = 0.005


def _ops(x25519_fn, sign_fn, verify_fn, seal_fn, open_fn, x25519_public):
    recipient_public = x25519_public(inputs.MESSAGE_SECRET)
    sign_public = signing.public_key(inputs.SIGN_SEED)
    peer = x25519_public(inputs.PEER_SECRET)
    msg = inputs.text(100).encode()
    sig = sign_fn(inputs.SIGN_SEED, msg)

    def sign_key_for(name):
        return sign_public if name == inputs.SENDER else None

    def sealer(text):
        return lambda: seal_fn(inputs.SENDER, inputs.SIGN_SEED, inputs.RECIPIENT, recipient_public,
                               text, inputs.TIMESTAMP)

    def opener(frame):
        return lambda: open_fn(frame, inputs.RECIPIENT, inputs.MESSAGE_SECRET, sign_key_for,
                               inputs.TIMESTAMP)

    text100, text1k = inputs.text(100), inputs.text(1024)
    return {
        "x25519": lambda: x25519_fn(inputs.MESSAGE_SECRET, peer),
        "ed25519_sign": lambda: sign_fn(inputs.SIGN_SEED, msg),
        "ed25519_verify": lambda: verify_fn(sign_public, msg, sig),
        "seal_100": sealer(text100),
        "open_100": opener(sealer(text100)()),
        "seal_1k": sealer(text1k),
        "open_1k": opener(sealer(text1k)()),
    }


def host_ops():
    return _ops(x25519.x25519, signing.sign, signing.verify, envelope.seal, envelope.open_frame,
                x25519.public_key)


def native_ops():
    return _ops(native.x25519, native.sign, native.verify, native.seal, native.open_frame,
                native.x25519_public)


def time_per_call(op, seconds):
    """Median seconds per call of op over batches, sampling for about `seconds`."""
    op()
    t0 = time.perf_counter()
    op()
    once = max(time.perf_counter() - t0, 1e-7)
    batch = max(1, int(_BATCH_SECONDS / once))
    samples = []
    deadline = time.perf_counter() + seconds
    while len(samples) < 5 or time.perf_counter() < deadline:
        t0 = time.perf_counter()
        for _ in range(batch):
            op()
        samples.append((time.perf_counter() - t0) / batch)
    return median(samples)


def cross_check():
    """The native path seals the host's exact frame and each opens the other's."""
    args = (inputs.SENDER, inputs.SIGN_SEED, inputs.RECIPIENT,
            x25519.public_key(inputs.MESSAGE_SECRET), inputs.text(100), inputs.TIMESTAMP,
            inputs.PEER_SECRET, bytes(32), bytes(16))
    ours, theirs = native.seal_with(*args), envelope.seal_with(*args)
    if ours != theirs:
        raise RuntimeError("the OpenSSL reference seals a different frame than the host")
    sign_public = signing.public_key(inputs.SIGN_SEED)
    for opener in (native.open_frame, envelope.open_frame):
        message = opener(ours, inputs.RECIPIENT, inputs.MESSAGE_SECRET,
                         lambda name: sign_public, inputs.TIMESTAMP)
        if message.text != inputs.text(100):
            raise RuntimeError("the OpenSSL reference and the host disagree on opening")


def measure(ops, seconds):
    return {name: {"median_s": time_per_call(op, seconds)} for name, op in ops.items()}


def run_host(profile):
    return {"implementation": "pycryptodome (host_tools.protocol)",
            "ops": measure(host_ops(), profile.host_seconds)}


def run_native(profile):
    if not native.available():
        raise Unavailable("the `cryptography` package is not installed (pip install -e '.[bench]')")
    cross_check()
    import cryptography
    from cryptography.hazmat.backends.openssl import backend

    return {"implementation": "cryptography %s, %s" % (cryptography.__version__,
                                                        backend.openssl_version_text()),
            "ops": measure(native_ops(), profile.host_seconds)}
