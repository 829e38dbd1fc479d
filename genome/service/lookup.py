"""Finding customers by what a caller says: an e-mail, a phone in any format, a loyalty id, a customer id or
part of one of them (a name is usually part of an e-mail address: "robinson" finds amanda.robinson@...).

An exact identifier finds its customer at once; otherwise identifiers that
contain the text (at least three characters) are listed, a few per kind, so
several matches give a short list to choose from. The text reaches SQL only
as a parameter, with LIKE's wildcards escaped.
"""

from dataclasses import dataclass

import duckdb

from genome.customers import candidate_identifiers, looked_up
from genome.service.masking import mask

MIN_PARTIAL = 3
# kinds whose values a person might remember part of
PARTIAL_KINDS = ("email", "loyalty_id", "customer_ref", "phone")


@dataclass(frozen=True)
class Match:
    customer_id: str
    kind: str  # the identifier kind that matched, or "customer_id"
    value: str  # the matched value, masked unless contacts may be revealed
    exact: bool


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_customers(con: duckdb.DuckDBPyConnection, text: str, *, reveal: bool = False, limit: int = 20,
                   region: str = "US") -> list[Match]:
    """Customers whose identifiers are `text`, else contain it; masked e-mails and phones unless `reveal`."""
    text = looked_up(text, empty="type an e-mail, phone, loyalty id, customer id or part of one to look a "
                                 "customer up")
    exact = con.execute(
        "SELECT customer_id, kind, value FROM identifiers WHERE identifier IN (SELECT unnest(?)) "
        "UNION ALL SELECT customer_id, 'customer_id', customer_id FROM customers WHERE customer_id = ? "
        "ORDER BY 1, 2", [candidate_identifiers(text, region=region), text]).fetchall()
    rows, is_exact = exact, True
    if not exact and len(text) >= MIN_PARTIAL:
        phone_digits = "".join(c for c in text if c.isdigit())
        rows = con.execute(
            "SELECT customer_id, kind, value FROM identifiers "
            "WHERE (kind IN (SELECT unnest(?)) AND value ILIKE ? ESCAPE '\\') "
            "   OR (kind = 'phone' AND length(?) >= 4 AND value LIKE ? ESCAPE '\\') "
            "UNION ALL SELECT customer_id, 'customer_id', customer_id FROM customers "
            "WHERE customer_id ILIKE ? ESCAPE '\\' "
            "ORDER BY kind, value LIMIT ?",
            [list(PARTIAL_KINDS[:-1]), _like(text), phone_digits, _like(phone_digits), _like(text),
             limit * 3]).fetchall()
        is_exact = False
    seen: dict[str, Match] = {}
    for customer_id, kind, value in rows:
        if customer_id not in seen:
            seen[customer_id] = Match(customer_id, kind, value if reveal else mask(kind, value), is_exact)
    return list(seen.values())[:limit]
