"""Saved segments: every saved change is a new version with its audience stored.

Saving computes the audience with the SQL path and stores its members, size
and value with the version, so the list of segments, comparisons between
versions and rules that say `IN SEGMENT 'name'` all read what was saved.
"""

import io
import json
import random
import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from genome.access import require
from genome.audit import record
from genome.people import person_name
from genome.segments.audience import Genome, genome, member_ids
from genome.segments.compile import Members
from genome.segments.rules import InSegment, Node, RuleError, conditions, from_json, genes_in, root, to_json
from genome.segments.text import to_text
from store.meta import (
    Segment,
    SegmentMembers,
    SegmentVersion,
    get_members,
    get_segment,
    get_version,
    list_segments,
    list_versions,
    utc,
)

SAVE_ATTEMPTS = 20  # a save that collided with another of the same segment is numbered again this often

def _pack(ids: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(ids.select(["customer_id"]), sink, compression="zstd")
    return sink.getvalue()


def _unpack(blob: bytes) -> pa.Table:
    return pq.read_table(io.BytesIO(blob))


def latest_version(s: Session, name: str) -> SegmentVersion | None:
    """The newest saved version of the segment called `name`, or None when there is no such segment."""
    segment = get_segment(s, name=name)
    return get_version(s, segment_id=segment.id) if segment else None


def members_of(s: Session) -> Members:
    """Resolve `IN SEGMENT 'name'` to the members stored with the segment's latest version."""
    def resolve(name: str) -> pa.Table | None:
        version = latest_version(s, name)
        blob = get_members(s, version_id=version.id) if version else None
        return _unpack(blob) if blob is not None else None
    return resolve


def _value(con: duckdb.DuckDBPyConnection, ids: pa.Table) -> tuple[float, float]:
    cursor = con.cursor()
    try:
        cursor.register("_saving_members", ids)
        total, mean = cursor.execute("SELECT coalesce(sum(g.clv_12m), 0), coalesce(avg(g.clv_12m), 0) "
                                     "FROM customer_genes g JOIN _saving_members m USING (customer_id)").fetchall()[0]
    finally:
        cursor.close()
    return float(total), float(mean)


def save_segment(s: Session, con: duckdb.DuckDBPyConnection, *, name: str, rule: Node, owner: str, role: str,
                 description: str = "", base: Genome | None = None) -> SegmentVersion:
    """Save a new version of `name` (creating the segment), unless nothing changed; returns the latest version.

    `owner` is the person saving, acting as `role`, which must allow saving;
    the save is audited. Saving the same rule again after the genome was
    rebuilt is a change: the audience is computed afresh on the new build and
    stored as a new version.
    """
    require(role, "save_segments", doing="Saving segments")
    name = name.strip()
    if not name:
        raise RuleError("a segment needs a name")
    owner = person_name(owner, what="owner")
    rule = root(rule)
    definition = json.dumps(to_json(rule), sort_keys=True)
    base = base or genome(con)
    if name in _segments_named(rule):
        raise RuleError(f"segment {name!r} cannot contain itself")
    ids = None
    for attempt in range(SAVE_ATTEMPTS):
        segment = get_segment(s, name=name)
        latest = get_version(s, segment_id=segment.id) if segment else None
        if latest is not None and latest.definition == definition and latest.description == description \
                and utc(latest.genome_as_of) == utc(base.as_of):
            return latest
        if ids is None:  # the audience does not depend on who saved before: computed once
            ids = member_ids(con, rule, members=members_of(s), base=base)
            value_total, value_mean = _value(con, ids)
        try:
            if segment is None:
                segment = Segment(name=name, description=description, owner=owner)
                s.add(segment)
                s.flush()
            segment.description = description
            version = SegmentVersion(
                segment_id=segment.id, version=(latest.version + 1) if latest else 1, definition=definition,
                rule_text=to_text(rule), description=description, author=owner, size=len(ids),
                total=base.customers, value_total=value_total, value_mean=value_mean, genome_as_of=utc(base.as_of))
            s.add(version)
            s.flush()
            s.add(SegmentMembers(version_id=version.id, members=_pack(ids)))
            s.commit()
            break
        except IntegrityError:
            # someone saved the same segment (or created it) at the same moment: number this save after theirs
            s.rollback()
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))
        except Exception:
            s.rollback()  # a failed save leaves the library as it was
            raise
    else:
        raise RuleError(f"segment {name!r} is being saved by many people at once: try again")
    s.refresh(version)
    record(s, actor=owner, role=role, action="save", target=f"segment {name}",
           detail=f"v{version.version}: {version.size:,} customers")
    s.refresh(version)
    return version


