"""Consent changed at the service desk: a consent event recorded at once and honoured at once.

The app reads the analytics store while people work, and DuckDB lets a file
be written only while nobody reads it. So a decision a customer gives staff
is recorded in the metadata store as the consent event it is (its id,
customer, purpose, decision, reason, who recorded it) and joins the store's
`events` the next time the store is written (`genome ingest`, `genome build`,
a refit), where `consent_latest` reads it like any other. Until then every
read that decides whom to contact (exports, the profile) lays the waiting
events over the store's (`pending_consent`): a withdrawal counts from the
moment it is recorded.
"""

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlmodel import Session, select

from genome.access import require
from genome.audit import record
from genome.errors import InputError, UnknownCustomer
from genome.events import CONSENT_PURPOSES
from store.meta import ConsentChange

CHANNEL = "service"
MIN_REASON = 3
# the events column that carries each identifier kind (the anchor's kind)
_COLUMN = {"customer_ref": "customer_ref", "loyalty_id": "loyalty_id", "email": "email", "phone": "phone",
           "device_id": "device_id"}


def _anchor(con: duckdb.DuckDBPyConnection, customer_id: str) -> str:
    """One identifier of the customer, the most stable first, as events anchor on."""
    rows = con.execute("SELECT identifier, kind FROM identifiers WHERE customer_id = ?", [customer_id]).fetchall()
    if not rows:
        raise UnknownCustomer(f"no customer {customer_id!r} in the store")
    order = list(_COLUMN)
    rows.sort(key=lambda r: (order.index(r[1]) if r[1] in order else len(order), r[0]))
    return rows[0][0]


def record_consent_change(s: Session, con: duckdb.DuckDBPyConnection, *, customer_id: str, purpose: str,
                          granted: bool, reason: str, actor: str, role: str) -> ConsentChange:
    """Record that `customer_id` granted or refused `purpose`, told to `actor` (acting as `role`, which must allow
    changing consent) for `reason`; audited, honoured from now on."""
    require(role, "change_consent", doing="Changing a customer's consent")
    purpose = purpose.strip().lower()
    if purpose not in CONSENT_PURPOSES:
        raise InputError(f"consent purpose {purpose!r} is not one of {', '.join(CONSENT_PURPOSES)}")
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise InputError("say why the consent changes (for example \"asked by phone to stop e-mails\")")
    if len(reason) > 500:
        raise InputError(f"keep the reason under 500 characters; it has {len(reason)}")
    change = ConsentChange(event_id=f"desk-{uuid.uuid4().hex}", customer_id=customer_id,
                           anchor=_anchor(con, customer_id), purpose=purpose, granted=bool(granted), reason=reason,
                           recorded_by=actor, role=role, recorded_at=datetime.now(UTC))
    s.add(change)
    s.commit()
    s.refresh(change)
    # the audit says what changed for whom; the reason stays with the decision
    record(s, actor=actor, role=role, action="consent change", target=customer_id,
           detail=f"{purpose} {'granted' if granted else 'refused'}")
    s.refresh(change)
    return change


def waiting(s: Session, *, customer_id: str | None = None) -> list[ConsentChange]:
    """Decisions recorded but not yet written into the analytics store, oldest first."""
    query = select(ConsentChange).where(ConsentChange.folded_at == None)  # noqa: E711
    if customer_id is not None:
        query = query.where(ConsentChange.customer_id == customer_id)
    return list(s.exec(query.order_by(ConsentChange.id)))


def event_rows(changes: list[ConsentChange]) -> list[dict]:
    """The changes as rows of the store's `events` table."""
    rows = []
    for c in changes:
        kind, value = c.anchor.split(":", 1)
        row = dict.fromkeys(("customer_ref", "loyalty_id", "email", "phone", "device_id"))
        if kind in _COLUMN:
            row[_COLUMN[kind]] = value
        at = c.recorded_at.astimezone(UTC).replace(tzinfo=None) if c.recorded_at.tzinfo else c.recorded_at
        rows.append(row | {
            "event_id": c.event_id, "occurred_at": at, "channel": CHANNEL, "event_type": "consent",
            "anchor": c.anchor, "attributes": json.dumps({"purpose": c.purpose, "granted": c.granted,
                                                          "reason": c.reason, "recorded_by": c.recorded_by}),
            "source_line": c.id, "batch_id": f"desk-{at:%Y%m%d}"})
    return rows


