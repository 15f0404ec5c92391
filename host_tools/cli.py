# PYTHON_ARGCOMPLETE_OK
"""The `nes` command line: the command table, the shared flags of the original
NES client, and main(), which turns a CommandError (or an OS error) into one
line on stderr and a non-zero exit status."""
import argparse
import os
import sys
from dataclasses import dataclass

from .commands import board, chat, config, dashboard, history, identity, messages, monitor
from .errors import CommandError
from .output import safe_text
from .settings import CONFIG_ENV, DEFAULT_CONFIG, SETTINGS
from .state import State
from .usage import Parser

# The original's short flags; each long flag also takes the original's underscore spelling.
SHORT_FLAGS = {"broker": "-b", "provider": "-p", "provider_key": "-P", "private_message": "-k",
               "public_message": "-K", "private_sign": "-j", "public_sign": "-J", "user": "-u"}


PASS_THROUGH = "vboard"


@dataclass(frozen=True)
class Command:
    name: str
    handler: object  # do_<name>(state, args)
    add_arguments: object  # (parser) -> None, or None
    help: str
    needs_settings: bool = True


COMMANDS = (
    Command("register", identity.do_register, identity.add_register_arguments,
            "register your public keys and e-mail at the key server"),
    Command("listen", messages.do_listen, messages.add_listen_arguments, "print the messages you receive"),
    Command("send", messages.do_send, messages.add_send_arguments, "send a message to a user"),
    Command("config", config.do_config, config.add_config_arguments, "show and set configuration"),
    Command("generate", identity.do_generate, identity.add_generate_arguments,
            "generate your message and signing key pairs"),
    Command("chat", chat.do_chat, chat.add_chat_arguments, "interactive chat with a user"),
    Command("version", config.do_version, config.add_version_arguments, "print the version",
            needs_settings=False),
    Command("keys", identity.do_keys, identity.add_keys_arguments,
            "list, accept or forget correspondents' pinned keys"),
    Command("provision", board.do_provision, board.add_provision_arguments,
            "install NES on a board, have it make its keys, register them"),
    Command("flash", board.do_flash, board.add_flash_arguments, "write MicroPython to a board"),
    Command("vboard", board.do_vboard, None,
            "run a virtual board (MicroPython unix port behind a pseudo-terminal); "
            "`nes vboard --help` lists its options", needs_settings=False),
    Command("monitor", monitor.do_monitor, monitor.add_monitor_arguments,
            "check the key server's transparency log and report the entries of your names"),
    Command("history", history.do_history, history.add_history_arguments,
            "export the messages and readings kept by `nes listen --store`"),
    Command("dashboard", dashboard.do_dashboard, dashboard.add_dashboard_arguments,
            "a local web page: your boards' readings plotted live, conversations, a send box"),
)


SETTINGS_EPILOG = ("The settings flags (-b, -p, -P, -k, -K, -j, -J, -u, -c) may also come after the "
                   "command; `nes --help` lists them.")


def _settings_flags(parser, hidden=False):
    """The original's flags: listed once, under `nes --help`, and accepted
    (unlisted) after the command name too, unless the command has its own."""
    group = parser if hidden else parser.add_argument_group(
        "settings (flag > environment > config file > default)")

    def add(names, **kwargs):
        # A command's own flag wins (provision's -u is the board's name, flash's -b the baud).
        names = [name for name in names if name not in parser._option_string_actions]
        if names:
            group.add_argument(*names, default=argparse.SUPPRESS,
                               **(dict(kwargs, help=argparse.SUPPRESS) if hidden else kwargs))

    for item in SETTINGS:
        names = [SHORT_FLAGS[item.dest]] if item.dest in SHORT_FLAGS else []
        names.append("--" + item.dest)
        if "_" in item.dest:
            names.append("--" + item.dest.replace("_", "-"))
        add(names, dest=item.dest, metavar=item.metavar,
            help="%s [%s; env %s]" % (item.help, item.key, item.env))
    add(["-c", "--config"], metavar="FILE",
        help="config file (env %s; default %s)" % (CONFIG_ENV, DEFAULT_CONFIG))


def build_parser():
    parser = Parser(prog="nes",
                    description="NES messenger: end-to-end encrypted messages through an MQTT broker.")
    parser.add_argument("--version", action="version", version=config.version_line())
    _settings_flags(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        if command.name == PASS_THROUGH:  # its own parser (host_tools.board.vboard) reads the rest
            sub = commands.add_parser(command.name, help=command.help, add_help=False)
        else:
            sub = commands.add_parser(command.name, help=command.help, description=command.help,
                                      epilog=SETTINGS_EPILOG)
        if command.add_arguments:
            command.add_arguments(sub)
        if command.name != PASS_THROUGH:
            _settings_flags(sub, hidden=True)
        sub.set_defaults(command_entry=command, command_parser=sub)
    return parser


def _complete(parser):
    """Answer the shell's completion request (`register-python-argcomplete nes`), if it is one."""
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete
        argcomplete.autocomplete(parser)


def main(argv=None):
    parser = build_parser()
    _complete(parser)
    args, rest = parser.parse_known_args(argv)
    command = args.command_entry
    if command.name == PASS_THROUGH:
        args.vboard_args = rest
    elif rest:
        args.command_parser.error("unrecognized arguments: %s" % " ".join(rest))
    try:
        state = State(args) if command.needs_settings else None
        return command.handler(state, args) or 0
    except CommandError as exc:  # may quote a server or a board: made safe for the terminal
        print("nes: %s" % safe_text(str(exc)), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader went away (`nes listen | head`): not an error worth a message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        where = " (%s)" % exc.filename if getattr(exc, "filename", None) else ""
        print("nes: %s%s" % (exc.strerror or exc, where), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
