"""The genome's "today": the moment every "last 30 days" and "days since" is counted from.

It is the latest commerce or engagement event in the store, never a consent
decision nor reference data (products, stores, customer attributes), so a
late batch of consent events cannot move the genome's today past the
customers' behaviour. `genome build --as-of DATE` sets it by hand: to see
the genome as it was on a past day, or to judge it against what came after.
"""

from datetime import datetime

import duckdb

from genome.errors import NotBuilt
from genome.events import EVENT_TYPES

# Events that say what customers did; consent decisions do not.
# consent decisions and the retailer's own sends (a receipt, a hold-out) are not the customer's activity
ACTIVITY_TYPES = tuple(t for t in EVENT_TYPES if t not in ("consent", "campaign_receipt", "campaign_holdout"))
ACTIVITY_SQL = "event_type IN (" + ", ".join(f"'{t}'" for t in ACTIVITY_TYPES) + ")"  # constants


def data_today(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The latest commerce or engagement event, or None when there is none."""
    return con.execute(f"SELECT max(occurred_at) FROM events WHERE {ACTIVITY_SQL}").fetchone()[0]


def built_today(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The today of the genome as built, or None before the first build."""
    try:
        return con.execute("SELECT max(as_of) FROM gene_catalog").fetchone()[0]
    except duckdb.CatalogException:
        return None


def genome_today(con: duckdb.DuckDBPyConnection, as_of: datetime | None = None) -> datetime:
    """`as_of` when given, else the latest commerce or engagement event; NotBuilt when the store has none."""
    today = as_of or data_today(con)
    if today is None:
        raise NotBuilt("the store holds no purchases, visits or other activity: ingest some before building "
                       "the genome (consent decisions alone do not make a genome)")
    return today
