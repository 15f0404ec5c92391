"""AES-256-CBC with strict PKCS#7 padding, over MicroPython's cryptolib
(pycryptodome stands in when cryptolib is missing, i.e. under CPython).
Buffers are padded, encrypted and unpadded in place to spare heap."""
try:
    from cryptolib import aes as _aes

    def _cipher(key, iv):
        return _aes(key, 2, iv)  # 2: MODE_CBC

except ImportError:
    from Crypto.Cipher import AES as _AES

    def _cipher(key, iv):
        return _AES.new(bytes(key), _AES.MODE_CBC, bytes(iv))


_BLOCK = 16


def padded_size(n):
    """Length of n bytes after PKCS#7 padding (1 to 16 bytes are added)."""
    return n + _BLOCK - n % _BLOCK


def pad_tail(buf, n):
    """Fill buf[n:] with PKCS#7 padding; len(buf) - n must be 1 to 16."""
    pad = len(buf) - n
    for i in range(n, len(buf)):
        buf[i] = pad


def strip_padding(buf):
    """Remove PKCS#7 padding from bytearray `buf`; ValueError when invalid."""
    size = len(buf)
    if size == 0 or size % _BLOCK:
        raise ValueError("bad padding")
    n = buf[-1]
    if n < 1 or n > _BLOCK:
        raise ValueError("bad padding")
    bad = 0
    for i in range(size - n, size):
        bad |= buf[i] ^ n
    if bad:
        raise ValueError("bad padding")
    buf[size - n:] = b""


def encrypt_into(key, iv, padded, out):
    """Encrypt `padded` (a multiple of 16 bytes) into writable buffer `out`."""
    _cipher(key, iv).encrypt(padded, out)


def decryptor(key, iv):
    """A CBC decryptor for decrypt_with: one block of about 320 bytes, which
    a caller may want to make before the heap fragments."""
    return _cipher(key, iv)


def decrypt_with(cipher, buf):
    """Decrypt bytearray `buf` in place with `cipher` and strip its padding;
    ValueError for a bad length or bad padding."""
    if len(buf) == 0 or len(buf) % _BLOCK:
        raise ValueError("bad ciphertext length")
    cipher.decrypt(buf, buf)
    strip_padding(buf)


def decrypt_in_place(key, iv, buf):
    """decrypt_with a decryptor for key and iv."""
    decrypt_with(_cipher(key, iv), buf)
