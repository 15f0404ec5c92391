"""The usage-error convention of every `nes` command line: one line on stderr,
`nes: ...`, and exit status 2 (argparse alone prints the whole usage first)."""
import argparse


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage error is one line and exit status 2."""

    def error(self, message):
        self.exit(2, "nes: %s (`%s --help` shows the usage)\n" % (message, self.prog))
