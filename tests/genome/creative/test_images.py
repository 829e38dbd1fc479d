"""Pictures are judged by their content: PNG, JPEG and WebP pass; SVG, a renamed text file and oversize ones do not."""

import io

import pytest
from PIL import Image

from genome.creative.images import MAX_BYTES, check_image
from genome.errors import InputError


def _picture(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 50, 50)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.mark.parametrize("kind, media_type", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_pictures_are_known_by_their_content(kind, media_type):
    assert check_image(_picture(kind)) == media_type


@pytest.mark.parametrize("content, problem", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG drawing"),
    (b'<?xml version="1.0"?>\n<svg><a href="javascript:x()"/></svg>', "SVG drawing"),
    (b"just some text called hero.png", "not a picture that can be read"),
    (_picture("PNG")[:40], "not a picture that can be read"),
])
def test_anything_else_is_refused_with_the_reason(content, problem):
    with pytest.raises(InputError, match=problem):
        check_image(content, name="hero.png")


def test_a_gif_is_named_as_what_it_is():
    with pytest.raises(InputError, match="is a GIF picture; upload PNG, JPEG or WebP"):
        check_image(_picture("GIF"))


def test_a_file_over_the_limit_is_refused_before_it_is_read():
    with pytest.raises(InputError, match="at most 5 MB"):
        check_image(b"\x89PNG" + b"0" * MAX_BYTES)
