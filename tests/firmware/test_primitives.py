"""The firmware's primitives under the MicroPython unix port, against
published vectors: FIPS 180-4 (SHA-512), RFC 4231 (HMAC-SHA-256), RFC 5869
(HKDF-SHA-256), RFC 7748 (X25519, with the 1,000-iteration test), RFC 8032
§7.1 (Ed25519), SP 800-38A (AES-256-CBC); plus Ed25519 signatures that must
be rejected, whose verdicts are first confirmed with the host's
host_tools.protocol.signing (pycryptodome), so both sides agree. One MicroPython process runs every
check (tests/firmware/check_primitives.py); the tests read its report."""
import hashlib
import json
import os
import pathlib
import sys

import pytest
from host_tools.protocol import signing
from host_tools.protocol import x25519 as host_x25519
from tests.firmware.mpreport import read_report

HERE = pathlib.Path(__file__).parent
VECTORS = json.loads((HERE / "primitive_vectors.json").read_text())
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
BASE_POINT = bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666")
IDENTITY = (1).to_bytes(32, "little")
IDENTITY_NONCANONICAL = (P + 1).to_bytes(32, "little")  # y = p + 1, i.e. y = 1 unreduced
SHA512_LENGTHS = (1, 55, 111, 112, 113, 127, 128, 129, 239, 240, 255, 256, 1000)


def _le(n):
    return n.to_bytes(32, "little")


def _with_sign_bit(encoding):
    out = bytearray(encoding)
    out[31] |= 0x80
    return bytes(out)


