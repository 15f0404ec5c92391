"""nes/1 on the host (CPython + pycryptodome); docs/PROTOCOL.md is the spec."""
