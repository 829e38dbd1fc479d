"""Pictures are checked by what they contain, never by their name: PNG, JPEG or WebP, decodable, not too big.

SVG is refused outright: it is a document that can carry scripts and links, so
a picture shown in a message or a page could act. A file named .png that is
anything else is refused too.
"""

import io

from PIL import Image, UnidentifiedImageError

from genome.errors import InputError

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000  # a small file can still decode to a huge picture


def check_image(content: bytes, *, name: str = "the file") -> str:
    """The media type of `content` when it is a usable PNG, JPEG or WebP picture; else one line saying why not."""
    if len(content) > MAX_BYTES:
        raise InputError(f"{name} is {len(content) / 1e6:.1f} MB; pictures may be at most {MAX_BYTES // 2**20} MB")
    head = content[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head:
        raise InputError(f"{name} is an SVG drawing, which can carry scripts: upload it as PNG, JPEG or WebP")
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            if image.width * image.height > MAX_PIXELS:
                raise InputError(f"{name} is {image.width} x {image.height} pixels; at most "
                                 f"{MAX_PIXELS // 1_000_000} million pixels")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"{name} is not a picture that can be read ({exc.__class__.__name__}): upload PNG, JPEG "
                         "or WebP") from None
    if kind not in FORMATS:
        raise InputError(f"{name} is a {kind} picture; upload PNG, JPEG or WebP")
    return FORMATS[kind]
