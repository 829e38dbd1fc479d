"""The input contract: every column an event file may have, every event type and attribute key, with meaning and
an example. `genome schema [--json]` prints it and the README quotes it; ingestion enforces it.

A file in another shape reaches this one through a mapping (`genome ingest FILE --map MAPPING.toml`,
`genome.mapping`).
"""

from dataclasses import asdict, dataclass

from genome.attributes import ATTRIBUTES
from genome.consent import PROFILING_BASES
from genome.events import (
    CHANNELS,
    CONSENT_PURPOSES,
    EVENT_MEANINGS,
    EVENT_TYPES,
    IDENTIFIER_COLUMNS,
    INPUT_COLUMNS,
    MAX_AMOUNT,
    MAX_QUANTITY,
    REQUIRED_COLUMNS,
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool
    meaning: str
    example: str


_COLUMNS = {
    "event_id": ("text", "the source's id of the event; without it an event is known by its content, so a file "
                         "sent twice adds nothing", "till-2017-000123"),
    "occurred_at": ("timestamp", "when it happened: ISO 8601; an offset or zone is converted to UTC, a time "
                                 "without one is read as UTC (a mapping can name the source's zone)",
                    "2017-03-04T10:15:00-06:00"),
    "channel": ("text", f"where it happened: one of {', '.join(CHANNELS)}", "store"),
    "event_type": ("text", "what happened: see the event types", "purchase"),
    "customer_ref": ("identifier", "the retailer's own customer or household number", "HH-1029"),
    "loyalty_id": ("identifier", "a loyalty card number", "L-08047637"),
    "email": ("identifier", "an e-mail address (case and spaces are ignored)", "jo.doe@example.com"),
    "phone": ("identifier", "a phone number in any format (E.164 in the store's home region, GENOME_PHONE_REGION)",
              "(312) 555-0142"),
    "device_id": ("identifier", "an app or browser id", "dev-4f2a9c"),
    "product_id": ("text", "the product's id (its name, category and brand come from the product import)",
                   "1095275"),
    "category": ("text", "the product category; spellings that differ only in case, spaces or punctuation are "
                         "one category", "SOFT DRINKS"),
    "amount": ("number", f"money paid (or refunded for a return) for the line, in its currency; at most "
                         f"{MAX_AMOUNT:,} in size (GENOME_MAX_AMOUNT); a negative purchase is a refund", "2.99"),
    "quantity": ("whole number", f"how many, 0 to {MAX_QUANTITY:,} (GENOME_MAX_QUANTITY)", "2"),
    "currency": ("text", "three-letter currency code", "USD"),
    "store_id": ("text", "the store of a visit or purchase (its city and region come from the store import)",
                 "S-CHI-01"),
    "city": ("text", "the city of the event (a store's or a delivery's)", "Chicago"),
    "text": ("text", "free text: a review, a ticket, a social post", "Keys in hand! First night in our new flat"),
    "attributes": ("JSON object", "more about the event: see the attribute keys; other keys are kept",
                   '{"discount_amount": 0.5, "basket_id": "31198570044"}'),
}

COLUMNS = tuple(Column(name=name, type=_COLUMNS[name][0], required=name in REQUIRED_COLUMNS,
                       meaning=_COLUMNS[name][1], example=_COLUMNS[name][2]) for name in INPUT_COLUMNS)

EXAMPLE_ROW = {
    "event_id": "till-2017-000123", "occurred_at": "2017-03-04T10:15:00-06:00", "channel": "store",
    "event_type": "purchase", "customer_ref": "HH-1029", "product_id": "1095275", "category": "SOFT DRINKS",
    "amount": "2.99", "quantity": "2", "store_id": "S-CHI-01", "attributes": '{"discount_amount": 0.5}',
}


def schema() -> dict:
    """The whole contract as plain data."""
    return {
        "columns": [asdict(c) for c in COLUMNS],
        "identifiers": {"columns": list(IDENTIFIER_COLUMNS),
                        "rule": "every event needs at least one; the first present is the one it is filed under"},
        "channels": list(CHANNELS),
        "event_types": [{"name": t, "meaning": EVENT_MEANINGS[t]} for t in EVENT_TYPES],
        "attributes": [{"key": a.key, "type": a.kind, "meaning": a.meaning, "example": a.example}
                       for a in ATTRIBUTES.values()],
        "consent_purposes": [{"name": p, "covers": meaning} for p, meaning in CONSENT_PURPOSES.items()],
        "profiling_bases": [{"name": b, "meaning": meaning} for b, meaning in PROFILING_BASES.items()],
        "example_row": EXAMPLE_ROW,
    }
