"""The board's TLS client, for the broker (mqtts://) and the key server
(https://): the server's certificate must chain to the CA that
`nes provision --ca-file` wrote to flash (DER), and name the host dialled
(mbedTLS checks server_hostname). No CA on the board: no TLS at all, rather
than TLS that trusts anyone. Needs the port's `ssl.SSLContext`
(MicroPython 1.22 or later)."""
import sys

from . import storage


class TLSError(OSError):
    """A TLS link could not be set up; the message says why, without secrets."""


def wrap(sock, host):
    """`sock` (connected) wrapped in a verified TLS client session to `host`."""
    import ssl

    try:
        with open(storage.CA, "rb") as f:
            cadata = f.read()
    except OSError:
        raise TLSError("no CA certificate at %s (nes provision --ca-file)" % storage.CA)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=cadata)
    cadata = None
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except (OSError, ValueError) as exc:
        # mbedTLS reports a refused certificate as ValueError or OSError with its own text
        raise TLSError("TLS with %s refused: %s" % (host, " ".join(str(exc).split())))


class UmqttTLS:
    """What umqtt.simple needs to open its socket through `wrap`: newer
    versions call `ssl.wrap_socket(sock, server_hostname=...)` on the object
    given as `ssl`; 1.3 (PyPI) imports `ussl` and calls its wrap_socket with
    `ssl_params`, so this object also stands in for `ussl` (a port's own
    `ussl` would wrap without checking the certificate)."""

    def __init__(self, host):
        self.host = host
        self.raw = None  # the TCP socket under the last session (it holds the timeout)
        sys.modules["ussl"] = self

    def wrap_socket(self, sock, server_hostname=None, **ignored):
        self.raw = sock
        return wrap(sock, server_hostname or self.host)
