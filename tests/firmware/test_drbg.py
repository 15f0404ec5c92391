"""The board's random source under the unix port: HMAC_DRBG with SHA-256
(firmware/nes/crypto/drbg.py) against NIST's known answers, and the DRBG of
firmware/nes/entropy.py, whose seed two boards with identical os.urandom
output share until `nes provision` mixes in the host's entropy.

Known answers: NIST CAVP, drbgtestvectors.zip, drbgvectors_no_reseed/HMAC_DRBG.txt,
section [SHA-256] [PredictionResistance = False] [EntropyInputLen = 256]
[NonceLen = 128] [PersonalizationStringLen = 0] [AdditionalInputLen = 0]
[ReturnedBitsLen = 1024], COUNT = 0 and 1: instantiate, generate 1024 bits
twice, ReturnedBits is the second output."""
import pytest

from tests.fixtures.paths import BOARDS

CAVP = [
    ("ca851911349384bffe89de1cbdc46e6831e44d34a4fb935ee285dd14b71a7488",
     "659ba96c601dc69fc902940805ec0ca8",
     "e528e9abf2dece54d47c7e75e5fe302149f817ea9fb4bee6f4199697d04d5b89d54fbb978a15b5c443c9ec21036d2460"
     "b6f73ebad0dc2aba6e624abf07745bc107694bb7547bb0995f70de25d6b29e2d3011bb19d27676c07162c8b5ccde0668"
     "961df86803482cb37ed6d5c0bb8d50cf1f50d476aa0458bdaba806f48be9dcb8"),
    ("79737479ba4e7642a221fcfd1b820b134e9e3540a35bb48ffae29c20f5418ea3",
     "3593259c092bef4129bc2c6c9e19f343",
     "cf5ad5984f9e43917aa9087380dac46e410ddc8a7731859c84e9d0f31bd43655b924159413e2293b17610f211e09f770"
     "f172b8fb693a35b85d3b9e5e63b1dc252ac0e115002e9bedfb4b5b6fd43f33b8e0eafb2d072e1a6fee1f159df9b51e6c"
     "8da737e60d5032dd30544ec51558c6f080bdbdab1de8a939e961e06b5f1aca37"),
]


@pytest.mark.parametrize("entropy,nonce,returned", CAVP)
def test_hmac_drbg_sha256_nist_cavp(micropython, entropy, nonce, returned):
    out = micropython(
        "import binascii\nfrom nes.crypto.drbg import HmacDrbg\n"
        "d = HmacDrbg(binascii.unhexlify(%r), binascii.unhexlify(%r))\n"
        "d.generate(128)\nprint(binascii.hexlify(d.generate(128)).decode())" % (entropy, nonce)).check()
    assert out.stdout.strip() == returned


BOARD = """
from nes import entropy
entropy._urandom = lambda n: bytes(range(n))  # every board's os.urandom says the same
entropy._jitter = lambda: b"same timing"
%s
print(entropy.random(32).hex(), entropy.random(16).hex())
"""


def _board(micropython, host_entropy=None):
    mix = "" if host_entropy is None else "entropy.mix(bytes.fromhex(%r))" % host_entropy.hex()
    return micropython(BOARD % mix, extra_path=[BOARDS / "unix"]).check().stdout.strip()


def test_boards_with_the_same_urandom_diverge_once_host_entropy_is_mixed_in(micropython):
    import os

    assert _board(micropython) == _board(micropython)  # the same sources: the same output
    first, second = (_board(micropython, os.urandom(32)) for _ in range(2))
    assert first != second and _board(micropython) not in (first, second)
    assert len(first.split()[0]) == 64 and len(first.split()[1]) == 32


def test_the_drbg_reseeds_from_fresh_entropy(micropython):
    out = micropython("""
from nes import entropy
seen = []
entropy._urandom = lambda n: seen.append(n) or bytes(n)
entropy.random(1)
print(len(seen))
for _ in range(entropy.RESEED_REQUESTS + 1):
    entropy.random(1)
print(len(seen))
""", extra_path=[BOARDS / "unix"]).check().stdout.split()
    assert out == ["17", "33"]  # 16 samples and a nonce at the start, 16 samples at the reseed
