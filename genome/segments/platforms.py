"""Ad-platform audience files, each in the platform's own documented format.

Every platform gets one CSV row per person with one column per identifier
type (up to three e-mails and three phones, the most recently seen first),
each value normalised as that platform documents and hashed with SHA-256
(lower-case hex):

| platform | file headers | e-mail before hashing | phone before hashing |
|---|---|---|---|
| Google Ads Customer Match | `Email`, `Phone` | trimmed, lower-case | E.164 with "+" (+13125550142) |
| Meta custom audience (customer list) | `email`, `phone` | trimmed, lower-case | digits with country code, no "+" (13125550142) |
| TikTok custom audience (customer file) | `Email_SHA256`, `Phone_SHA256` | trimmed, lower-case, "+tag" before "@" removed | digits with country code, no "+" |

Sources: Google Ads help 7659867 and 7475964 ("Format your customer data
file"), Meta Business help 2082575038703844 and the Marketing API's
"Hashing and normalizing data", TikTok Ads help "List of supported IDs and
formats for a customer file" (August 2025).
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from genome.normalise import normalise_email

PER_TYPE = 3  # every platform above accepts up to three columns of each identifier type

# The e-mails and phones of the people in `_export_members`, each person's most recently seen first; the same
# query on DuckDB or another engine.
CONTACT_IDENTIFIERS_SQL = """
SELECT i.customer_id, i.kind, i.value FROM identifiers i JOIN _export_members m USING (customer_id)
WHERE i.kind IN ('email', 'phone') ORDER BY i.customer_id, i.first_seen DESC, i.value
"""


def by_person(rows) -> dict[str, tuple[list[str], list[str]]]:
    """(customer_id, kind, value) rows, in order, as each person's e-mails and phones."""
    found: dict[str, tuple[list[str], list[str]]] = {}
    for customer_id, kind, value in rows:
        found.setdefault(customer_id, ([], []))[0 if kind == "email" else 1].append(value)
    return found


def _digits(e164: str) -> str:
    return e164.lstrip("+")


def _without_tag(email: str) -> str:
    local, _, domain = email.partition("@")
    return local.split("+", 1)[0] + "@" + domain


@dataclass(frozen=True)
class Platform:
    key: str
    name: str
    email_header: str
    phone_header: str
    email: Callable[[str], str]  # from a normalised (trimmed, lower-case) e-mail
    phone: Callable[[str], str]  # from an E.164 phone


PLATFORMS = {p.key: p for p in (
    Platform("google_ads", "Google Ads Customer Match", "Email", "Phone", lambda e: e, lambda p: p),
    Platform("meta", "Meta custom audience", "email", "phone", lambda e: e, _digits),
    Platform("tiktok", "TikTok custom audience", "Email_SHA256", "Phone_SHA256", _without_tag, _digits),
)}


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def platform_rows(platform: Platform, identifiers: dict[str, tuple[list[str], list[str]]]
                  ) -> tuple[list[str], list[list[str]]]:
    """Header and rows for `identifiers` (customer -> (e-mails, E.164 phones), newest first).

    A person without a usable e-mail or phone is left out: a row with
    nothing to match on is noise in the platform's match rate.
    """
    header = [platform.email_header] * PER_TYPE + [platform.phone_header] * PER_TYPE
    rows = []
    for customer in sorted(identifiers):
        emails, phones = identifiers[customer]
        hashed_emails = _unique(sha256(platform.email(e)) for e in (normalise_email(x) for x in emails) if e)
        hashed_phones = _unique(sha256(platform.phone(p)) for p in phones if p)
        if hashed_emails or hashed_phones:
            rows.append(_padded(hashed_emails) + _padded(hashed_phones))
    return header, rows


def _unique(values) -> list[str]:
    return list(dict.fromkeys(values))


def _padded(values: list[str]) -> list[str]:
    return (values + [""] * PER_TYPE)[:PER_TYPE]
