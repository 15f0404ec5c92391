"""The error classes of nes/1 (docs/PROTOCOL.md §9). Messages never carry secrets."""


class ProtocolError(Exception):
    """A frame that must not be used."""


class FormatError(ProtocolError):
    """Not a well-formed nes/1 frame."""


class AuthenticationError(ProtocolError):
    """Cannot be attributed to a verified sender (MAC, key agreement, padding,
    inner message or signature; deliberately one class)."""


class UnknownSenderError(ProtocolError):
    """No signing key is known for the claimed sender."""


class RecipientError(ProtocolError):
    """A valid message addressed to someone else."""


class TimestampError(ProtocolError):
    """A valid message outside the accepted time window."""


class ReplayError(ProtocolError):
    """A valid message that was accepted before."""


class DirectoryError(Exception):
    """A key-server answer that is malformed, for another name, or not signed by the pinned key."""


class StaleAnswerError(DirectoryError):
    """A signed key-server answer that has expired or was issued in the future."""


class RollbackError(DirectoryError):
    """A signed key-server answer older (lower serial) than one already seen for the name."""


ERROR_CLASSES = {
    cls.__name__: cls
    for cls in (FormatError, AuthenticationError, UnknownSenderError,
                RecipientError, TimestampError, ReplayError)
}

DIRECTORY_ERROR_CLASSES = {cls.__name__: cls for cls in (DirectoryError, StaleAnswerError, RollbackError)}