def _undecodable_y():
    """The smallest y for which (y^2 - 1) / (d y^2 + 1) has no square root."""
    d = -121665 * pow(121666, P - 2, P) % P
    for y in range(2, 100):
        x2 = (y * y - 1) * pow(d * y * y + 1, P - 2, P) % P
        if pow(x2, (P - 1) // 2, P) == P - 1:
            return y
    raise AssertionError("no non-square found")


def ed25519_verdict_cases():
    """Signatures built here with hashlib arithmetic only (independent of the
    firmware): each rejection case comes with a control that is valid."""
    test1 = VECTORS["ed25519"][0]
    seed, public = bytes.fromhex(test1["secret"]), bytes.fromhex(test1["public"])
    sig = bytes.fromhex(test1["signature"])
    digest = hashlib.sha512(seed).digest()
    a = (int.from_bytes(digest[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
    s = int.from_bytes(sig[32:], "little")

    def forge(r_bytes, message=b"nes"):
        """A signature with R = r_bytes that verifies iff R decodes to the identity."""
        k = int.from_bytes(hashlib.sha512(r_bytes + public + message).digest(), "little") % L
        return r_bytes + _le(k * a % L)

    cases = [
        ("TEST 1 as published", public, b"", sig, True),
        ("S + L instead of S", public, b"", sig[:32] + _le(s + L), False),
        ("S = L", public, b"", sig[:32] + _le(L), False),
        ("R = identity, canonical (control)", public, b"nes", forge(IDENTITY), True),
        ("R = identity encoded with y = p + 1", public, b"nes", forge(IDENTITY_NONCANONICAL), False),
        ("A = identity, canonical (control)", IDENTITY, b"any", BASE_POINT + _le(1), True),
        ("A = identity encoded with y = p + 1", IDENTITY_NONCANONICAL, b"any", BASE_POINT + _le(1), False),
        ("A = identity with the sign bit set (x = 0)", _with_sign_bit(IDENTITY), b"any", BASE_POINT + _le(1), False),
        ("A encoded with y = p", _le(P), b"any", BASE_POINT + _le(1), False),
        ("A not on the curve", _le(_undecodable_y()), b"any", BASE_POINT + _le(1), False),
        ("R not on the curve", public, b"", _le(_undecodable_y()) + sig[32:], False),
    ]
    out = []
    for name, pub, message, signature, valid in cases:
        assert signing.verify(pub, message, signature) is valid, name  # the host agrees
        out.append({"name": name, "public": pub.hex(), "message": message.hex(),
                    "signature": signature.hex(), "valid": valid})
    return out


@pytest.fixture(scope="module")
def report(micropython, tmp_path_factory):
    """{check name: "PASS" or the failure text} from one MicroPython run."""
    extra = tmp_path_factory.mktemp("primitives") / "extra.json"
    messages = [bytes((i * 7 + n) & 0xFF for i in range(n)) for n in SHA512_LENGTHS]
    extra.write_text(json.dumps({
        "sha512": [{"name": "%d bytes" % len(m), "message": m.hex(),
                    "digest": hashlib.sha512(m).hexdigest()} for m in messages],
        "ed25519_verdicts": ed25519_verdict_cases(),
    }))
    run = micropython(script=HERE / "check_primitives.py",
                      args=(str(HERE / "primitive_vectors.json"), str(extra)), timeout=300).check()
    results, closing = read_report(run.stdout)
    assert closing == "%d passed, 0 failed" % len(results), run.stdout
    return results


def _expect(report, names):
    missing = [n for n in names if n not in report]
    failed = {n: report[n] for n in names if n in report and report[n] != "PASS"}
    assert not missing, "checks not run: %s" % missing
    assert not failed, failed


def test_sha512_fips_180_4_examples(report):
    _expect(report, ["sha512 " + v["name"] for v in VECTORS["sha512"]]
            + ["sha512 %s (in 7-byte pieces)" % v["name"] for v in VECTORS["sha512"]])


def test_sha512_around_block_boundaries(report):
    _expect(report, ["sha512 %d bytes" % n for n in SHA512_LENGTHS])


def test_hmac_sha256_rfc4231_cases_1_to_7(report):
    names = ["hmac-sha256 " + v["name"] for v in VECTORS["hmac_sha256"]]
    assert len(names) == 7 and "truncated" in names[4]
    _expect(report, names)


def test_hkdf_sha256_rfc5869_cases_1_to_3(report):
    _expect(report, ["hkdf-sha256 case %d" % i for i in (1, 2, 3)])


def test_x25519_rfc7748(report):
    _expect(report, [
        "x25519 RFC 7748 5.2 vector 1", "x25519 RFC 7748 5.2 vector 2",
        "x25519 RFC 7748 5.2 after 1 iteration(s)", "x25519 RFC 7748 5.2 after 1000 iteration(s)",
        "x25519 RFC 7748 6.1 Alice's public key", "x25519 RFC 7748 6.1 Bob's public key",
        "x25519 RFC 7748 6.1 shared (Alice)", "x25519 RFC 7748 6.1 shared (Bob)",
    ])


@pytest.mark.parametrize("name", [v["name"] for v in VECTORS["ed25519"]])
def test_ed25519_rfc8032_section_7_1(report, name):
    base = "ed25519 RFC 8032 7.1 " + name
    _expect(report, [base + " public key", base + " signature", base + " verifies",
                     base + " rejects another message", base + " rejects a changed R"])


def test_ed25519_rejects_what_the_spec_forbids(report):
    names = ["ed25519 verdict: " + c["name"] for c in ed25519_verdict_cases()]
    _expect(report, names)


def test_aes_256_cbc_and_strict_pkcs7(report):
    _expect(report, ["aes " + VECTORS["aes_256_cbc"]["name"], "aes round trip with PKCS#7"]
            + [n for n in report if n.startswith("pkcs7 refuses")])
    assert sum(n.startswith("pkcs7 refuses") for n in report) == 4


def test_primitives_also_run_on_cpython(monkeypatch):
    """The crypto modules import under CPython too (AES falls back to
    pycryptodome); spot-check them against the host's libraries."""
    monkeypatch.syspath_prepend(str(HERE.parents[1] / "firmware"))
    for name in [m for m in sys.modules if m == "nes" or m.startswith("nes.")]:
        monkeypatch.delitem(sys.modules, name)
    from nes.crypto import ed25519, sha512, x25519

    for n in (0, 1, 127, 128, 300):
        data = os.urandom(n)
        assert sha512.sha512(data) == hashlib.sha512(data).digest()
    for _ in range(3):
        seed, secret, message = os.urandom(32), os.urandom(32), os.urandom(50)
        assert ed25519.public_key(seed) == signing.public_key(seed)
        assert ed25519.sign(seed, message) == signing.sign(seed, message)
        assert x25519.public_key(secret) == host_x25519.public_key(secret)
