"""The error classes of nes/1 (docs/PROTOCOL.md §9), named as on the host.
Messages never carry key material, MAC values or plaintext."""


class ProtocolError(Exception):
    """A frame that must not be used."""


class FormatError(ProtocolError):
    """Not a well-formed nes/1 frame (§7 steps 1-4)."""


class AuthenticationError(ProtocolError):
    """Cannot be attributed to a verified sender (key agreement, MAC, padding,
    inner message or signature: deliberately one class)."""


class UnknownSenderError(ProtocolError):
    """No signing key is known for the claimed sender."""


class RecipientError(ProtocolError):
    """A valid message addressed to someone else."""


class TimestampError(ProtocolError):
    """A valid message outside the accepted time window."""


class ReplayError(ProtocolError):
    """A valid message that was accepted before."""


class DirectoryError(Exception):
    """A key-server answer that is malformed, for another name, or not signed
    by the pinned key (§10)."""
