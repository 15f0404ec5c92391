"""One module per group of `nes` commands; each has do_<command>(state, args)
handlers and add_<command>_arguments(parser) functions used by host_tools.cli."""

from ..errors import CommandError


class UsageError(CommandError):
    """A command line that does not make sense, found after parsing."""

    exit_code = 2


def one_of(positional, flag, name):
    """An argument the original gave as a flag (`-t USER`) and we also take by
    position (`USER`): either, or both when they agree; a CommandError when
    neither or two different ones are given."""
    if positional is not None and flag is not None and positional != flag:
        raise UsageError("%s given twice (%r and %r)" % (name, positional, flag))
    if positional is None and flag is None:
        raise UsageError("%s is needed" % name)
    return flag if flag is not None else positional
