"""No private-key byte crosses the serial link while a board is provisioned.

`nes provision` runs against a virtual board whose every serial byte is
recorded; it is provisioned twice (the second time with --new-keys, so the
board makes a second key pair). Neither pair's private keys, nor the host
user's own private keys, may appear in the transcript in any form: raw, base64
(at every alignment), hex (either case), as a Python bytes repr, or as any
8-byte window of them raw or in hex. The public keys must be there, which
shows the transcript is the real one."""
import base64

from tests.host.test_provision import flash_keys, provision, wait_until_running

WINDOW = 8


def _forms(secret):
    """Byte strings whose presence in a transcript would leak (part of) `secret`."""
    forms = {secret, repr(secret).encode(), secret.hex().encode(), secret.hex().upper().encode()}
    for shift in range(3):  # base64 of the key inside any longer base64 text
        forms.add(base64.b64encode(secret[shift:shift + 27]))
        forms.add(base64.urlsafe_b64encode(secret[shift:shift + 27]))
    for i in range(len(secret) - WINDOW + 1):
        window = secret[i:i + WINDOW]
        forms.update({window, window.hex().encode(), window.hex().upper().encode()})
    return forms


def _leaks(transcript, secrets):
    return sorted({i for i, secret in enumerate(secrets) for form in _forms(secret) if form in transcript})


def test_provisioning_transcript_holds_no_private_key_bytes(nes_factory, vboard_factory,
                                                            keyserver, mosquitto):
    host = nes_factory("alice").join(mosquitto, keyserver)
    host_secrets = [base64.b64decode(host.key(s)) for s in ("x25519-message", "ed25519-sign")]
    board = vboard_factory(install=False)

    provision(host, board).ok()
    first = flash_keys(board)
    first_public = (board.dir / "nesdata" / "sign.pub").read_bytes()
    wait_until_running(board)
    provision(host, board, "--new-keys", name="board2", email="board2@example.org").ok()
    second = flash_keys(board)
    second_public = (board.dir / "nesdata" / "sign.pub").read_bytes()

    transcript = board.transcript.read_bytes()
    board_secrets = first + second
    leaks = _leaks(transcript, board_secrets + host_secrets)
    checked = sum(len(_forms(s)) for s in board_secrets + host_secrets)
    print("\nprovisioned twice over a recorded serial link (%d bytes): %d private keys (4 made on the board, "
          "2 of the host user) x their forms = %d byte strings searched; found: %s"
          % (len(transcript), len(board_secrets + host_secrets), checked, leaks or "none"))
    assert first != second, "--new-keys did not make new keys"
    for public in (first_public, second_public):
        assert base64.b64encode(public) in transcript
    assert not leaks, "private key %s crossed the serial link" % leaks
