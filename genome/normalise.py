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


def normalise_phone(raw: str | None, region: str = "US") -> str | None:
    """The E.164 form (+13125550142), or None when it is not a valid number."""
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
