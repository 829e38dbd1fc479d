"""Reading the TOML files people write (mappings, templates, asset libraries): one line when one cannot be read."""

import tomllib
from pathlib import Path

from genome.errors import InputError


def read_toml(path: Path, *, what: str, error: type[InputError] = InputError) -> dict:
    """The file at `path` as a dict, or `error` naming `what` it was meant to be and why it cannot be read."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{what} {path}: cannot read it ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path.name}: not TOML ({exc})") from None
