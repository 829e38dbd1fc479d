"""What the generated files look like: sources, event types and columns, defects, identifier
spaces, hour-of-day weights, and the manifest `generate` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from genome.errors import InputError

SOURCES = ("store", "wholesale", "web", "app", "service", "email", "social")
STORE, WHOLESALE, WEB, APP, SERVICE, EMAIL, SOCIAL = range(7)

EVENT_TYPES = (
    "view", "search", "cart", "purchase", "return", "store_visit", "review",
    "ticket", "email_open", "email_click", "post", "consent",
)
(VIEW, SEARCH, CART, PURCHASE, RETURN, STORE_VISIT, REVIEW,
 TICKET, EMAIL_OPEN, EMAIL_CLICK, POST, CONSENT) = range(12)

EVENT_COLUMNS = (
    "event_id", "occurred_at", "channel", "event_type", "customer_ref", "email", "phone",
    "loyalty_id", "device_id", "product_id", "category", "amount", "quantity", "currency",
    "store_id", "city", "text", "attributes",
)
EVENT_SCHEMA = pa.schema([(name, pa.string()) for name in EVENT_COLUMNS])

DEFECTS = (
    "amount_not_numeric", "amount_decimal_comma", "unknown_channel", "bad_timestamp",
    "no_identifiers", "attributes_not_json", "quantity_out_of_range",
)
CORRUPT_SHARE = 0.0005
# Defective values are extra entries at the end of the pools that the
# columns are picked from, so breaking a row costs nothing at format time.
BAD_TIMESTAMP = "31/02/2026 25:61"
BAD_ATTRIBUTES = "{discount: yes"
BAD_QUANTITY = "-5000000"
MAX_QUANTITY = 999
KIOSK_DEVICES = ("dev-kiosk-1", "dev-kiosk-2", "dev-kiosk-3")
PREFERRED_CHANNELS = ("store", "web", "app")
TRAITS = ("is_traveller", "is_gamer", "is_parent", "is_runner", "is_bargain_hunter", "is_premium_buyer")
# Life events that happen at most once in the window, in the column order of `People.life_day`.
DATED_LIFE_EVENTS = ("wedding", "new_baby", "graduation", "moving_house", "new_job")

# Identifier bits on an event; which device it was is kept apart in `dev`.
REF, MAIL, PHONE, LOYALTY, DEVICE = 1, 2, 4, 8, 16
KIOSK_SLOT = 2  # dev values 2..4 are the shared in-store kiosks

# Identifier spaces are filled by keyed bijections of the person id, so
# identifiers are unique without coordination between chunks yet reveal
# nothing about the person id.
MAX_CUSTOMERS = 5_000_000
SECONDS_PER_DAY = 86_400
WRITER_THREADS = 2

# Hour-of-day weights (0..23) per kind of activity.
HOURS_ONLINE = (1, .6, .4, .3, .3, .5, 1, 2, 3, 3.5, 3.5, 4, 5, 4.5, 4, 4, 4.5, 5, 6, 7, 7.5, 6.5, 4.5, 2.5)
HOURS_NIGHT = (6, 5, 3.5, 2, 1, .5, .3, .3, .3, .3, .5, .5, .5, .5, .5, .5, .7, 1, 1.5, 2.5, 4, 6, 7, 7)
HOURS_STORE = (0,) * 9 + (2, 3, 4, 5, 5, 4, 4, 5, 6, 6, 5, 3) + (0,) * 3
HOURS_OFFICE = (0,) * 8 + (3, 5, 5, 4, 3, 4, 5, 5, 4, 2) + (0,) * 6


@dataclass(frozen=True)
class SynthManifest:
    """What `generate` wrote: event files per source, truth tables, counts."""

    event_files: dict[str, list[Path]]
    truth_files: dict[str, Path]
    customers: int
    events: int
    reference_files: dict[str, Path] = field(default_factory=dict)


class SynthConfigError(InputError):
    """A generator argument is out of range; the message names it."""
