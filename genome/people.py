"""Names of the people who act (an account's name, an identity provider's e-mail): checked as plain text.

They are shown in logs and written into metadata, and reach domain functions
from the shell and from other callers as well as from sign-in, so each
function checks again. A name starts with a letter,
holds letters, digits, spaces and . ' - _ @ only, and is at most 80
characters. So it can never be HTML, Markdown, or a spreadsheet formula
(=, +, -, @ at the start).
"""

import re

from genome.errors import InputError

_NAME = re.compile(r"[^\W\d_][\w .'@-]{0,79}")


def person_name(text: str, *, what: str = "name") -> str:
    """`text` trimmed, or an InputError saying what a name may hold."""
    name = " ".join((text or "").split())
    if not name:
        raise InputError(f"{what} is empty: say who you are")
    if not _NAME.fullmatch(name):
        raise InputError(f"{what} {name[:40]!r} is not a plain name: start with a letter and use letters, digits, "
                         "spaces and . ' - _ @ (at most 80 characters)")
    return name
