"""MicroPython script: check the firmware's primitives against published
vectors. Prints `PASS <check>` or `FAIL <check>: <why>` per check, then
`N passed, M failed`.

Usage: micropython check_primitives.py VECTORS_JSON [EXTRA_JSON]
VECTORS_JSON is primitive_vectors.json (all hex). EXTRA_JSON, written by
test_primitives.py, adds SHA-512 digests around block boundaries and Ed25519
signatures that must be rejected (non-canonical encodings, S >= L)."""
import json
import sys
from binascii import hexlify, unhexlify

from nes.crypto import aes, ed25519, kdf, sha512, x25519

results = [0, 0]


def report(name, ok, why=""):
    if ok:
        results[0] += 1
        print("PASS", name)
    else:
        results[1] += 1
        print("FAIL %s: %s" % (name, why))


def same(name, got, want_hex):
    got_hex = hexlify(got).decode()
    report(name, got_hex == want_hex, "got %s, want %s" % (got_hex, want_hex))


def check_sha512(cases):
    for c in cases:
        msg = unhexlify(c["message"])
        same("sha512 " + c["name"], sha512.sha512(msg), c["digest"])
        # The same bytes fed in uneven pieces must give the same digest.
        h = sha512.SHA512()
        for i in range(0, len(msg), 7):
            h.update(msg[i:i + 7])
        same("sha512 " + c["name"] + " (in 7-byte pieces)", h.digest(), c["digest"])


def check_hmac(cases):
    for c in cases:
        mac = kdf.hmac_sha256(unhexlify(c["key"]), unhexlify(c["data"]))
        same("hmac-sha256 " + c["name"], mac[:len(c["mac"]) // 2], c["mac"])


def check_hkdf(cases):
    for c in cases:
        okm = kdf.hkdf(unhexlify(c["ikm"]), unhexlify(c["salt"]), unhexlify(c["info"]), c["length"])
        same("hkdf-sha256 " + c["name"], okm, c["okm"])


def check_x25519(v):
    for c in v["x25519"]:
        same("x25519 " + c["name"], x25519.x25519(unhexlify(c["scalar"]), unhexlify(c["u"])), c["out"])
    k = u = unhexlify("09" + "00" * 31)
    for i in range(1, 1001):
        k, u = x25519.x25519(k, u), k
        if str(i) in v["x25519_iterated"]:
            same("x25519 RFC 7748 5.2 after %d iteration(s)" % i, k, v["x25519_iterated"][str(i)])
    dh = v["x25519_dh"]
    alice, bob = unhexlify(dh["alice_secret"]), unhexlify(dh["bob_secret"])
    same("x25519 RFC 7748 6.1 Alice's public key", x25519.public_key(alice), dh["alice_public"])
    same("x25519 RFC 7748 6.1 Bob's public key", x25519.public_key(bob), dh["bob_public"])
    same("x25519 RFC 7748 6.1 shared (Alice)", x25519.x25519(alice, unhexlify(dh["bob_public"])), dh["shared"])
    same("x25519 RFC 7748 6.1 shared (Bob)", x25519.x25519(bob, unhexlify(dh["alice_public"])), dh["shared"])


def check_ed25519(cases):
    for c in cases:
        name = "ed25519 RFC 8032 7.1 " + c["name"]
        seed, public = unhexlify(c["secret"]), unhexlify(c["public"])
        msg, sig = unhexlify(c["message"]), unhexlify(c["signature"])
        same(name + " public key", ed25519.public_key(seed), c["public"])
        same(name + " signature", ed25519.sign(seed, msg), c["signature"])
        report(name + " verifies", ed25519.verify(public, msg, sig) is True)
        other = bytes([msg[0] ^ 1]) + msg[1:] if msg else b"\x00"
        report(name + " rejects another message", ed25519.verify(public, other, sig) is False)
        bad = bytearray(sig)
        bad[5] ^= 0x20
        report(name + " rejects a changed R", ed25519.verify(public, msg, bytes(bad)) is False)


def check_ed25519_verdicts(cases):
    for c in cases:
        got = ed25519.verify(unhexlify(c["public"]), unhexlify(c["message"]), unhexlify(c["signature"]))
        report("ed25519 verdict: " + c["name"], got is c["valid"], "verify gave %r" % got)


def check_aes(c):
    key, iv = unhexlify(c["key"]), unhexlify(c["iv"])
    buf = bytearray(unhexlify(c["plaintext"]))
    aes.encrypt_into(key, iv, buf, buf)
    same("aes " + c["name"], buf, c["ciphertext"])
    # The padded message decrypts back and unpads; bad padding is refused.
    buf = bytearray(b"nes/1")
    n = len(buf)
    buf.extend(bytes(aes.padded_size(n) - n))
    aes.pad_tail(buf, n)
    aes.encrypt_into(key, iv, buf, buf)
    aes.decrypt_in_place(key, iv, buf)
    report("aes round trip with PKCS#7", bytes(buf) == b"nes/1")
    for pad in (b"\x00" * 16, b"\x11" * 16, b"\x01" * 14 + b"\x02\x03", bytes(15) + b"\x02"):
        try:
            tail = bytearray(pad)
            aes.strip_padding(tail)
            report("pkcs7 refuses %s" % hexlify(pad).decode(), False, "accepted")
        except ValueError:
            report("pkcs7 refuses %s" % hexlify(pad).decode(), True)


def main():
    with open(sys.argv[1]) as f:
        v = json.load(f)
    check_sha512(v["sha512"])
    check_hmac(v["hmac_sha256"])
    check_hkdf(v["hkdf_sha256"])
    check_ed25519(v["ed25519"])
    check_aes(v["aes_256_cbc"])
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            extra = json.load(f)
        check_sha512(extra["sha512"])
        check_ed25519_verdicts(extra["ed25519_verdicts"])
    check_x25519(v)
    print("%d passed, %d failed" % tuple(results))


main()
