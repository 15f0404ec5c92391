"""HMAC_DRBG with SHA-256 (NIST SP 800-90A Rev. 1, §10.1.2): the
deterministic random bit generator behind the board's keys and each
message's e, K and iv (nes/entropy.py seeds and reseeds it).

Instantiate, reseed and generate as the standard gives them, without the
optional prediction resistance; additional input is accepted on reseed.
Checked against the NIST CAVP known-answer vectors (tests/firmware/test_drbg.py)."""
from .kdf import hmac_sha256_parts

_OUT = 32
_MAX_REQUEST = 7500  # bytes: 2^16 bits, well under the standard's 2^19


class HmacDrbg:
    def __init__(self, entropy, nonce=b"", personalization=b""):
        self._key = bytes(_OUT)
        self._v = b"\x01" * _OUT
        self._update((entropy, nonce, personalization))
        self.counter = 1  # the standard's reseed_counter

    def _update(self, parts):
        """HMAC_DRBG_Update (§10.1.2.2) with provided_data = the parts joined."""
        provided = any(parts)
        self._key = hmac_sha256_parts(self._key, (self._v, b"\x00") + parts)
        self._v = hmac_sha256_parts(self._key, (self._v,))
        if provided:
            self._key = hmac_sha256_parts(self._key, (self._v, b"\x01") + parts)
            self._v = hmac_sha256_parts(self._key, (self._v,))

    def reseed(self, entropy, additional=b""):
        self._update((entropy, additional))
        self.counter = 1

    def generate(self, n):
        """`n` pseudo-random bytes (§10.1.2.5, no additional input)."""
        if n > _MAX_REQUEST:
            raise ValueError("at most %d bytes per request" % _MAX_REQUEST)
        out = bytearray()
        while len(out) < n:
            self._v = hmac_sha256_parts(self._key, (self._v,))
            out.extend(self._v)
        self._update(())
        self.counter += 1
        return bytes(out[:n])
