"""Contact details shown to roles that do not need them in full: enough to recognise, not to reach.

An e-mail keeps its first character and its domain (j***@example.com); a
phone keeps its last four digits (*** *** 0142). Everything else about the
person is not a contact detail and is shown as it is.
"""

MASKED_KINDS = ("email", "phone")


def mask_email(value: str) -> str:
    local, at, domain = (value or "").partition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def mask_phone(value: str) -> str:
    digits = [c for c in (value or "") if c.isdigit()]
    return "*** *** " + "".join(digits[-4:]) if len(digits) > 4 else "***"


def mask(kind: str, value: str | None) -> str | None:
    """`value` of identifier kind `kind` (email, phone, loyalty_id...) as a role without contact access sees it."""
    if value is None:
        return None
    if kind == "email":
        return mask_email(value)
    if kind == "phone":
        return mask_phone(value)
    return value
