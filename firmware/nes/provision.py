"""On-board key generation, driven by the host's `nes provision` over the
serial REPL:

    import nes.provision; nes.provision.generate(force=False)

creates the key pairs from os.urandom when the board has none (or always,
with force=True), stores them on flash, and prints ONE line with the public
keys only:

    NES-PUBLIC {"public_key_message": "<b64>", "public_key_sign": "<b64>"}

The private keys never leave the board."""
import os

from . import identity
from .crypto import b64
from .proto import keys


def generate(force=False):
    current = None if force else identity.load()
    if current is None:
        current = keys.generate(os.urandom)
        identity.save(current)
    print('NES-PUBLIC {"public_key_message": "%s", "public_key_sign": "%s"}'
          % (b64.encode_str(current[1]), b64.encode_str(current[3])))
