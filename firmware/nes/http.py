"""A small HTTP/1.0 GET client for the key server: one request per
connection, a timeout on every socket operation, and a cap on the answer's
size so a hostile or broken server cannot exhaust the heap. `https://` URLs
go through tlsclient (the certificate checked against the CA on flash; the
key server's answers are signed anyway, so TLS adds privacy, not trust)."""
import socket

from .proto.constants import const

_MAX_BODY = const(4096)
_MAX_LINE = const(512)


class HTTPError(OSError):
    """The server could not be reached or did not answer with HTTP."""


def split_url(url):
    """(tls, host, port, path) of an http:// or https:// URL."""
    if url.startswith("http://"):
        tls, rest, port = False, url[7:], 80
    elif url.startswith("https://"):
        tls, rest, port = True, url[8:], 443
    else:
        raise ValueError("URL must start with http:// or https://")
    host, _, path = rest.partition("/")
    if ":" in host:
        host, _, number = host.partition(":")
        port = int(number)
    if not host or not 0 < port < 65536:
        raise ValueError("URL has no host or a bad port")
    return tls, host, port, "/" + path


def _line(stream):
    line = stream.readline(_MAX_LINE)
    if not line.endswith(b"\n"):
        raise HTTPError("malformed HTTP answer")
    return line.rstrip(b"\r\n")


def _body(stream, length):
    if length is not None and length > _MAX_BODY:
        raise HTTPError("answer of %d bytes is too large" % length)
    body = stream.read(_MAX_BODY + 1 if length is None else length)
    if len(body) > _MAX_BODY or (length is not None and len(body) != length):
        raise HTTPError("answer too large or cut short")
    return body


def get(url, timeout=10):
    """GET `url`; (status, body bytes). OSError on network trouble."""
    tls, host, port, path = split_url(url)
    addr = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
    sock = socket.socket()
    try:
        sock.settimeout(timeout)
        sock.connect(addr)
        stream = sock
        if tls:
            from .tlsclient import wrap

            stream = wrap(sock, host)
        stream.write(b"GET %s HTTP/1.0\r\nHost: %s\r\nAccept: application/json\r\n"
                     b"User-Agent: nes-board\r\n\r\n" % (path.encode(), host.encode()))
        status = _line(stream).split(None, 2)
        if len(status) < 2 or not status[0].startswith(b"HTTP/") or not status[1].isdigit():
            raise HTTPError("not an HTTP answer")
        length = None
        while True:
            header = _line(stream)
            if not header:
                break
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    raise HTTPError("bad Content-Length")
        return int(status[1]), _body(stream, length)
    finally:
        sock.close()
