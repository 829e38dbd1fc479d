"""Exporting a saved segment version's audience, with consent read at the moment of export.

Purposes:
- `ids`: the members' pseudonymous customer ids (CSV or Parquet);
- an ad platform (`google_ads`, `meta`, `tiktok`): a CSV in that platform's
  own format, SHA-256 of each identifier normalised as the platform documents
  (`genome.segments.platforms`). Below 100 people it is refused: a tiny
  matched audience can single people out.

Consent is read from the latest decisions when the export runs, not from the
genome's last build: customers without marketing consent are removed, and
for ad platforms also those who refused ad matching. How many were removed
is reported and recorded.

A segment whose rule reads a gene of a special category (children,
pregnancy, health, alcohol or tobacco, religion, life events) is not sent to
an ad platform unless the exporter says so (`allow_sensitive`): targeting ads
on such traits needs a decision by a person, and the refusal names the genes.
A rule reads one as well when it matches a value of such a category
(`favourite_category = 'BABY FOODS'`, a taste profile around wine as
`taste_top`), counts events in one (`COUNT(purchase, category = 'CIGARETTES',
LAST 30 DAYS)`), or is in a saved segment that does.

Files are never overwritten unless asked (`overwrite=True`): the file is
written under a temporary name and linked into place only if no file has
that name. The export is recorded only once its file is in place, and a
failed record removes the file again, so the log lists only exports that
were made.
"""

import csv
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlmodel import Session

from genome.access import require
from genome.audit import record
from genome.consent import CONSENT_SOURCES, consenting
from genome.errors import Refused, RuleError
from genome.genes.definition import slug
from genome.people import person_name
from genome.segments.library import saved_version, stored_members
from genome.segments.on_engine import reachable_on
from genome.segments.platforms import CONTACT_IDENTIFIERS_SQL, PLATFORMS, by_person, platform_rows
from genome.segments.rules import EventCount, InSegment, Node, OneOf, conditions, from_json, genes_in
from genome.sensitivity import SPECIAL_CATEGORIES, sensitivity_of
from store.engine import ExternalEngine
from store.meta import AudienceExport

AD_PLATFORM_MINIMUM = 100
PURPOSES = {"ids": "customer ids", **{key: p.name for key, p in PLATFORMS.items()}}
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
    unmatched: int = 0  # consenting members without an e-mail or phone (ad-platform files only)


def export_file_name(segment: str, version: int, purpose: str, file_format: str, when: datetime) -> str:
    """`weekend-shoppers-v3-meta-20261202T101500Z.csv`: segment, version, purpose and time, safe on any disk."""
    stem = re.sub(r"[^a-z0-9]+", "-", segment.lower()).strip("-")[:60] or "segment"
    return f"{stem}-v{version}-{purpose.replace('_', '-')}-{when.astimezone(UTC):%Y%m%dT%H%M%SZ}.{file_format}"


def free_path(folder: Path, name: str) -> Path:
    """`folder/name`, or with -2, -3 ... before the suffix when that file exists."""
    path, n = Path(folder) / name, 2
    while path.exists():
        path = Path(folder) / f"{Path(name).stem}-{n}{Path(name).suffix}"
        n += 1
    return path


def _identifiers(con: duckdb.DuckDBPyConnection, people: pa.Table) -> dict[str, tuple[list[str], list[str]]]:
    cursor = con.cursor()
    try:
        cursor.register("_export_members", people)
        return by_person(cursor.execute(CONTACT_IDENTIFIERS_SQL).fetchall())
    finally:
        cursor.close()


def _write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def sensitive_genes(con: duckdb.DuckDBPyConnection, genes: list[str]) -> dict[str, str]:
    """Of `genes`, those labelled with a special category: name -> sensitivity."""
    if not genes:
        return {}
    marks = ", ".join("?" for _ in SPECIAL_CATEGORIES)
    names = ", ".join("?" for _ in genes)
    return dict(con.execute(f"SELECT name, sensitivity FROM gene_catalog WHERE name IN ({names}) "
                            f"AND sensitivity IN ({marks}) ORDER BY name",
                            [*genes, *SPECIAL_CATEGORIES]).fetchall())


def special_reads(s: Session, con: duckdb.DuckDBPyConnection, rule: Node, *, labels: Mapping[str, str] | None = None,
                  _seen: frozenset[str] = frozenset()) -> dict[str, str]:
    """What in `rule` reveals a special category, each with its kind: genes labelled so, matched values and
    event categories that are, and saved segments whose rule reads one. A value is as sensitive as the gene it
    names (`taste_top` names a taste profile), else as its category's genes (`bought_<category>`, labelled at
    the build by words and meaning), else as its words say (`genome.sensitivity`). With `labels`, genes (and
    values naming genes) are given by their labels for people, else by name."""
    said = (lambda name: labels.get(name, name)) if labels else (lambda name: name)
    found = {said(gene): kind for gene, kind in sensitive_genes(con, genes_in(rule)).items()}
    matched = {(c.gene, v) for c in conditions(rule) if isinstance(c, OneOf) for v in c.values}
    counted = {(c.event_type, c.category) for c in conditions(rule) if isinstance(c, EventCount) and c.category}
    texts = {v for _gene, v in matched} | {category for _type, category in counted}
    named = sensitive_genes(con, sorted(texts))
    bought = sensitive_genes(con, sorted(f"bought_{slug(t)}" for t in texts))
    kinds = {t: kind for t in texts
             if (kind := named.get(t) or bought.get(f"bought_{slug(t)}") or sensitivity_of(t)) in SPECIAL_CATEGORIES}
    found |= {f"{said(gene)} = {said(value)!r}": kinds[value] for gene, value in sorted(matched) if value in kinds}
    found |= {f"{event_type} events in {category!r}": kinds[category] for event_type, category in sorted(counted)
              if category in kinds}
    for c in conditions(rule):
        if isinstance(c, InSegment) and c.segment not in _seen:
            try:
                _segment, saved = saved_version(s, c.segment, None)
            except RuleError:
                continue  # a rule naming a segment never saved does not run at all
            found |= {f"segment {c.segment!r}: {what}": kind for what, kind in special_reads(
                s, con, from_json(json.loads(saved.definition)), labels=labels, _seen=_seen | {c.segment}).items()}
    return found


