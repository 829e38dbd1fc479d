"""Erasure: one customer removed from everywhere the product keeps them, and kept out afterwards.

From the analytics store (on a copy swapped in when complete, `genome.rewrite`): their events, and their
identifiers nulled on anyone else's events that carried them; quarantined raw rows that name them; their
identifiers, identity links and refusals; every row keyed by their customer id (genes, model scores, life
events, recommendations, ...) and any other row holding one of their identifiers. From the metadata store:
their segment memberships and the consent decisions staff recorded for them. What stays:

- a tombstone per identifier, a salted SHA-256 that cannot be read back, so that ingesting their data again
  is refused and counted as erased (`genome.ingest`);
- the list of exports that held them: files already sent cannot be recalled, so the report names them;
- the audit log, which names customers only by the internal customer id, never by an e-mail, phone or name;
  after the erasure that id leads nowhere. The erasure itself is audited the same way.
"""

import hashlib
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlmodel import Session, select

from genome.access import require
from genome.audit import record
from genome.errors import InputError, UnknownCustomer
from genome.events import IDENTIFIER_COLUMNS
from genome.genes.build import write_event_rows
from genome.rewrite import rewrite_aside
from genome.store_settings import set_store_setting, store_setting
from store.duck import table_exists
from store.meta import AudienceExport, ConsentChange, Segment, SegmentMembers, SegmentVersion, meta_url_for, session

SALT_KEY = "erasure_salt"
# grain: one row per erased identifier ('kind:value'), as a salted hash
TOMBSTONES_SQL = "CREATE TABLE IF NOT EXISTS erased_identifiers (identifier_hash VARCHAR NOT NULL, " \
                 "erased_at TIMESTAMP NOT NULL)"
# handled one by one below; every other table is searched column by column
_OWN_HANDLING = {"events", "event_rows", "quarantined_rows", "identifiers", "identity_links", "identity_refusals",
                 "erased_identifiers", "store_settings"}
MIN_REASON = 3


@dataclass
class ErasureReport:
    customer_id: str
    identifiers: int
    removed: dict[str, int] = field(default_factory=dict)  # analytics table -> rows removed or cleared
    segment_versions: int = 0  # saved segment versions they were removed from
    consent_changes: int = 0
    exports: list[dict] = field(default_factory=list)  # exports whose audience held them

    def summary(self) -> str:
        rows = ", ".join(f"{n:,} {table}" for table, n in self.removed.items() if n)
        return (f"customer {self.customer_id} erased: {self.identifiers} identifiers; rows removed: {rows or 'none'}; "
                f"{self.segment_versions} saved segment versions and {self.consent_changes} consent decisions "
                f"recorded by staff updated; {len(self.exports)} earlier exports held them")


def identifier_hash(salt: str, identifier: str) -> str:
    """The tombstone of `identifier` ('kind:value' as the store writes it), the same as SQL `sha256(salt || id)`."""
    return hashlib.sha256((salt + identifier).encode()).hexdigest()


def erasure_salt(con: duckdb.DuckDBPyConnection) -> str:
    """The store's own salt for tombstones, made on first use (tombstones of two stores cannot be compared)."""
    salt = store_setting(con, SALT_KEY)
    if salt is None:
        salt = secrets.token_hex(16)
        set_store_setting(con, SALT_KEY, salt)
    return salt


def _boundary_pattern(value: str) -> str:
    # the value as a whole word of the raw text: "CR-001" must not match inside "CR-0012"
    return "(^|[^A-Za-z0-9])" + re.escape(value) + "($|[^A-Za-z0-9])"


def _national(e164: str) -> str | None:
    try:
        return str(phonenumbers.parse(e164).national_number)
    except phonenumbers.NumberParseException:
        return None


