"""Exporting a saved segment's audience, with consent enforced and every export recorded.

Two purposes:
- `ids`: the members' pseudonymous customer ids;
- `ad_platform`: one column of SHA-256 hashes of the members' normalised
  e-mail addresses (trimmed, lower-cased) and phone numbers (E.164), the
  form ad platforms match on. Below 100 people it is refused: a tiny
  matched audience can single people out.

Customers without marketing consent are always removed, and how many were
removed is reported and recorded. The file is written to a temporary name and
moved into place only when the export is recorded, so a failure leaves
neither a file nor a record.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlmodel import Session

from genome.errors import Refused
from genome.normalise import normalise_email, normalise_phone
from genome.segments.library import stored_members
from store.meta import AudienceExport, get_segment, get_version

AD_PLATFORM_MINIMUM = 100
PURPOSES = ("ids", "ad_platform")
FORMATS = ("csv", "parquet")


class ExportRefused(Refused):
    """An export that must not be made; the message says why."""


@dataclass(frozen=True)
class ExportResult:
    path: Path
    segment: str
    version: int
    purpose: str
    file_format: str
    rows: int
    people: int
    removed_without_consent: int


def _consenting(con: duckdb.DuckDBPyConnection, members: pa.Table) -> pa.Table:
    cursor = con.cursor()
    try:
        cursor.register("_export_members", members)
        return cursor.sql("SELECT m.customer_id FROM _export_members m JOIN customer_genes g USING (customer_id) "
                          "WHERE coalesce(g.consent_marketing, false) ORDER BY m.customer_id").to_arrow_table()
    finally:
        cursor.close()


def _hashes(con: duckdb.DuckDBPyConnection, consenting: pa.Table, region: str) -> tuple[pa.Table, int]:
    cursor = con.cursor()
    try:
        cursor.register("_export_members", consenting)
        rows = cursor.execute("""
            SELECT i.customer_id, i.kind, i.value FROM identifiers i JOIN _export_members m USING (customer_id)
            WHERE i.kind IN ('email', 'phone') ORDER BY i.customer_id, i.kind, i.value
        """).fetchall()
    finally:
        cursor.close()
    hashes, people = set(), set()
    for customer_id, kind, value in rows:
        normal = normalise_email(value) if kind == "email" else normalise_phone(value, region)
        if normal:
            hashes.add(hashlib.sha256(normal.encode("utf-8")).hexdigest())
            people.add(customer_id)
    return pa.table({"sha256": pa.array(sorted(hashes), pa.string())}), len(people)


def export_audience(s: Session, con: duckdb.DuckDBPyConnection, *, name: str, out: Path, by: str,
                    purpose: str = "ids", file_format: str | None = None, version: int | None = None,
                    region: str = "US") -> ExportResult:
    if purpose not in PURPOSES:
        raise ExportRefused(f"export purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
    out = Path(out)
    file_format = file_format or ("parquet" if out.suffix == ".parquet" else "csv")
    if file_format not in FORMATS:
        raise ExportRefused(f"export format {file_format!r} is not one of {', '.join(FORMATS)}")
    if not by.strip():
        raise ExportRefused("say who is exporting: every export is recorded with its author")
    segment = get_segment(s, name=name)
    if segment is None:
        raise ExportRefused(f"no saved segment is named {name!r}: save it before exporting")
    saved = get_version(s, segment_id=segment.id, version=version)
    if saved is None:
        raise ExportRefused(f"segment {name!r} has no version {version}")
    members = stored_members(s, saved)
    consenting = _consenting(con, members)
    removed = len(members) - len(consenting)
    if purpose == "ids":
        table, people = consenting, len(consenting)
    else:
        table, people = _hashes(con, consenting, region)
        if people < AD_PLATFORM_MINIMUM:
            raise ExportRefused(
                f"an ad-platform audience needs at least {AD_PLATFORM_MINIMUM} people with marketing consent and "
                f"an e-mail or phone; {name!r} v{saved.version} has {people} ({removed} removed without consent)")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        if file_format == "csv":
            pacsv.write_csv(table, partial)
        else:
            pq.write_table(table, partial)
        s.add(AudienceExport(segment_id=segment.id, version=saved.version, exported_by=by.strip(), purpose=purpose,
                             file_format=file_format, rows=len(table), people=people,
                             removed_without_consent=removed, file_name=out.name))
        s.commit()
        partial.replace(out)
    except BaseException:
        s.rollback()
        partial.unlink(missing_ok=True)
        raise
    return ExportResult(out, name, saved.version, purpose, file_format, len(table), people, removed)
