"""The small HTML pages a person sees after clicking an e-mailed link."""
from html import escape

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} - NES key server</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">
<h1>{title}</h1>
<p>{message}</p>
</body>
</html>
"""


def render(title, message):
    return _PAGE.format(title=escape(title), message=escape(message))