def _place(partial: Path, out: Path, overwrite: bool) -> None:
    if overwrite:
        partial.replace(out)
        return
    try:
        os.link(partial, out)  # fails if `out` exists: no export ever replaces another by accident
    except FileExistsError:
        raise ExportRefused(f"{out} already exists: choose another file name, or overwrite it on purpose "
                            "(--force)") from None
    partial.unlink()


def export_audience(s: Session, con: duckdb.DuckDBPyConnection, *, name: str, out: Path, by: str, role: str,
                    purpose: str = "ids", file_format: str | None = None, version: int | None = None,
                    overwrite: bool = False, allow_sensitive: bool = False, engine: ExternalEngine | None = None,
                    workdir: Path | None = None) -> ExportResult:
    """Export version `version` (default: the latest) of the saved segment `name` to `out`, by the person `by`
    acting as `role`, which must allow exporting; the export is audited. With `engine` (Apache Spark) consent
    and the people's e-mails and phones are worked out there, from the store's events handed over in `workdir`."""
    require(role, "export_audiences", doing="Exporting audiences")
    if purpose not in PURPOSES:
        raise ExportRefused(f"export purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
    out = Path(out)
    file_format = file_format or ("parquet" if out.suffix == ".parquet" else "csv")
    if file_format not in FORMATS:
        raise ExportRefused(f"export format {file_format!r} is not one of {', '.join(FORMATS)}")
    if purpose in PLATFORMS and file_format != "csv":
        raise ExportRefused(f"{PLATFORMS[purpose].name} takes CSV files only")
    by = person_name(by, what="exported by")
    if out.exists() and not overwrite:
        raise ExportRefused(f"{out} already exists: choose another file name, or overwrite it on purpose (--force)")
    try:
        segment, saved = saved_version(s, name, version, missing=": save it before exporting")
    except RuleError as exc:
        raise ExportRefused(str(exc)) from None
    platform = PLATFORMS.get(purpose)
    if platform is not None and not allow_sensitive:
        sensitive = special_reads(s, con, from_json(json.loads(saved.definition)), _seen=frozenset({name}))
        if sensitive:
            raise ExportRefused(
                f"{name!r} v{saved.version} reads special-category genes ("
                + ", ".join(f"{what}: {kind.replace('_', ' ')}" for what, kind in sensitive.items())
                + f"), so it is not sent to {platform.name} by default; export it for this platform only on a "
                  "person's decision (the box \"Send even if the rule reads special-category genes\" on the "
                  "Export tab, or --allow-sensitive on the command line), or drop those conditions from the rule")
    members = stored_members(s, saved)
    # read now, not at build, with what customers told the service desk since the store was last written
    channel = "ad platforms" if platform else None
    if engine is None:
        allowed = consenting(con, members, channel=channel, meta=s)
        contacts = _identifiers(con, allowed) if platform else None
    else:
        allowed, contacts = reachable_on(engine, con, members, channel=channel, meta=s, contacts=bool(platform),
                                         workdir=workdir)
    removed = len(members) - len(allowed)
    if not len(allowed):  # an empty file in the export log helps nobody; say why there is nobody instead
        raise ExportRefused(
            f"{name!r} v{saved.version} has no members: no file was written" if not len(members) else
            f"nobody of the {len(members):,} people in {name!r} v{saved.version} may be sent marketing"
            + (" or matched on ad platforms" if platform else "") + f": no file was written. Consent comes from "
            f"{CONSENT_SOURCES}")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        if platform is None:
            rows = people = len(allowed)
            if file_format == "csv":
                _write_csv(partial, ["customer_id"], ([c] for c in allowed.column("customer_id").to_pylist()))
            else:
                pq.write_table(allowed, partial)
        else:
            header, lines = platform_rows(platform, contacts)
            rows = people = len(lines)
            if people < AD_PLATFORM_MINIMUM:
                raise ExportRefused(
                    f"an ad-platform audience needs at least {AD_PLATFORM_MINIMUM} people with marketing consent "
                    f"and an e-mail or phone; {name!r} v{saved.version} has {people} ({removed:,} removed "
                    "without consent)")
            _write_csv(partial, header, lines)
        _place(partial, out, overwrite)
    finally:
        partial.unlink(missing_ok=True)
    try:
        s.add(AudienceExport(segment_id=segment.id, version=saved.version, exported_by=by, purpose=purpose,
                             file_format=file_format, rows=rows, people=people, removed_without_consent=removed,
                             file_name=str(out.resolve())))
        s.commit()
    except BaseException:
        s.rollback()
        out.unlink(missing_ok=True)  # not recorded, so not made
        raise
    record(s, actor=by, role=role, action="export", target=f"segment {name}",
           detail=f"v{saved.version} for {purpose}: {people:,} people to {out.name}"
                  + (" (special-category genes allowed)" if allow_sensitive and platform is not None else ""))
    return ExportResult(out, name, saved.version, purpose, file_format, rows, people, removed,
                        unmatched=len(allowed) - people)
