"""Usernames (docs/PROTOCOL.md §3): ^[a-z0-9_-]{3,32}$, ASCII."""
from .constants import USERNAME_MAX, USERNAME_MIN


def is_username(name):
    """True for a str that is a valid nes/1 username (already lower-case)."""
    if not isinstance(name, str) or not USERNAME_MIN <= len(name) <= USERNAME_MAX:
        return False
    for ch in name:
        if not ("a" <= ch <= "z" or "0" <= ch <= "9" or ch == "_" or ch == "-"):
            return False
    return True
