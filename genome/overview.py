"""The store at a glance: size, channels, time span, quarantine and identity health.

Aggregates only: nothing here returns personal data, so every role may see it.
"""

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from genome.today import built_today, data_today


@dataclass(frozen=True)
class StoreOverview:
    customers: int
    identifiers: int
    events: int
    quarantined: int
    first_event: datetime | None
    last_event: datetime | None
    refused_links: int
    files_ingested: int
    genome_today: datetime | None  # the today the genome was built as of (None before a build)
    activity_today: datetime | None  # the latest purchase, visit or other activity now in the store
    events_by_channel: pd.DataFrame = field(repr=False)  # channel, events
    events_by_month: pd.DataFrame = field(repr=False)  # month, channel, events
    quarantine_reasons: pd.DataFrame = field(repr=False)  # reason, rows
    consent: pd.DataFrame = field(repr=False)  # purpose, granted, refused

    @property
    def is_empty(self) -> bool:
        return self.events == 0 and self.quarantined == 0


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def store_overview(con: duckdb.DuckDBPyConnection) -> StoreOverview:
    span = con.execute("SELECT min(occurred_at), max(occurred_at), count(*) FROM events").fetchone()
    return StoreOverview(
        customers=_scalar(con, "SELECT count(*) FROM customers"),
        identifiers=_scalar(con, "SELECT count(*) FROM identifiers"),
        events=span[2],
        quarantined=_scalar(con, "SELECT count(*) FROM quarantined_rows"),
        first_event=span[0],
        last_event=span[1],
        refused_links=_scalar(con, "SELECT count(*) FROM identity_refusals"),
        files_ingested=_scalar(con, "SELECT count(*) FROM ingest_batches"),
        genome_today=built_today(con),
        activity_today=data_today(con),
        events_by_channel=con.execute(
            "SELECT channel, count(*) AS events FROM events GROUP BY channel ORDER BY events DESC"
        ).df(),
        events_by_month=con.execute("""
            SELECT date_trunc('month', occurred_at)::DATE AS month, channel, count(*) AS events
            FROM events GROUP BY ALL ORDER BY month, channel
        """).df(),
        quarantine_reasons=con.execute("""
            SELECT regexp_replace(reason, '''[^'']*''', '…', 'g') AS reason, count(*) AS rows
            FROM quarantined_rows GROUP BY 1 ORDER BY rows DESC LIMIT 10
        """).df(),
        consent=con.execute("""
            SELECT purpose, count(*) FILTER (WHERE granted) AS granted,
                   count(*) FILTER (WHERE NOT granted) AS refused
            FROM consent_latest GROUP BY purpose ORDER BY purpose
        """).df(),
    )
