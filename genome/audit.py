"""An append-only audit log of who did what to whom: sign-ins, profile views, unmasked views, consent changes,
saves, exports, refits, erasures and account changes.

Each entry carries the SHA-256 of its own fields and of the entry before it,
so changing, removing or reordering an entry breaks the chain from there on
and `verify` names the first entry that no longer fits. Entries say what was
done to which customer or segment by id, never the personal data itself.
Appending is safe with several writers: the metadata store refuses a second
entry after the same predecessor, and the loser appends after the winner.
"""

import hashlib
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from genome.errors import InputError
from store.meta import AuditEntry, utc

ACTIONS = ("sign-in", "failed sign-in", "profile view", "unmasked view", "consent change", "save", "export",
           "refit", "erasure", "account change")
GENESIS = "0" * 64
ATTEMPTS = 50  # a writer that lost the race tries again after a short random pause


def _digest(prev_hash: str, at: datetime, actor: str, role: str, action: str, target: str, detail: str) -> str:
    fields = [prev_hash, utc(at).isoformat(timespec="microseconds"), actor, role, action, target, detail]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode()).hexdigest()


def record(s: Session, *, actor: str, role: str, action: str, target: str = "", detail: str = "") -> AuditEntry:
    """Append one entry after the latest; returns it."""
    if action not in ACTIONS:
        raise InputError(f"audit action {action!r} is not one of {', '.join(ACTIONS)}")
    for attempt in range(ATTEMPTS):
        last = s.exec(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
        prev = last.hash if last else GENESIS
        at = datetime.now(UTC)
        entry = AuditEntry(at=at, actor=actor, role=role, action=action, target=target, detail=detail,
                           prev_hash=prev, hash=_digest(prev, at, actor, role, action, target, detail))
        s.add(entry)
        try:
            s.commit()
        except IntegrityError:  # another writer appended after the same entry first: append after theirs
            s.rollback()
            time.sleep(random.uniform(0, 0.002 * (attempt + 1)))  # writers that collided do not collide again
            continue
        s.refresh(entry)
        return entry
    raise InputError("the audit log is too busy to append to: try again")


def record_look(s: Session, *, actor: str, role: str, action: str, target: str, detail: str = "",
                within: timedelta = timedelta(minutes=10)) -> AuditEntry | None:
    """Record a look (a profile or unmasked view) unless the same person looked at the same target within
    `within`: paging through one customer's timeline is one look, not one per page."""
    since = datetime.now(UTC) - within
    recent = s.exec(select(AuditEntry).where(AuditEntry.actor == actor, AuditEntry.action == action,
                                             AuditEntry.target == target, AuditEntry.at >= since).limit(1)).first()
    if recent is not None:
        return None
    return record(s, actor=actor, role=role, action=action, target=target, detail=detail)


def entries(s: Session, *, actor: str | None = None, action: str | None = None, target: str | None = None,
            since: datetime | None = None, until: datetime | None = None) -> list[AuditEntry]:
    """Entries oldest first, narrowed by any of the filters."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target == target)
    if since:
        query = query.where(AuditEntry.at >= utc(since))
    if until:
        query = query.where(AuditEntry.at < utc(until))
    return list(s.exec(query))


@dataclass(frozen=True)
class ChainCheck:
    entries: int
    broken_at: int | None  # id of the first entry that does not fit, None when the chain holds
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(s: Session) -> ChainCheck:
    """Walk the chain from the start: every entry's hash must be its own, and follow the one before."""
    prev, n = GENESIS, 0
    for n, e in enumerate(s.exec(select(AuditEntry).order_by(AuditEntry.id)), start=1):
        if e.prev_hash != prev:
            return ChainCheck(n, e.id, "it does not follow the entry before it (one was removed or reordered)")
        if e.hash != _digest(e.prev_hash, e.at, e.actor, e.role, e.action, e.target, e.detail):
            return ChainCheck(n, e.id, "its fields were changed after it was written")
        prev = e.hash
    return ChainCheck(n, None)


def save_recorded(s: Session, row, *, actor: str, role: str, target: str, detail: str):
    """Add `row` (a new version of something people make: an asset, a campaign), commit it and record its saving
    in the audit log; returns the row as stored."""
    s.add(row)
    s.commit()
    s.refresh(row)
    record(s, actor=actor, role=role, action="save", target=target, detail=detail)
    s.refresh(row)
    return row
