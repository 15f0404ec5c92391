"""The small HTML pages a person sees after clicking an e-mailed link: the
confirmation (a button that POSTs to the link's own address) and the outcome."""
from html import escape

_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} - NES key server</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">
<h1>{title}</h1>
<p>{message}</p>
{form}</body>
</html>
"""

# No action: the form posts to the address the page was loaded from.
_FORM = '<form method="post"><button type="submit">{button}</button></form>\n'


def render(title, message, button=None):
    """A page; with `button`, a form whose button POSTs back to this address."""
    form = _FORM.format(button=escape(button)) if button else ""
    return _PAGE.format(title=escape(title), message=escape(message), form=form)
