"""A small line editor for `nes chat`: the terminal in no-echo, character
mode, the input line redrawn by us, so a message arriving while the user types
is printed above the line and the half-typed input is put back below it.

The line never wraps (a long input scrolls horizontally), which keeps "clear
the line and redraw it" exact on any terminal. Off a terminal (a pipe), it is
a plain line reader."""
import codecs
import os
import termios
import unicodedata

EOF = object()
_CLEAR = "\r\x1b[K"
_BACKSPACES = ("\x7f", "\x08")
_KILL_LINE, _KILL_WORD, _REDRAW, _END = "\x15", "\x17", "\x0c", "\x04"


def _width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class LineEditor:
    def __init__(self, fd_in, out, prompt):
        self.fd = fd_in
        self.out = out
        self.prompt = prompt
        self.tty = os.isatty(fd_in)
        self.buffer = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._escape = None  # None, "" after ESC, or the CSI parameters so far
        self._saved = None

    def __enter__(self):
        if self.tty:
            self._saved = termios.tcgetattr(self.fd)
            mode = termios.tcgetattr(self.fd)
            # No echo, no line buffering; ISIG stays, so Ctrl-C still interrupts.
            mode[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN)
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self.fd, termios.TCSADRAIN, mode)
            self.redraw()
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            self.out.write(_CLEAR)
            self.out.flush()
            termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def _visible(self):
        """The tail of the buffer that fits on one line after the prompt."""
        try:
            columns = os.get_terminal_size(self.out.fileno()).columns or 80  # 0: size unknown
        except OSError:
            columns = 80
        room = max(columns - len(self.prompt) - 1, 8)
        shown, used = [], 0
        for ch in reversed(self.buffer):
            used += _width(ch)
            if used > room:
                break
            shown.append(ch)
        return "".join(reversed(shown))

    def redraw(self):
        if self.tty:
            self.out.write(_CLEAR + self.prompt + self._visible())
            self.out.flush()

    def print_above(self, text):
        """Show `text` on its own line(s) without disturbing the line being typed."""
        self.out.write((_CLEAR if self.tty else "") + text + "\n")
        self.redraw()

    def feed(self, data):
        """Handle bytes typed (b"" is end of input); return the finished lines and EOF."""
        if not data:
            return [self.buffer, EOF] if self.buffer else [EOF]
        done = []
        for ch in self._decoder.decode(data):
            if self._escape is not None:
                self._skip_escape(ch)
            elif ch in "\r\n":
                line, self.buffer = self.buffer, ""
                if line.strip():
                    done.append(line)
            elif not self.tty:
                self.buffer += ch
            elif ch == "\x1b":
                self._escape = ""
            elif ch in _BACKSPACES:
                self.buffer = self.buffer[:-1]
            elif ch == _KILL_LINE:
                self.buffer = ""
            elif ch == _KILL_WORD:
                self.buffer = self.buffer.rstrip()
                self.buffer = self.buffer[:len(self.buffer) - len(self.buffer.split(" ")[-1])]
            elif ch == _END and not self.buffer:
                done.append(EOF)
                break
            elif ch >= " " and ch != "\x7f":
                self.buffer += ch
        self.redraw()
        return done

    def _skip_escape(self, ch):
        """Consume an escape sequence (arrow keys and the like are not editing keys here)."""
        if self._escape == "":  # just after ESC: CSI, SS3, or an Alt+key pair
            self._escape = ch if ch in "[O" else None
        elif self._escape == "O" or "@" <= ch <= "~":  # SS3's one character, or CSI's final byte
            self._escape = None
        else:  # CSI parameter or intermediate byte
            self._escape += ch