_COLUMNS = ("event_id", "occurred_at", "channel", "event_type", "customer_ref", "loyalty_id", "email", "phone",
            "device_id", "anchor", "attributes", "source_line", "batch_id")


def insert_events(con: duckdb.DuckDBPyConnection, table: str, changes: list[ConsentChange]) -> int:
    """Insert the changes as events into `table` (the store's `events`, or a temporary copy of some of them),
    skipping any already there; returns how many were added."""
    rows = event_rows(changes)
    if not rows:
        return 0
    values = ", ".join("(" + ", ".join("?" * len(_COLUMNS)) + ")" for _ in rows)
    params = [r[c] for r in rows for c in _COLUMNS]
    before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    con.execute(f"INSERT INTO {table} ({', '.join(_COLUMNS)}) SELECT * FROM (VALUES {values}) v({', '.join(_COLUMNS)}) "
                f"WHERE v.event_id NOT IN (SELECT event_id FROM {table})", params)
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before


def fold_into_store(s: Session, con: duckdb.DuckDBPyConnection, *, mark: bool = True) -> list[int]:
    """Write the waiting decisions into the store's `events` (opened for writing); returns their ids. Marked as
    written at once, or with `mark=False` by `mark_folded` once the store written is the one in use (a refit
    writes a copy). Safe to repeat: an event already in the store is not added twice."""
    changes = waiting(s)
    insert_events(con, "events", changes)
    ids = [c.id for c in changes]
    if mark:
        mark_folded(s, ids)
    return ids


def mark_folded(s: Session, ids: list[int]) -> None:
    now = datetime.now(UTC)
    for change in s.exec(select(ConsentChange).where(ConsentChange.id.in_(ids))):
        change.folded_at = now
        s.add(change)
    s.commit()


def desk_decisions(changes: list[ConsentChange]) -> pa.Table:
    """The waiting decisions as rows (anchor, purpose, granted, decided_at), the shape `desk_consent_sql` reads
    as `_desk_consent`."""
    rows = event_rows(changes)
    return pa.table({"anchor": pa.array([r["anchor"] for r in rows], pa.string()),
                     "purpose": pa.array([c.purpose for c in changes], pa.string()),
                     "granted": pa.array([c.granted for c in changes], pa.bool_()),
                     "decided_at": pa.array([r["occurred_at"] for r in rows], pa.timestamp("us"))})


def desk_consent_sql(store_latest: str, identifiers: str) -> str:
    """`consent_latest` with the decisions of `_desk_consent` too, the newest per customer and purpose winning:
    over the store's own latest decisions (`store_latest`) and its `identifiers`, on any engine."""
    return f"""
        SELECT customer_id, purpose, arg_max(granted, decided_at) AS granted, max(decided_at) AS decided_at
        FROM (SELECT customer_id, purpose, granted, decided_at FROM {store_latest}
              UNION ALL
              SELECT i.customer_id, d.purpose, d.granted, d.decided_at
              FROM _desk_consent d JOIN {identifiers} i ON i.identifier = d.anchor)
        GROUP BY customer_id, purpose"""


@contextmanager
def pending_consent(s: Session, con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within the block, `consent_latest` on the cursor `con` also holds the decisions still waiting in the
    metadata store: a temporary view over the store's own view and those decisions, the newest per customer
    and purpose winning, as in the store."""
    changes = waiting(s)
    if not changes:
        yield
        return
    database = con.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
    con.register("_desk_consent", desk_decisions(changes))
    try:
        con.execute("CREATE OR REPLACE TEMP VIEW consent_latest AS "
                    + desk_consent_sql(f'"{database}".main.consent_latest', f'"{database}".main.identifiers'))
        yield
    finally:
        con.execute("DROP VIEW IF EXISTS temp.consent_latest")
        con.unregister("_desk_consent")


def fold_waiting(con: duckdb.DuckDBPyConnection, db: Path) -> int:
    """`fold_into_store` for the store file `db` (its metadata store beside it), as commands that write the store
    in place call it first; returns how many decisions joined the events."""
    from store.meta import meta_url_for, session

    with session(meta_url_for(db)) as s:
        return len(fold_into_store(s, con))
