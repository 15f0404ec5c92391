"""`make bench`: how fast NES is where it runs (firmware crypto under the
MicroPython unix port, the host's pycryptodome path, the key server behind
gunicorn, frames through Mosquitto), each figure next to a reference measured
in the same run (OpenSSL, nginx, a bare MQTT round trip) and given as a ratio.

    python -m bench [--smoke] [--only SECTION,...] [--out FILE] [--markdown FILE]

Sections that cannot run here say "not available: <why>" instead of a number."""
