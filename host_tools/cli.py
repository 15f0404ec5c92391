"""The `nes` command line: the command table, the shared flags of the original
NES client, and main(), which turns a CommandError (or an OS error) into one
line on stderr and a non-zero exit status."""
import argparse
import os
import sys
from dataclasses import dataclass

from .commands import board, chat, config, dashboard, history, identity, messages
from .errors import CommandError
from .settings import CONFIG_ENV, DEFAULT_CONFIG, SETTINGS
from .state import State

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
    Command("version", config.do_version, None, "print the version", needs_settings=False),
    Command("keys", identity.do_keys, identity.add_keys_arguments,
            "list, accept or forget correspondents' pinned keys"),
    Command("provision", board.do_provision, board.add_provision_arguments,
            "install NES on a board, have it make its keys, register them"),
    Command("flash", board.do_flash, board.add_flash_arguments, "write MicroPython to a board"),
    Command("vboard", board.do_vboard, None,
            "run a virtual board (MicroPython unix port behind a pseudo-terminal); "
            "`nes vboard --help` lists its options", needs_settings=False),
    Command("history", history.do_history, history.add_history_arguments,
            "export the messages and readings kept by `nes listen --store`"),
    Command("dashboard", dashboard.do_dashboard, dashboard.add_dashboard_arguments,
            "a local web page: your boards' readings plotted live, conversations, a send box"),
)


def _common_flags():
    """The original's flags, accepted before or after the command name."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("settings (flag > environment > config file > default)")
    for item in SETTINGS:
        names = [SHORT_FLAGS[item.dest], "--" + item.dest]
        if "_" in item.dest:
            names.append("--" + item.dest.replace("_", "-"))
        group.add_argument(*names, dest=item.dest, default=argparse.SUPPRESS, metavar=item.metavar,
                           help="%s [%s; env %s]" % (item.help, item.key, item.env))
    group.add_argument("-c", "--config", default=argparse.SUPPRESS, metavar="FILE",
                       help="config file (env %s; default %s)" % (CONFIG_ENV, DEFAULT_CONFIG))
    return parent


def build_parser():
    common = _common_flags()
    parser = argparse.ArgumentParser(
        prog="nes", parents=[common],
        description="NES messenger: end-to-end encrypted messages through an MQTT broker.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        if command.name == PASS_THROUGH:  # its own parser (host_tools.board.vboard) reads the rest
            sub = commands.add_parser(command.name, help=command.help, add_help=False)
        else:
            sub = commands.add_parser(command.name, parents=[common], help=command.help,
                                      description=command.help)
        if command.add_arguments:
            command.add_arguments(sub)
        sub.set_defaults(command_entry=command)
    return parser


def main(argv=None):
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    command = args.command_entry
    if command.name == PASS_THROUGH:
        args.vboard_args = rest
    elif rest:
        parser.error("unrecognized arguments: %s" % " ".join(rest))
    try:
        state = State(args) if command.needs_settings else None
        return command.handler(state, args) or 0
    except CommandError as exc:
        print("nes: %s" % exc, file=sys.stderr)
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
