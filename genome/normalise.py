"""Normalising identifiers so the same person's e-mail or phone always matches.

E-mail: trimmed and lower-cased (what ad platforms hash as well).
Phone: E.164 through Google's libphonenumber rules; numbers without a country
code are read in the store's home region.
"""

import re

import phonenumbers

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(raw: str | None) -> str | None:
    """Trimmed, lower-cased e-mail, or None when it is not an e-mail address."""
    if raw is None:
        return None
    email = raw.strip().lower()
    return email if _EMAIL.match(email) else None


# A number written the North American way ("(312) 555-0142", "312.555.0142", "+1 312 555 0142") names its ten
# national digits plainly, so libphonenumber's parse (two thirds of its time) can be skipped for it: the number
# is built from those digits and only its validity is asked. Anything else goes through the full parse.
_NANP = re.compile(r"\s*(?:\+?1[\s.-]?)?\(?([2-9]\d{2})\)?[\s.-]?(\d{3})[\s.-]?(\d{4})\s*")
_NANP_REGIONS = frozenset(phonenumbers.region_codes_for_country_code(1))


def normalise_phone(raw: str | None, region: str = "US") -> str | None:
    """The E.164 form (+13125550142), or None when it is not a valid number."""
    if raw is None or not raw.strip():
        return None
    plain = _NANP.fullmatch(raw)
    if plain and (region in _NANP_REGIONS or raw.lstrip().startswith("+1")):
        national = "".join(plain.groups())
        valid = phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=1, national_number=int(national)))
        return "+1" + national if valid else None
    return parsed_phone(raw, region)


def parsed_phone(raw: str, region: str = "US") -> str | None:
    """The E.164 form through libphonenumber's full parse (what `normalise_phone` gives for any text)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
