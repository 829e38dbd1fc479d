"""Finding a customer by anything a person has: an e-mail, a phone in any format, a loyalty id,
a customer reference, a device id or the internal customer id.

Identity resolution joined these identifiers into one customer each (the
`identifiers` table); this reads that join backwards. E-mails and phones are
normalised as at ingest (case and spaces; E.164 in the store's home region),
so "J.Doe@Example.com " and "(312) 555-0142" find the customer their events
were filed under.
"""

import duckdb

from genome.errors import UnknownCustomer
from genome.normalise import normalise_email, normalise_phone

KINDS = ("e-mail", "phone", "loyalty id", "customer reference", "device id", "customer id")


def looked_up(identifier: str, *, empty: str) -> str:
    """`identifier` trimmed, or UnknownCustomer saying `empty` (nothing given) or that it is too long."""
    text = (identifier or "").strip()
    if not text:
        raise UnknownCustomer(empty)
    if len(text) > 256:
        raise UnknownCustomer("an identifier is at most 256 characters")
    return text


def candidate_identifiers(text: str, *, region: str = "US") -> list[str]:
    """Every stored identifier `text` could be: an e-mail, a phone, a loyalty id, a reference or a device id."""
    candidates = [("email", normalise_email(text)), ("phone", normalise_phone(text, region)),
                  ("loyalty_id", text), ("customer_ref", text), ("device_id", text)]
    return [f"{kind}:{value}" for kind, value in candidates if value]


def resolve_customer(con: duckdb.DuckDBPyConnection, identifier: str, *, region: str = "US") -> str:
    """The customer id behind `identifier`; UnknownCustomer says when nobody, or more than one, matches."""
    text = looked_up(identifier, empty="give an e-mail, phone, loyalty id or customer id to look a customer up")
    identifiers = candidate_identifiers(text, region=region)
    rows = con.execute(
        "SELECT DISTINCT customer_id FROM identifiers WHERE identifier IN (SELECT unnest(?)) "
        "UNION SELECT customer_id FROM customers WHERE customer_id = ?", [identifiers, text]).fetchall()
    found = sorted(r[0] for r in rows)
    if not found:
        raise UnknownCustomer(f"no customer has the identifier {text!r} (looked for it as an "
                              f"{', '.join(KINDS[:-1])} and {KINDS[-1]})")
    if len(found) > 1:
        raise UnknownCustomer(f"{text!r} belongs to {len(found)} customers ({', '.join(found[:5])}): "
                              "give a more specific identifier")
    return found[0]
