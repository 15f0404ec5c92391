"""Write the nes/1 test vectors (docs/PROTOCOL.md §12) from fixed inputs.

    python tests/vectors/generate.py [OUTDIR]      (default: tests/vectors/)

Every key, ephemeral secret, message key and iv is SHA-256 of a fixed label,
so two runs write identical files. Honest frames come from
host_tools.protocol.envelope.seal_with; the broken ones a real sender would
never produce (bad padding, non-canonical inner JSON, low-order ephemeral keys,
signatures over other bytes) are built by `forge` below, which re-runs the
steps of §6 with one input replaced and recomputes a valid MAC.
"""
import base64
import hashlib
import pathlib
import sys
from typing import NamedTuple

from Crypto.Cipher import AES

from host_tools.protocol import envelope, inner, signing, vectorfile, x25519
from host_tools.protocol.constants import (
    MAX_AGE_MS, MAX_FRAME_BYTES, MAX_INNER_BYTES, MAX_SKEW_MS, MAX_TIMESTAMP, TAG_BYTES,
)

HERE = pathlib.Path(__file__).resolve().parent
NOW = 1_700_000_000_000
TS = NOW - 4_321
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
ORDER8_U = 325606250916557431795983626356110631294008115727848805560023387167927233504
PANGRAM = "The quick brown fox jumps over the lazy dog. "


def fixed(label, size=32):
    return hashlib.sha256(b"nes/1 test vectors/" + label.encode()).digest()[:size]


class User(NamedTuple):
    name: str
    message_secret: bytes
    message_public: bytes
    sign_seed: bytes
    sign_public: bytes


def user(name, keys=None):
    keys = keys or name
    secret, seed = fixed(keys + "/message"), fixed(keys + "/sign")
    return User(name, secret, x25519.public_key(secret), seed, signing.public_key(seed))


ALICE, BOB, CAROL, MALLORY = (user(n) for n in ("alice", "bob", "carol", "mallory"))
DIRECTORY = {"alice": ALICE.sign_public, "carol": CAROL.sign_public}


def le32(n):
    return n.to_bytes(32, "little")


def flip(data, index, bit=0x01):
    data = bytearray(data)
    data[index] ^= bit
    return bytes(data)


# -- frames ------------------------------------------------------------------

def inputs(name):
    """The fixed (ephemeral, file_key, iv) of a vector."""
    return fixed(name + "/ephemeral"), fixed(name + "/file_key"), fixed(name + "/iv", 16)


def seal(name, text="hello bob", timestamp=TS, sender=ALICE, to="bob", key=BOB):
    """(frame, sealing inputs) of an honest seal."""
    ephemeral, file_key, iv = inputs(name)
    frame = envelope.seal_with(sender.name, sender.sign_seed, to, key.message_public, text,
                               timestamp, ephemeral, file_key, iv)
    return frame, {"ephemeral": ephemeral, "file_key": file_key, "iv": iv,
                   "timestamp": timestamp, "message": text}


def pkcs7(data):
    n = 16 - len(data) % 16
    return data + bytes([n]) * n


def forge(name, plaintext=None, *, padded=None, key=BOB, ephemeral_public=None, z=None,
          signer=ALICE, signed_as=("alice", "bob", TS), sig=None, versions=(1, 1, 1)):
    """A frame with a valid MAC built from replaced §6 inputs.

    `ephemeral_public` with `z`: a chosen E and the shared secret to use with it;
    `padded`: the exact bytes to encrypt (default PKCS7 of `plaintext`);
    `signed_as`: the (from, to, timestamp) the signature covers;
    `sig`: a fixed 64-byte signature, or a function (cipherkey, body) -> signature."""
    ephemeral, file_key, iv = inputs(name)
    if ephemeral_public is None:
        ephemeral_public = x25519.public_key(ephemeral)
        z = x25519.x25519(ephemeral, key.message_public)
    if plaintext is None:
        plaintext = inner.encode(*signed_as, "hello bob")
    wrap = envelope.key_wrap(z, ephemeral_public, key.message_public)
    cipherkey = bytes([versions[0]]) + ephemeral_public + envelope.xor(file_key, wrap)
    enc_key, _, sig_pad = envelope.payload_keys(file_key)
    data = pkcs7(plaintext) if padded is None else padded
    body = bytes([versions[1]]) + iv + AES.new(enc_key, AES.MODE_CBC, iv).encrypt(data)
    if sig is None:
        sig = signing.sign(signer.sign_seed, envelope.signed_bytes(*signed_as, cipherkey, body))
    elif callable(sig):
        sig = sig(cipherkey, body)
    signature = bytes([versions[2]]) + envelope.xor(sig, sig_pad)
    return remac(file_key, cipherkey, body, signature)


