"""Arithmetic modulo p = 2^255 - 19, shared by X25519 and Ed25519.

Elements are non-negative Python ints. `mul`, `sq` and `inv` are the hot
spots; callers go through them only (additions and subtractions are done
inline and may leave a value up to a few multiples of p), so a faster backend
can replace these three functions without touching the curve code."""

P = (1 << 255) - 19
_MASK255 = (1 << 255) - 1
_P58 = (P - 5) // 8


def mul(a, b):
    """a * b mod p, fully reduced."""
    return a * b % P


def sq(a):
    """a^2 mod p, fully reduced."""
    return a * a % P


def inv(a):
    """1 / a mod p (0 maps to 0), by Fermat: a^(p-2)."""
    return pow(a, P - 2, P)


def pow_p58(a):
    """a^((p-5)/8) mod p: the exponent of the square root in RFC 8032 §5.1.3."""
    return pow(a, _P58, P)


def decode(data):
    """A 32-byte little-endian string as an int, bit 255 dropped (not reduced)."""
    return int.from_bytes(data, "little") & _MASK255


def encode(a):
    """The canonical 32-byte little-endian encoding of a mod p."""
    return (a % P).to_bytes(32, "little")


# Where the port compiles viper, whole ladders and scalar multiplications run
# there (docs/CRYPTO.md); backend_viper decides, before anything big loads.
try:
    from .backend_viper import fast
    WHY = "the port compiles viper code"
except ImportError as exc:
    fast = None
    WHY = str(exc)  # why not: backend_viper's reason
BACKEND = "viper" if fast else "python"
