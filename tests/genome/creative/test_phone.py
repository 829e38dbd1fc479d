"""The phone preview: the e-mail as a self-contained document whose policy lets nothing run or load but its own
pictures, whether or not the template wrote a head."""

import base64

from genome.creative.phone import POLICY, phone_document


def _html(url: str) -> str:
    assert url.startswith("data:text/html;charset=utf-8;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode()


def test_the_policy_comes_first_in_the_templates_own_head():
    html = _html(phone_document('<!doctype html><html><HEAD lang="en"><title>x</title></head><body>Hi</body></html>'))
    assert html.startswith(f'<!doctype html><html><HEAD lang="en"><meta http-equiv="Content-Security-Policy" '
                           f'content="{POLICY}"><title>x</title>')
    assert "default-src 'none'" in POLICY and "script" not in POLICY  # scripts fall under default-src: none


def test_a_fragment_gets_a_head_with_the_policy_and_a_phone_viewport():
    html = _html(phone_document("<p>Hi Jim</p>"))
    assert html.index("Content-Security-Policy") < html.index("<body><p>Hi Jim</p></body>")
    assert 'name="viewport" content="width=device-width"' in html
