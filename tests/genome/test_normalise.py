from hypothesis import given, strategies as st

from genome.normalise import normalise_email, normalise_phone, parsed_phone


def test_email_is_trimmed_and_lower_cased():
    assert normalise_email("  Jane.Doe@Example.COM ") == "jane.doe@example.com"


def test_text_without_an_at_sign_is_not_an_email():
    assert normalise_email("jane.example.com") is None
    assert normalise_email("") is None
    assert normalise_email(None) is None


def test_us_phone_formats_all_become_the_same_e164_number():
    formats = ["(312) 555-0142", "312-555-0142", "+1 312 555 0142", "3125550142", "1 312 555 0142"]
    assert {normalise_phone(f) for f in formats} == {"+13125550142"}


def test_phone_with_country_code_keeps_its_country():
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"


def test_region_decides_numbers_without_country_code():
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"


def test_invalid_phone_numbers_are_rejected():
    for bad in ["123", "abc", "+1 000 000 0000", "", "   "]:
        assert normalise_phone(bad) is None


@given(st.text())
def test_normalisers_never_crash_on_arbitrary_text(text):
    email = normalise_email(text)
    assert email is None or email == email.strip().lower()
    phone = normalise_phone(text)
    assert phone is None or (phone.startswith("+") and phone[1:].isdigit())


NORTH_AMERICAN_SHAPES = ["{a}{b}{c}", "({a}) {b}-{c}", "{a}-{b}-{c}", "{a}.{b}.{c}", "1{a}{b}{c}", "1 {a} {b} {c}",
                         "+1 {a} {b} {c}", "+1{a}{b}{c}", "+1 ({a}) {b}-{c}", " {a} {b} {c} ", "1-{a}-{b}-{c}",
                         "({a}){b}{c}", "+1-{a}-{b}-{c}"]


@given(area=st.integers(0, 999), exchange=st.integers(0, 999), line=st.integers(0, 9999),
       shape=st.sampled_from(NORTH_AMERICAN_SHAPES), region=st.sampled_from(["US", "CA", "JM", "PR", "GB", "DE"]))
def test_north_american_numbers_normalise_as_a_full_libphonenumber_parse_would(area, exchange, line, shape, region):
    raw = shape.format(a=f"{area:03d}", b=f"{exchange:03d}", c=f"{line:04d}")
    assert normalise_phone(raw, region) == parsed_phone(raw, region)
