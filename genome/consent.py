"""Consent as it stands now: read from the latest decisions at the moment it is used.

Consent decisions are events (`consent_latest` keeps the newest per customer
and purpose). Previews, saving and exports read them here, at the moment of
use, never from a genome built earlier: a customer who withdrew after the
last build is out of the next export, and so is one who told the service
desk a minute ago (`genome.consent_changes`).

Marketing is the general opt-in; a channel purpose (email, sms, push, ads)
only narrows it: a customer reachable on a channel granted marketing and has
not refused that channel. No decision at all is no consent.
"""

from contextlib import nullcontext

import duckdb
import pyarrow as pa

from genome.errors import InputError
from genome.events import CONSENT_PURPOSES

MARKETING = "marketing"
# Where a decision to contact someone comes from, said wherever nobody may be contacted.
CONSENT_SOURCES = "consent events in the data, or from decisions staff record (`genome consent`)"
# The narrowing purpose of each channel a marketer reaches customers on.
CHANNEL_PURPOSES = {"e-mail": "email", "SMS": "sms", "app push": "push", "ad platforms": "ads"}
NARROWING = tuple(p for p in CONSENT_PURPOSES if p not in (MARKETING, "profiling"))

# grain: one row per customer with any consent decision
CONSENT_NOW_SQL = (
    "SELECT customer_id, coalesce(bool_or(purpose = 'marketing' AND granted), false) AS marketing, "
    + ", ".join(f"coalesce(bool_or(purpose = '{p}' AND NOT granted), false) AS refused_{p}" for p in NARROWING)
    + " FROM consent_latest GROUP BY customer_id"
)


PROFILING_BASES = {
    "consent": "only customers who granted profiling are scored",
    "legitimate_interest": "every customer is scored except those who refused profiling",
}


def profiling_allowed_sql(basis: str = "consent") -> str:
    """SQL selecting the customer_ids whom models may score, under the legal basis `basis`."""
    if basis == "consent":
        return "SELECT customer_id FROM consent_latest WHERE purpose = 'profiling' AND granted"
    if basis == "legitimate_interest":
        return ("SELECT customer_id FROM customers EXCEPT "
                "SELECT customer_id FROM consent_latest WHERE purpose = 'profiling' AND NOT granted")
    raise InputError(f"profiling basis {basis!r} is not one of {', '.join(PROFILING_BASES)}")


def allowed_sql(channel: str | None = None, alias: str = "c") -> str:
    """SQL over a CONSENT_NOW_SQL row (aliased `alias`, possibly missing) that is true when marketing may reach
    the customer, on `channel` when given (a key of CHANNEL_PURPOSES)."""
    condition = f"coalesce({alias}.marketing, false)"
    if channel is not None:
        condition += f" AND NOT coalesce({alias}.refused_{CHANNEL_PURPOSES[channel]}, false)"
    return condition


def consenting(con: duckdb.DuckDBPyConnection, customers: pa.Table, *, channel: str | None = None,
               meta=None) -> pa.Table:
    """The customers of `customers` (a customer_id column) whom marketing may reach now, sorted by id; with the
    metadata session `meta`, decisions recorded by staff and not yet in the store count too."""
    from genome.consent_changes import pending_consent

    cursor = con.cursor()
    try:
        cursor.register("_consent_customers", customers.select(["customer_id"]))
        with pending_consent(meta, cursor) if meta is not None else nullcontext():
            return cursor.sql(consenting_sql(channel)).to_arrow_table()
    finally:
        cursor.close()


def consenting_sql(channel: str | None = None) -> str:
    """SQL selecting the customers of `_consent_customers` whom marketing may reach now (on `channel`), by id:
    over `consent_latest`, on DuckDB or another engine."""
    return (f"SELECT m.customer_id FROM _consent_customers m LEFT JOIN ({CONSENT_NOW_SQL}) c USING (customer_id) "
            f"WHERE {allowed_sql(channel)} ORDER BY m.customer_id")
