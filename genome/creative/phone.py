"""An e-mail as a phone shows it: the rendered HTML as a self-contained document for a phone-wide frame.

The document is a `data:` URL, so the frame has an origin of its own and can
reach nothing of the page around it; a Content-Security-Policy inside it
lets no script run and nothing load but the pictures inlined into it (and
pictures the template links over https). Templates with markup that could
run are refused when checked (`genome.creative.templates`); this is the
second lock.
"""

import base64
import re

from genome.creative.library import file_of
from store.meta import CreativeAsset

PHONE_WIDTH = 375  # CSS pixels: the narrow phones most e-mail is read on
PHONE_HEIGHT = 667
POLICY = "default-src 'none'; img-src data: https:; style-src 'unsafe-inline'; font-src data:"
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.I)


def inline_picture(asset: CreativeAsset, folder) -> str:
    """A picture asset as a data: URL, so the preview needs no file server; empty when its file is missing."""
    path = file_of(asset, folder)
    if path is None or not path.exists():
        return ""
    return f"data:{asset.media_type};base64,{base64.b64encode(path.read_bytes()).decode()}"


def phone_document(html: str) -> str:
    """`html` with the policy first in its head, as a data: URL for a frame."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
    if found := _HEAD.search(html):
        html = html[:found.end()] + meta + html[found.end():]
    else:
        html = f"<!doctype html><html><head>{meta}<meta name=\"viewport\" content=\"width=device-width\"></head>" \
               f"<body>{html}</body></html>"
    return "data:text/html;charset=utf-8;base64," + base64.b64encode(html.encode()).decode()