def remac(file_key, cipherkey, body, signature):
    """The frame of these fields with its MAC recomputed."""
    mac_key = envelope.payload_keys(file_key)[1]
    tag = envelope.frame_tag(mac_key, cipherkey, body, signature)
    return envelope.encode_frame(cipherkey, body + tag, signature)


def fields(frame):
    """The three decoded fields of an honest frame, as a mutable list."""
    return list(envelope.parse_frame(frame))


def text_frame(members):
    """A frame text from (name, JSON value text) pairs, without white space."""
    return ("{" + ",".join('"%s":%s' % item for item in members) + "}").encode("utf-8")


def b64_members(frame):
    """The (name, quoted b64) pairs of an honest frame."""
    return [(name, '"%s"' % base64.b64encode(value).decode("ascii"))
            for name, value in zip(envelope.FIELDS, fields(frame))]


def replace_member(frame, name, value_text):
    return text_frame([(n, value_text if n == name else v) for n, v in b64_members(frame)])


def resized(frame, index, size):
    """The frame with field `index` cut or zero-extended to `size` bytes, MAC unchanged."""
    parts = fields(frame)
    parts[index] = parts[index][:size].ljust(size, b"\0")
    return envelope.encode_frame(*parts)


def padded_to(frame, size):
    """The same frame with JSON white space inserted until it is `size` bytes."""
    filler = (b" \t\r\n" * size)[:size - len(frame)]
    return frame[:1] + filler + frame[1:]