def _segments_named(rule: Node) -> set[str]:
    return {c.segment for c in conditions(rule) if isinstance(c, InSegment)}


def rule_of(version: SegmentVersion) -> Node:
    return from_json(json.loads(version.definition))


@dataclass(frozen=True)
class SegmentRow:
    name: str
    owner: str
    version: int
    rule_text: str
    size: int
    share: float
    value_total: float
    value_mean: float
    computed_at: datetime


def segment_table(s: Session) -> list[SegmentRow]:
    """Every saved segment with its latest version's size, value and when it was computed."""
    rows = []
    for segment in list_segments(s):
        v = get_version(s, segment_id=segment.id)
        if v is not None:
            rows.append(SegmentRow(segment.name, segment.owner, v.version, v.rule_text, v.size,
                                   v.size / v.total if v.total else 0.0, v.value_total, v.value_mean, v.computed_at))
    return rows


def versions(s: Session, name: str) -> list[SegmentVersion]:
    segment = get_segment(s, name=name)
    if segment is None:
        raise RuleError(f"no saved segment is named {name!r}")
    return list_versions(s, segment_id=segment.id)


def stored_members(s: Session, version: SegmentVersion) -> pa.Table:
    blob = get_members(s, version_id=version.id)
    if blob is None:
        raise RuleError(f"version {version.version} has no stored members")
    return _unpack(blob)


@dataclass(frozen=True)
class VersionChange:
    """Who enters and who leaves between two versions, and what that does to value."""

    before: SegmentVersion
    after: SegmentVersion
    entered: list[str]
    left: list[str]
    stayed: int
    value_entered: float
    value_left: float

    @property
    def value_change(self) -> float:
        return self.after.value_total - self.before.value_total


def compare_versions(s: Session, con: duckdb.DuckDBPyConnection, name: str, before: int, after: int
                     ) -> VersionChange:
    _, a = saved_version(s, name, before)
    _, b = saved_version(s, name, after)
    old = np.asarray(stored_members(s, a).column("customer_id").to_pylist(), dtype=object)
    new = np.asarray(stored_members(s, b).column("customer_id").to_pylist(), dtype=object)
    entered = sorted(set(new) - set(old))
    left = sorted(set(old) - set(new))
    return VersionChange(a, b, entered, left, len(new) - len(entered),
                         _value(con, pa.table({"customer_id": pa.array(entered, pa.string())}))[0],
                         _value(con, pa.table({"customer_id": pa.array(left, pa.string())}))[0])


def saved_version(s: Session, name: str, version: int | None = None, *, missing: str = ""
                  ) -> tuple[Segment, SegmentVersion]:
    """The segment called `name` and its version `version` (default: the latest); a RuleError names what is
    missing, followed by `missing` (what to do about it)."""
    segment = get_segment(s, name=name)
    if segment is None:
        raise RuleError(f"no saved segment is named {name!r}{missing}")
    saved = get_version(s, segment_id=segment.id, version=version)
    if saved is None:
        raise RuleError(f"segment {name!r} has no version {version}")
    return segment, saved


def definition(s: Session, name: str, *, labels: dict[str, str], version: int | None = None) -> dict:
    """A saved version's definition as plain data to share: the rule in JSON and text, each gene it reads with its
    label for people, and the audience it had when saved."""
    segment, saved = saved_version(s, name, version)
    rule = rule_of(saved)
    return {
        "segment": segment.name, "version": saved.version, "description": saved.description,
        "author": saved.author, "rule": json.loads(saved.definition), "rule_text": saved.rule_text,
        "genes": [{"name": g, "label": labels.get(g, g)} for g in dict.fromkeys(genes_in(rule))],
        "size": saved.size, "total": saved.total, "value_total": round(saved.value_total, 2),
        "genome_as_of": utc(saved.genome_as_of).isoformat(), "computed_at": utc(saved.computed_at).isoformat(),
    }
