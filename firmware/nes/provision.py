"""On-board key generation, driven by the host's `nes provision` over the
serial REPL:

    import nes.provision; nes.provision.generate(force=False)

creates the key pairs from the board's DRBG (nes/entropy.py; on a Wi-Fi
board with the radio on first, as the ESP32's generator needs it) when the
board has none (or always, with force=True), stores them on flash, and
prints ONE line with the public keys only:

    NES-PUBLIC {"public_key_message": "<b64>", "public_key_sign": "<b64>"}

The private keys never leave the board."""
import board

from . import entropy, identity
from .crypto import b64
from .proto import keys


def generate(force=False):
    current = None if force else identity.load()
    if current is None:
        if board.HAS_WIFI:
            from .wifi import radio_on

            radio_on()
        current = keys.generate(entropy.random)
        identity.save(current)
    print('NES-PUBLIC {"public_key_message": "%s", "public_key_sign": "%s"}'
          % (b64.encode_str(current[1]), b64.encode_str(current[3])))