def signature_with(seed, r_encoding, r_scalar):
    """An Ed25519 signature (R, S) for a chosen R = [r]B given as an encoding, by `seed`."""
    digest = hashlib.sha512(seed).digest()
    a = int.from_bytes(digest[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254

    def sign(cipherkey, body):
        data = envelope.signed_bytes("alice", "bob", TS, cipherkey, body)
        public = signing.public_key(seed)
        k = int.from_bytes(hashlib.sha512(r_encoding + public + data).digest(), "little") % L
        return r_encoding + le32((r_scalar + k * a) % L)
    return sign


# -- the vectors -------------------------------------------------------------

VECTORS = []


def vector(name, scenario, frame, expect, *, sender=ALICE, signer=None, to="bob", key=BOB,
           receiver=None, directory=None, now=NOW, opens=1, sealing=None, opened=None):
    """Register one vector. `signer`: whose signing key made the frame when it is
    not the claimed `sender`'s; `sealing`: the honest sealing inputs; `opened`:
    (timestamp, message) of an ok frame that is not the exact seal output."""
    signer = signer or sender
    v = {
        "scenario": scenario, "sender": sender.name, "sender_sign_seed": signer.sign_seed,
        "sender_sign_public": signer.sign_public, "recipient": to,
        "recipient_message_secret": key.message_secret,
        "recipient_message_public": key.message_public,
        "receiver": receiver or to,
        "directory": DIRECTORY if directory is None else directory,
        "now": now, "opens": opens, "frame": frame, "expect": expect,
    }
    v.update(sealing or {})
    if opened:
        v["timestamp"], v["message"] = opened
    VECTORS.append((name, v))


def ok(name, scenario, text, timestamp=TS, now=NOW, sender=ALICE, to="bob", directory=None):
    frame, sealing = seal(name, text, timestamp, sender=sender, to=to)
    vector(name, scenario, frame, "ok", sender=sender, to=to, now=now, sealing=sealing,
           directory=directory)


def overhead(sender="alice", to="bob", timestamp=TS):
    return len(inner.encode(sender, to, timestamp, ""))


def success_vectors():
    ok("ok_empty_text", "empty message text", "")
    ok("ok_one_char", "one-character text", "a")
    ok("ok_100_bytes", "100-byte ASCII text", (PANGRAM * 3)[:100])
    ok("ok_1_kib", "1024-byte ASCII text", (PANGRAM * 30)[:1024])
    ok("ok_block_aligned", "inner message a multiple of 16 bytes: a whole block of padding",
       "x" * (96 - overhead()))
    ok("ok_max_inner", "inner message exactly MAX_INNER_BYTES (3072) bytes",
       (PANGRAM * 80)[:MAX_INNER_BYTES - overhead()])
    room = MAX_INNER_BYTES - overhead()
    ok("ok_max_inner_multibyte", "inner message exactly 3072 bytes of 3-byte UTF-8 characters",
       "€" * (room // 3) + "e" * (room % 3))
    ok("ok_non_ascii", "non-ASCII text written as raw UTF-8 (2-, 3- and 4-byte sequences)",
       "Grüße, 世界! Ελληνικά — 🙂🚀 \u00a0\u2028\u2029\ufeff\uffff")
    ok("ok_escapes", "text needing every JSON escape: quotes, backslash, controls; / and DEL stay raw",
       '"quoted" back\\slash /slash/ \x00\x01\x07\b\t\n\x0b\f\r\x1b\x1f\x7f end\\')
    ok("ok_timestamp_zero", "timestamp 0 with the receiver clock near 0", "early", 0, now=5_000)
    ok("ok_timestamp_max", "timestamp 2^53 - 1", "late", MAX_TIMESTAMP, now=MAX_TIMESTAMP - 1_000)
    ok("ok_oldest_accepted", "timestamp exactly MAX_AGE_MS before now", "old",
       NOW - MAX_AGE_MS)
    ok("ok_newest_accepted", "timestamp exactly MAX_SKEW_MS after now", "new",
       NOW + MAX_SKEW_MS)
    longname = user("a_32_char-long-user_name-0123456", "alice")
    ok("ok_long_usernames", "32-character sender and 3-character recipient usernames",
       "hi", sender=longname, to="b-_", directory={longname.name: longname.sign_public})

    frame, _ = seal("ok_whitespace_reordered", "reordered", TS)
    members = dict(b64_members(frame))
    text = ('\r\n{ "signature" :\t%s ,\n  "cipherkey": %s,"ciphertext"\r\n:%s }\n\t ' % (
        members["signature"], members["cipherkey"], members["ciphertext"])).encode()
    vector("ok_whitespace_reordered", "frame with JSON white space and members in another order",
           text, "ok", opened=(TS, "reordered"))

    frame, _ = seal("ok_json_escapes", "escaped", TS)
    members = dict(b64_members(frame))
    ck = members["cipherkey"][1:-1]
    escaped_ck = "\\u%04x" % ord(ck[0]) + ck[1:].replace("/", "\\/")
    text = ('{"cipher\\u006bey":"%s","ciphertext":"%s","signature":%s}' % (
        escaped_ck, members["ciphertext"][1:-1].replace("/", "\\/"), members["signature"])).encode()
    vector("ok_json_escapes", "member name and b64 values written with JSON escapes (\\u006b, \\/): "
           "canonical b64 applies to the decoded string", text, "ok", opened=(TS, "escaped"))

    frame, sealing = seal("ok_frame_max_bytes", (PANGRAM * 80)[:MAX_INNER_BYTES - overhead()])
    vector("ok_frame_max_bytes", "frame of exactly MAX_FRAME_BYTES (4608) bytes, white space added",
           padded_to(frame, MAX_FRAME_BYTES), "ok",
           opened=(sealing["timestamp"], sealing["message"]))


def format_vectors():
    frame, _ = seal("format_base")
    f = "FormatError"
    vector("format_frame_too_long", "frame of MAX_FRAME_BYTES + 1 bytes (a valid frame padded with white space)",
           padded_to(frame, MAX_FRAME_BYTES + 1), f)
    vector("format_empty", "empty frame", b"", f)
    vector("format_not_json", "frame is not JSON", b"hello, bob", f)
    vector("format_json_array", "frame is a JSON array of the three b64 strings",
           ("[" + ",".join(v for _, v in b64_members(frame)) + "]").encode(), f)
    vector("format_json_null", "frame is JSON null", b"null", f)
    vector("format_deep_nesting", "frame is 2304 nested JSON arrays",
           b"[" * (MAX_FRAME_BYTES // 2) + b"]" * (MAX_FRAME_BYTES // 2), f)
    vector("format_invalid_utf8", "frame bytes are not UTF-8 (0xff in the white space)",
           frame[:1] + b"\xff" + frame[1:], f)
    vector("format_utf8_surrogate", "a UTF-8-encoded surrogate (ED A0 80) inside a string",
           frame[:20] + b"\xed\xa0\x80" + frame[20:], f)
    vector("format_utf8_bom", "frame starts with a UTF-8 byte order mark", b"\xef\xbb\xbf" + frame, f)
    members = b64_members(frame)
    vector("format_member_nan", "signature is the non-JSON NaN",
           replace_member(frame, "signature", "NaN"), f)
    vector("format_missing_member", "no signature member", text_frame(members[:2]), f)
    vector("format_duplicate_member", "cipherkey given twice (the same value both times)",
           text_frame(members[:1] + members), f)
    vector("format_extra_member", "an extra member besides the three",
           text_frame(members + [("note", '"hi"')]), f)
    vector("format_member_not_string", "ciphertext is a JSON number",
           replace_member(frame, "ciphertext", "12"), f)
    vector("format_member_null", "signature is null", replace_member(frame, "signature", "null"), f)
    ck = dict(members)["cipherkey"][1:-1]
    ct = dict(members)["ciphertext"][1:-1]
    vector("format_b64_invalid_char", "ciphertext contains '*'",
           replace_member(frame, "ciphertext", '"%s*%s"' % (ct[:8], ct[9:])), f)
    vector("format_b64_urlsafe", "cipherkey written in the URL-safe alphabet (- and _)",
           replace_member(frame, "cipherkey", '"%s-_%s"' % (ck[:10], ck[12:])), f)
    # 65 bytes end in a group "XYZ=" whose Z carries 2 unused bits, zero when canonical.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    noisy = alphabet[alphabet.index(ck[-2]) | 1]
    vector("format_b64_padding_bits", "cipherkey b64 with non-zero padding bits (decodes, not canonical)",
           replace_member(frame, "cipherkey", '"%s%s="' % (ck[:-2], noisy)), f)
    vector("format_b64_missing_padding", "cipherkey b64 without its '=' padding",
           replace_member(frame, "cipherkey", '"%s"' % ck.rstrip("=")), f)
    vector("format_b64_newline", "line break inside the ciphertext b64",
           replace_member(frame, "ciphertext", '"%s\\n%s"' % (ct[:76], ct[76:])), f)
    vector("format_cipherkey_64", "cipherkey of 64 bytes", resized(frame, 0, 64), f)
    vector("format_cipherkey_66", "cipherkey of 66 bytes", resized(frame, 0, 66), f)
    vector("format_signature_64", "signature of 64 bytes", resized(frame, 2, 64), f)
    vector("format_signature_66", "signature of 66 bytes", resized(frame, 2, 66), f)
    n = len(fields(frame)[1])
    vector("format_ciphertext_not_blocks", "ciphertext length not 49 + 16k (one byte more)",
           resized(frame, 1, n + 1), f)
    vector("format_ciphertext_short", "ciphertext of 49 bytes (no AES block)", resized(frame, 1, 49), f)
    vector("format_ciphertext_long", "ciphertext of 49 + 3088 + 16 bytes (over MAX_INNER_BYTES)",
           resized(frame, 1, 49 + MAX_INNER_BYTES + 32), f)
    for index, field in enumerate(envelope.FIELDS):
        versions = [1, 1, 1]
        versions[index] = 2
        vector("format_version_" + field, "version byte 2 in %s (MAC and signature valid)" % field,
               forge("format_version_" + field, versions=versions), f)


def auth_vectors():
    a = "AuthenticationError"
    frame, _ = seal("auth_base")
    tampered = [
        ("auth_tampered_ephemeral", "one bit of E in cipherkey flipped", 0, 6),
        ("auth_tampered_wrapped_key", "one bit of the wrapped key in cipherkey flipped", 0, 40),
        ("auth_tampered_iv", "one bit of the iv flipped", 1, 5),
        ("auth_tampered_body", "one bit of the AES ciphertext flipped", 1, 30),
        ("auth_tampered_tag", "one bit of the MAC tag flipped", 1, -1),
        ("auth_tampered_signature", "one bit of the signature field flipped (MAC not recomputed)", 2, 10),
    ]
    for name, scenario, index, at in tampered:
        parts = fields(frame)
        parts[index] = flip(parts[index], at)
        vector(name, scenario, envelope.encode_frame(*parts), a)

    ephemeral, file_key, iv = inputs("auth_base")
    cipherkey, ciphertext, signature = fields(frame)
    body = ciphertext[:-TAG_BYTES]
    vector("auth_bad_signature_valid_mac", "one bit of the signature flipped, MAC recomputed",
           remac(file_key, cipherkey, body, flip(signature, 40)), a)
    original = signing.sign(ALICE.sign_seed, envelope.signed_bytes("alice", "bob", TS, cipherkey, body))
    sig_pad = envelope.payload_keys(file_key)[2]
    big_s = original[:32] + le32(int.from_bytes(original[32:], "little") + L)
    vector("auth_signature_s_not_reduced", "signature S replaced by S + L (valid mod L, MAC recomputed)",
           remac(file_key, cipherkey, body, b"\x01" + envelope.xor(big_s, sig_pad)), a)
    vector("auth_signature_r_noncanonical",
           "signature R is the identity encoded as y = p + 1 (non-canonical), S matching",
           forge("auth_signature_r_noncanonical", sig=signature_with(ALICE.sign_seed, le32(P + 1), 0)), a)
    identity_noncanonical = le32(P + 1)
    vector("auth_directory_key_noncanonical",
           "directory key for alice is the identity encoded as y = p + 1; signature R = identity, S = 0",
           forge("auth_directory_key_noncanonical", sig=le32(1) + le32(0)), a,
           directory={"alice": identity_noncanonical})
    vector("auth_directory_key_undecodable", "directory key for alice is y = 2, not a curve point",
           forge("auth_directory_key_undecodable"), a, directory={"alice": le32(2)})
    vector("auth_foreign_signature", "signed by mallory's key, claims to be from alice",
           forge("auth_foreign_signature", signer=MALLORY), a, signer=MALLORY)
    vector("auth_signature_other_to", "signature covers to = carol, inner message says bob",
           forge("auth_signature_other_to", inner.encode("alice", "bob", TS, "hello bob"),
                 signed_as=("alice", "carol", TS)), a)
    vector("auth_signature_other_from", "alice signed from = carol, inner message says alice",
           forge("auth_signature_other_from", inner.encode("alice", "bob", TS, "hello bob"),
                 signed_as=("carol", "bob", TS)), a)
    vector("auth_signature_other_timestamp", "signature covers another timestamp",
           forge("auth_signature_other_timestamp", inner.encode("alice", "bob", TS, "hello bob"),
                 signed_as=("alice", "bob", TS + 1)), a)
    forwarded_vectors(a)
    low_order_vectors(a)
    padding_vectors(a)
    inner_vectors(a)


def forwarded_vectors(a):
    frame, _ = seal("auth_forwarded_original", "for bob only")
    cipherkey, ciphertext, signature = fields(frame)
    _, file_key, _ = inputs("auth_forwarded_original")
    sig = envelope.xor(signature[1:], envelope.payload_keys(file_key)[2])
    plaintext = inner.encode("alice", "bob", TS, "for bob only")
    vector("auth_forwarded", "bob re-encrypts alice's signed message (inner and signature) to carol",
           forge("auth_forwarded", plaintext, key=CAROL, sig=sig), a, key=CAROL, receiver="carol")


def low_order_vectors(a):
    points = [
        ("u0", "u = 0", le32(0)),
        ("u1", "u = 1", le32(1)),
        ("order4", "u = p - 1 (order 4)", le32(P - 1)),
        ("order8", "a point of order 8", le32(ORDER8_U)),
        ("u_p", "u = p, a non-canonical 0", le32(P)),
        ("u_p_plus_1_high_bit", "u = p + 1 with bit 255 set (masked: non-canonical 1)",
         le32(P + 1 + (1 << 255))),
    ]
    for tag, what, point in points:
        name = "auth_low_order_" + tag
        vector(name, "ephemeral %s: shared secret all zero; MAC and signature made with z = 0" % what,
               forge(name, ephemeral_public=point, z=bytes(32)), a)


def padding_vectors(a):
    plaintext = inner.encode("alice", "bob", TS, "hello bob")
    n = 16 - len(plaintext) % 16
    vector("auth_padding_inconsistent", "PKCS7 pad bytes differ (last byte right), MAC and signature valid",
           forge("auth_padding_inconsistent", plaintext,
                 padded=plaintext + bytes([n + 1]) + bytes([n]) * (n - 1)), a)
    vector("auth_padding_zero", "PKCS7 last byte 0, MAC and signature valid",
           forge("auth_padding_zero", plaintext, padded=plaintext + bytes(n)), a)
    vector("auth_padding_too_long", "PKCS7 last byte 17, MAC and signature valid",
           forge("auth_padding_too_long", plaintext, padded=plaintext + bytes([17]) * n), a)
    aligned = inner.encode("alice", "bob", TS, "x" * (96 - overhead()))
    vector("auth_padding_block_inconsistent", "a whole pad block with its first byte 15, MAC and signature valid",
           forge("auth_padding_block_inconsistent", aligned,
                 padded=aligned + bytes([15]) + bytes([16]) * 15), a)


def inner_vectors(a):
    head = b'{"from":"alice","to":"bob","timestamp":%d,"message":' % TS
    bad = [
        ("invalid_utf8", "message contains byte 0xff", head + b'"hi \xff"}'),
        ("utf8_surrogate", "message contains a UTF-8-encoded surrogate (ED A0 80)", head + b'"\xed\xa0\x80"}'),
        ("utf8_overlong", "message contains an overlong encoding of '/' (C0 AF)", head + b'"\xc0\xaf"}'),
        ("whitespace", "white space after a colon", head.replace(b'"to":', b'"to": ') + b'"hello bob"}'),
        ("reordered", "members in another order",
         b'{"to":"bob","from":"alice","timestamp":%d,"message":"hello bob"}' % TS),
        ("escaped_non_ascii", "non-ASCII written as \\u00e9", head + b'"caf\\u00e9"}'),
        ("escaped_slash", "'/' written as \\/", head + b'"a\\/b"}'),
        ("uppercase_hex", "control character written as \\u001F", head + b'"\\u001F"}'),
        ("escaped_tab_as_hex", "tab written as \\u0009 instead of \\t", head + b'"\\u0009"}'),
        ("lone_surrogate_escape", "message is the escape \\ud800", head + b'"\\ud800"}'),
        ("extra_member", "a fifth member", head + b'"hello bob","extra":1}'),
        ("missing_member", "no message member", head[:-len(b',"message":')] + b"}"),
        ("duplicate_member", "message given twice", head + b'"hello bob","message":"hello bob"}'),
        ("timestamp_string", "timestamp as a string",
         head.replace(b':%d,' % TS, b':"%d",' % TS) + b'"hello bob"}'),
        ("timestamp_float", "timestamp with a fraction",
         head.replace(b':%d,' % TS, b':%d.0,' % TS) + b'"hello bob"}'),
        ("timestamp_negative", "timestamp -1", head.replace(b':%d,' % TS, b':-1,') + b'"hello bob"}'),
        ("not_object", "inner message is a JSON array", b'["alice","bob",%d,"hello bob"]' % TS),
        ("trailing_newline", "a line break after the object", head + b'"hello bob"}\n'),
    ]
    for tag, what, plaintext in bad:
        name = "auth_inner_" + tag
        vector(name, "inner message not canonical: %s; MAC and signature valid" % what,
               forge(name, plaintext), a)
    too_big = MAX_TIMESTAMP + 1
    vector("auth_inner_timestamp_too_large", "inner timestamp 2^53 (canonical form, out of range), signed",
           forge("auth_inner_timestamp_too_large", head.replace(b"%d" % TS, b"%d" % too_big) + b'"x"}',
                 signed_as=("alice", "bob", too_big)), a, now=too_big)
    upper = user("Alice", "alice")
    vector("auth_inner_sender_not_username", "from is 'Alice' (upper case), signed, 'Alice' in the directory",
           forge("auth_inner_sender_not_username", head.replace(b'"alice"', b'"Alice"') + b'"x"}',
                 signed_as=("Alice", "bob", TS)), a, sender=upper,
           directory={"Alice": ALICE.sign_public})


def outcome_vectors():
    frame, sealing = seal("sender_unknown")
    vector("sender_unknown", "alice's key is not in the directory", frame, "UnknownSenderError",
           sealing=sealing, directory={"carol": CAROL.sign_public})
    frame, sealing = seal("sender_unknown_before_recipient", to="carol")
    vector("sender_unknown_before_recipient", "unknown sender and to = carol: step 9 comes first",
           frame, "UnknownSenderError", to="carol", receiver="bob", sealing=sealing, directory={})
    frame, sealing = seal("recipient_wrong", to="carol")
    vector("recipient_wrong", "validly signed to carol, sealed to bob's key, opened by bob",
           frame, "RecipientError", to="carol", receiver="bob", sealing=sealing)
    stale = NOW - MAX_AGE_MS - 1
    frame, sealing = seal("recipient_wrong_and_stale", to="carol", timestamp=stale)
    vector("recipient_wrong_and_stale", "to = carol and too old: step 11 comes before step 12",
           frame, "RecipientError", to="carol", receiver="bob", sealing=sealing)
    frame, sealing = seal("timestamp_stale", timestamp=stale)
    vector("timestamp_stale", "timestamp MAX_AGE_MS + 1 before now", frame, "TimestampError",
           sealing=sealing)
    frame, sealing = seal("timestamp_future", timestamp=NOW + MAX_SKEW_MS + 1)
    vector("timestamp_future", "timestamp MAX_SKEW_MS + 1 after now", frame, "TimestampError",
           sealing=sealing)
    frame, sealing = seal("replay_twice")
    vector("replay_twice", "the same frame opened twice (QoS 1 redelivery)", frame, "ReplayError",
           opens=2, sealing=sealing)


def build():
    VECTORS.clear()
    success_vectors()
    format_vectors()
    auth_vectors()
    outcome_vectors()
    return list(VECTORS)


def write(outdir):
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob("*.vec"):
        old.unlink()
    vectors = build()
    names = [name for name, _ in vectors]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate vector names")
    for name, v in vectors:
        (outdir / (name + ".vec")).write_bytes(vectorfile.dumps(v).encode("utf-8"))
    return names


if __name__ == "__main__":
    written = write(sys.argv[1] if len(sys.argv) > 1 else HERE)
    print("wrote %d vectors" % len(written))
