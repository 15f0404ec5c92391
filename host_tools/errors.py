"""The one error type of the `nes` command line: a user-facing failure that
`cli.main` prints as a single line on stderr before exiting non-zero."""


class CommandError(Exception):
    """Something the user can fix; the message is shown as is, without a traceback."""

    exit_code = 1
