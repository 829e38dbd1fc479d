"""Templates: checked in one line, rendered in a sandbox that reads no file, loops within bounds, escapes e-mail
HTML and never leaves `{{ }}` in a message."""

from pathlib import Path

import pytest

from genome.creative.templates import (
    list_templates,
    load_template,
    render_part,
    sample_context,
    sms_length,
    sms_parts,
    unusable_templates,
)
from genome.errors import InputError

LIBRARY = Path(__file__).resolve().parents[3] / "assets"

def _template(sms: str = "{{ slots.hero.text }}", part: str = "sms") -> str:
    """A small template whose `part` is `sms` (a TOML literal string: any quotes inside stay as they are)."""
    return ('name = "t"\n[slots.hero]\nkind = "image"\nfallback = "h"\n[channels]\n'
            'email_html = "<p>Hi {{ first_name }}</p>"\n' + f"{part} = \'\'\'{sms}\'\'\'\n")


def _write(tmp_path, text: str) -> Path:
    path = tmp_path / "t.toml"
    path.write_text(text)
    return path


def test_the_demo_template_is_sound():
    template = load_template(LIBRARY / "templates" / "tv-offer.toml")
    assert set(template.slots) == {"hero", "headline", "body", "cta", "offer"}
    assert {"email_subject", "email_html", "sms", "push_title", "push_body"} == set(template.parts)


@pytest.mark.parametrize("part, problem", [
    ("{% include 'secrets.txt' %}", "secrets.txt"),
    ("{% render '/etc/passwd' %}", "/etc/passwd"),
    ("{{ customer.email }}", "'customer' is undefined"),
    ("{% for i in (1..1000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}", "loop iteration limit"),
    ("{% if %}", "missing expression"),
    ("{{ first_name | shell }}", "unknown filter 'shell'"),
])
def test_a_template_that_tries_to_escape_or_is_broken_is_refused_in_one_line(tmp_path, part, problem):
    path = _write(tmp_path, _template(part))
    with pytest.raises(InputError, match=problem) as caught:
        load_template(path)
    assert str(caught.value).startswith("t: sms: ") and "\n" not in str(caught.value)


def test_a_template_without_slots_or_parts_says_what_it_lacks(tmp_path):
    with pytest.raises(InputError, match="names at least one slot"):
        load_template(_write(tmp_path, 'name = "t"\n[channels]\nsms = "x"\n'))
    with pytest.raises(InputError, match=r"\[channels\] holds some of"):
        load_template(_write(tmp_path, _template(part="fax")))


def test_values_from_the_data_are_escaped_in_e_mail_html_and_never_run(tmp_path):
    template = load_template(_write(tmp_path, _template()))
    context = sample_context(template) | {"first_name": "<img src=x onerror=alert(1)>{{ 7 }}"}
    html = render_part(template, "email_html", context)
    assert "<img" not in html and "&lt;img" in html and "{{" not in html


def test_sms_length_counts_parts():
    assert (sms_parts("x" * 160), sms_parts("x" * 161), sms_parts("x" * 306), sms_parts("x" * 307)) == (1, 2, 2, 3)


def test_an_sms_outside_the_gsm_alphabet_counts_as_ucs2_and_extended_characters_count_twice():
    assert sms_length("Café €5") == (8, "GSM-7")  # é is in the alphabet, € takes an escape and itself
    assert sms_parts("x" * 80 + "€" * 40) == 1 and sms_parts("x" * 81 + "€" * 40) == 2
    assert sms_length("It’s here") == (9, "UCS-2")  # a curly apostrophe
    assert sms_parts("x" * 69 + "’") == 1 and sms_parts("x" * 70 + "’") == 2
    assert sms_length("TV 📺") == (5, "UCS-2")  # an emoji takes two UTF-16 units
    assert sms_parts("📺" * 35) == 1 and sms_parts("📺" * 36) == 2


@pytest.mark.parametrize("html, named", [
    ("<p>Hi</p><script>fetch('/x')</script>", "<script>"),
    ("<img src=x onerror=alert(1)>", "event handler"),
    ('<a href="JavaScript:alert(1)">go</a>', "JavaScript link"),
    ('<iframe src="https://example.com"></iframe>', "<iframe>"),
    ('<form action="https://example.com"><input></form>', "<form>"),
])
def test_e_mail_html_that_could_run_is_refused_when_checked(tmp_path, html, named):
    text = ('name = "t"\n[slots.hero]\nkind = "image"\nfallback = "h"\n[channels]\n'
            f"email_html = '''{html}'''\n")
    with pytest.raises(InputError, match="email_html holds") as caught:
        load_template(_write(tmp_path, text))
    assert named in str(caught.value)


def test_a_slot_name_that_is_not_a_plain_word_is_refused(tmp_path):
    text = 'name = "t"\n[slots."hero image"]\nkind = "image"\nfallback = "h"\n[channels]\nsms = "x"\n'
    with pytest.raises(InputError, match="slot 'hero image'"):
        load_template(_write(tmp_path, text))


def test_a_template_is_usable_only_when_the_library_holds_every_fallback_it_names(tmp_path):
    templates = list_templates(LIBRARY)
    fallbacks = {slot.fallback for slot in load_template(templates["tv-offer"]).slots.values()}
    assert unusable_templates(templates, fallbacks) == {}
    assert unusable_templates(templates, fallbacks - {"tv-cta"}) == {
        "tv-offer": "its fallback asset tv-cta is not in the asset library (or not valid today)"}
    broken = tmp_path / "templates"
    broken.mkdir()
    (broken / "half.toml").write_text('name = "half"\n[slots.hero]\nkind = "image"\n')
    assert unusable_templates(list_templates(tmp_path), fallbacks) == {
        "half": "half.toml: slot 'hero' needs a kind (one of image, headline, body, cta, offer) and a fallback asset"}