def erase_in_store(con: duckdb.DuckDBPyConnection, customer_id: str) -> tuple[int, dict[str, int]]:
    """Remove `customer_id` from the store `con` (opened for writing) in one transaction; returns the number of
    identifiers and the rows removed per table."""
    ids = con.execute("SELECT identifier, kind, value FROM identifiers WHERE customer_id = ?", [customer_id]
                      ).fetchall()
    known = con.execute("SELECT count(*) FROM customers WHERE customer_id = ?", [customer_id]).fetchone()[0]
    if not ids and not known:
        raise UnknownCustomer(f"no customer {customer_id!r} in the store")
    identifiers = [i for i, _, _ in ids]
    values = sorted({v for _, _, v in ids})
    removed: dict[str, int] = {}
    salt = erasure_salt(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _erase_ids AS SELECT unnest(?::VARCHAR[]) AS identifier",
                    [identifiers])
        con.execute("CREATE OR REPLACE TEMP TABLE _erase_events AS SELECT event_id FROM events "
                    "WHERE anchor IN (SELECT identifier FROM _erase_ids)")
        removed["events"] = _count_delete(con, "events", "event_id IN (SELECT event_id FROM _erase_events)")
        # their identifiers on events that belong to someone else (a link that was refused): cleared, not deleted
        cleared = 0
        for column in IDENTIFIER_COLUMNS:
            mine = [i.split(":", 1)[1] for i in identifiers if i.startswith(f"{column}:")]
            if mine:
                cleared += con.execute(f"UPDATE events SET {column} = NULL WHERE {column} IN (SELECT unnest(?))",
                                       [mine]).fetchone()[0]
        removed["identifiers cleared on others' events"] = cleared
        removed["quarantined_rows"] = _erase_quarantined(con, ids)
        removed["identity_links"] = _count_delete(
            con, "identity_links", "identifier IN (SELECT identifier FROM _erase_ids) OR other IN "
            "(SELECT identifier FROM _erase_ids) OR event_id IN (SELECT event_id FROM _erase_events)")
        removed["identity_refusals"] = _count_delete(
            con, "identity_refusals", "identifier IN (SELECT identifier FROM _erase_ids) OR other IN "
            "(SELECT identifier FROM _erase_ids) OR event_id IN (SELECT event_id FROM _erase_events)")
        removed["identifiers"] = _count_delete(con, "identifiers", "customer_id = ?", [customer_id])
        removed |= _erase_everywhere_else(con, customer_id, values, identifiers)
        con.execute(TOMBSTONES_SQL)
        now = datetime.now(UTC).replace(tzinfo=None)
        con.executemany("INSERT INTO erased_identifiers VALUES (?, ?)",
                        [(identifier_hash(salt, i), now) for i in identifiers])
        if table_exists(con, "event_rows"):  # positions of the remaining events, as the build writes them
            write_event_rows(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS temp._erase_ids")
        con.execute("DROP TABLE IF EXISTS temp._erase_events")
    return len(identifiers), removed


def _count_delete(con, table: str, where: str, params: list | None = None) -> int:
    before = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    con.execute(f'DELETE FROM "{table}" WHERE {where}', params or [])
    return before - con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def _erase_quarantined(con, ids: list[tuple[str, str, str]]) -> int:
    """Rejected raw rows that name one of the identifiers, as a whole word (e-mails in any case), or hold the
    phone number in any format."""
    patterns = [_boundary_pattern(value) for _, kind, value in ids if kind != "phone"]
    nationals = [n for _, kind, value in ids if kind == "phone" and (n := _national(value))]
    conditions = []
    params: list = []
    if patterns:
        conditions.append("list_bool_or([regexp_matches(raw, p, 'i') FOR p IN ?::VARCHAR[]])")
        params.append(patterns)
    if nationals:
        # every run of digits and separators, as digits only, ends in the number
        conditions.append(
            "list_bool_or([list_bool_or([ends_with(regexp_replace(x, '[^0-9]', '', 'g'), n) FOR n IN ?::VARCHAR[]]) "
            "FOR x IN regexp_extract_all(raw, '\\+?[0-9][0-9 ().\\-]{5,}[0-9]')])")
        params.append(nationals)
    if not conditions:
        return 0
    return _count_delete(con, "quarantined_rows", "coalesce(" + " OR ".join(conditions) + ", false)", params)


def _erase_everywhere_else(con, customer_id: str, values: list[str], identifiers: list[str]) -> dict[str, int]:
    """Every other table: rows keyed by the customer id, and rows holding one of their identifiers in any text
    column (the demo's own tables included); a `person_id` found on such a row is followed to other tables."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' "
        "ORDER BY table_name").fetchall() if r[0] not in _OWN_HANDLING]
    columns = {t: con.execute("SELECT column_name, data_type FROM information_schema.columns "
                              "WHERE table_schema = 'main' AND table_name = ?", [t]).fetchall() for t in tables}
    wanted = [customer_id, *values, *identifiers]
    removed: dict[str, int] = {}
    people: set = set()
    for table in tables:
        text = [c for c, kind in columns[table] if kind == "VARCHAR"]
        lists = [c for c, kind in columns[table] if kind == "VARCHAR[]"]
        if not text and not lists:
            continue
        where = " OR ".join([f'"{c}" IN (SELECT unnest(?))' for c in text]
                            + [f'list_has_any("{c}", ?::VARCHAR[])' for c in lists])
        params = [wanted] * (len(text) + len(lists))
        if any(c == "person_id" for c, _ in columns[table]):
            people |= {r[0] for r in con.execute(f'SELECT person_id FROM "{table}" WHERE {where}', params).fetchall()}
        removed[table] = _count_delete(con, table, where, params)
    if people:
        for table in tables:
            if any(c == "person_id" for c, _ in columns[table]):
                removed[table] = removed.get(table, 0) + _count_delete(
                    con, table, "person_id IN (SELECT unnest(?))", [sorted(people)])
    return {t: n for t, n in removed.items() if n}


def _erase_in_metadata(s: Session, customer_id: str) -> tuple[int, int, list[dict]]:
    """Segment memberships and staff consent decisions of the customer; the exports whose audience held them."""
    held = []
    for members in s.exec(select(SegmentMembers)):
        table = pq.read_table(io.BytesIO(members.members))
        keep = pc.invert(pc.equal(table.column("customer_id"), pa.scalar(customer_id)))
        if table.num_rows and not pc.all(keep).as_py():
            buffer = io.BytesIO()
            pq.write_table(table.filter(keep), buffer)
            members.members = buffer.getvalue()
            s.add(members)
            held.append(members.version_id)
    versions = {v.id: v for v in s.exec(select(SegmentVersion).where(SegmentVersion.id.in_(held)))} if held else {}
    names = {seg.id: seg.name for seg in s.exec(select(Segment))}
    exports = []
    for e in s.exec(select(AudienceExport).order_by(AudienceExport.exported_at)):
        if any(v.segment_id == e.segment_id and v.version == e.version for v in versions.values()):
            exports.append({"file": e.file_name, "segment": names.get(e.segment_id), "version": e.version,
                            "purpose": e.purpose, "exported_by": e.exported_by, "exported_at": e.exported_at,
                            "still_on_disk": Path(e.file_name).exists()})
    changes = list(s.exec(select(ConsentChange).where(ConsentChange.customer_id == customer_id)))
    for change in changes:
        s.delete(change)
    s.commit()
    return len(held), len(changes), exports


def erase_customer(target: Path, customer_id: str, *, actor: str, role: str, reason: str,
                   progress=None) -> ErasureReport:
    """Erase `customer_id` from the store at `target` and its metadata store, for `actor` acting as `role` (which
    must allow erasing) for `reason`; audited without personal data."""
    require(role, "erase_customers", doing="Erasing a customer")
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise InputError("say why the customer is erased (for example \"erasure request of 2 Dec, ticket 4411\"); "
                         "leave their name and contact details out of it")
    target = Path(target)
    with rewrite_aside(target, doing=f"an erasure started by {actor}", progress=progress) as con:
        if progress:
            progress("erasing", 0, 1)
        count, removed = erase_in_store(con, customer_id)
    with session(meta_url_for(target)) as s:
        versions, changes, exports = _erase_in_metadata(s, customer_id)
        report = ErasureReport(customer_id, count, removed, versions, changes, exports)
        record(s, actor=actor, role=role, action="erasure", target=customer_id,
               detail=f"{count} identifiers, {removed.get('events', 0):,} events; reason: {reason}")
    return report
