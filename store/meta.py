"""The metadata store (SQLModel; SQLite by default, PostgreSQL when GENOME_META_URL names one, e.g.
`postgresql+psycopg://user:password@host/genome`): accounts, audit, segments, their versions, exports.

All metadata models live here, in the SQLModel style: a base class with the
fields a caller supplies, a `table=True` class that adds what the store
assigns. Small CRUD functions take the session and keyword arguments and
return None when nothing is found.

Grain:
- `segment`: one row per segment name;
- `segmentversion`: one row per saved change of a segment (version 1, 2, ...),
  with the audience computed when it was saved;
- `segmentmembers`: one row per segment version, its members as Parquet bytes
  (customer ids), so another segment reads who was in it, not its rule;
- `audienceexport`: one row per export, who made it and what it held;
- `auditentry`: one row per audited act, append-only, each carrying the hash
  of the one before it (`genome.audit`);
- `consentchange`: one row per consent decision recorded by staff (a consent
  event waiting in the metadata store until the analytics store is next
  written, `genome.consent_changes`);
- `creativeasset`: one row per version of a creative asset (an image, a
  headline, body copy, a call to action, an offer) with its eligibility
  rule; image files are kept by content hash in the asset folder
  (`genome.creative.library`);
- `campaign`: one row per version of a campaign (its goal, audience,
  template, channel, holdout, window, cost and state); who got it and who was
  held out are events in the analytics store (`genome.campaigns`);
- `campaignsend`: one row per campaign sent from the app, its receipts and
  hold-outs waiting (as Parquet) until the analytics store is next written
  (`genome.campaigns.send`);
- `useraccount`: one row per person who may sign in, with their role, an
  argon2id password hash and the state of their failed attempts (`genome.users`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Column, LargeBinary, UniqueConstraint, event, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, create_engine, select


def _now() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """Times are stored with their zone; the analytics store's naive times are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SegmentBase(SQLModel):
    name: str = Field(index=True, unique=True, min_length=1, max_length=120)
    description: str = ""
    owner: str = Field(min_length=1)


class Segment(SegmentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=_now)


class SegmentVersion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("segment_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)
    version: int
    definition: str  # canonical JSON of the rule
    rule_text: str  # its readable text form
    description: str = ""
    author: str
    created_at: datetime = Field(default_factory=_now)
    size: int
    total: int
    value_total: float
    value_mean: float
    genome_as_of: datetime
    computed_at: datetime = Field(default_factory=_now)


class SegmentMembers(SQLModel, table=True):
    version_id: int = Field(foreign_key="segmentversion.id", primary_key=True)
    members: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class AudienceExport(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="segment.id", index=True)
    version: int
    exported_by: str
    exported_at: datetime = Field(default_factory=_now)
    purpose: str  # "ids" or "ad_platform"
    file_format: str  # "csv" or "parquet"
    rows: int
    people: int
    removed_without_consent: int
    file_name: str


class AuditEntry(SQLModel, table=True):
    # one entry per previous hash: two writers that read the same last entry cannot both append after it
    __table_args__ = (UniqueConstraint("prev_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=_now, index=True)
    actor: str = Field(index=True)
    role: str
    action: str = Field(index=True)
    target: str = ""
    detail: str = ""
    prev_hash: str
    hash: str


class CreativeAsset(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, min_length=1, max_length=80)
    version: int
    kind: str  # image, headline, body, cta, offer
    channels: str  # comma-separated: email, sms, push, ad
    locale: str = "en"
    tags: str = ""  # comma-separated
    rule: str = ""  # segment rule text; empty: everyone
    priority: int = 0
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    text: str = ""  # the copy (for an image: its alternative text)
    content_hash: str | None = None  # SHA-256 of an image file in the asset folder
    media_type: str | None = None
    owner: str
    created_at: datetime = Field(default_factory=_now)


class Campaign(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, min_length=1, max_length=80)  # the campaign_id its events carry
    version: int
    goal: str  # purchase, revenue, coupon_redemption, click
    segment: str | None = None  # the saved segment it goes to, and which version
    segment_version: int | None = None
    cell: str = ""  # a micro-campaign's cell of the segment, as a rule (`favourite_category = 'toys'`)
    template: str | None = None  # the creative template
    channel: str = "email"
    send_on: datetime | None = None
    holdout_share: float = 0.1
    window_days: int = 14
    message_cost: float = 0.0  # per message sent, in the store's currency
    # targeting: only the `target_share` of the reachable audience that scores highest on this number gene (for
    # example `uplift_purchase`, the most persuadable); None sends to the whole reachable audience
    target_gene: str | None = None
    target_share: float = 1.0
    state: str = "draft"  # draft, scheduled, sent, measured
    owner: str
    created_at: datetime = Field(default_factory=_now)


class CampaignSend(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    campaign: str = Field(index=True)
    sent_at: datetime = Field(default_factory=_now)
    treated: int
    held_out: int
    # the receipts and hold-outs as events in the input contract (Parquet), waiting for the next write of the store
    events: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    treated_ids: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # Parquet customer ids: the weekly cap
    folded_at: datetime | None = None  # when written into the analytics store's events


class UserAccount(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, min_length=1, max_length=80)
    role: str
    password_hash: str
    must_change_password: bool = True  # set for one-time passwords: the first sign-in asks for a new one
    disabled: bool = False
    failed_attempts: int = 0  # failures since the last success or lock
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=_now)
    last_sign_in: datetime | None = None


class ConsentChange(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(index=True, unique=True)  # the consent event's id, the same once folded into the store
    customer_id: str = Field(index=True)  # as resolved when recorded
    anchor: str  # 'kind:value' of one of the customer's identifiers: the event reaches them through it
    purpose: str
    granted: bool
    reason: str
    recorded_by: str
    role: str
    recorded_at: datetime = Field(default_factory=_now)
    folded_at: datetime | None = None  # when it was written into the analytics store's events


def meta_url_for(db: Path) -> str:
    """$GENOME_META_URL, or SQLite beside the analytics store: data/genome.duckdb -> data/genome.meta.sqlite."""
    from store.settings import get_settings

    return get_settings().meta_url or f"sqlite:///{Path(db).with_suffix('.meta.sqlite')}"


def _connect_args(url: str) -> dict:
    if url.startswith("sqlite"):
        # many people signing in at once on a busy machine queue for the write lock instead of failing
        return {"check_same_thread": False, "timeout": 60}
    if url.startswith("postgresql"):
        # times are stored as UTC whatever the server's own zone
        return {"options": "-c timezone=UTC"}
    return {}


@lru_cache(maxsize=8)
def engine(url: str) -> Engine:
    made = create_engine(url, connect_args=_connect_args(url), pool_pre_ping=not url.startswith("sqlite"))
    if url.startswith("sqlite"):
        event.listen(made, "connect", _write_ahead_log)
    SQLModel.metadata.create_all(made)
    _add_new_columns(made)
    return made


def _add_new_columns(made: Engine) -> None:
    """Columns added to a model after its table was made, added to the table (the only change made so far to a
    shipped table: a new column with a plain default). Existing rows get the default."""
    existing = inspect(made)
    for table in SQLModel.metadata.sorted_tables:
        if not existing.has_table(table.name):
            continue
        present = {c["name"] for c in existing.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            default = column.default.arg if column.default is not None and column.default.is_scalar else None
            literal = "" if default is None else " DEFAULT " + (
                repr(default).replace('"', "'") if isinstance(default, str) else str(int(default))
                if isinstance(default, bool) else str(default))
            kind = column.type.compile(dialect=made.dialect)
            with made.begin() as connection:  # names from our own models, not from anyone's input
                connection.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}{literal}'))


def _write_ahead_log(connection, _record) -> None:
    # readers (every page run checks its user) never wait for a writer, nor a writer for them
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def dispose(url: str) -> None:
    """Close every pooled connection to `url` and forget its engine."""
    engine(url).dispose()
    engine.cache_clear()


@contextmanager
def session(url: str) -> Iterator[Session]:
    with Session(engine(url)) as s:
        yield s


# --- CRUD --------------------------------------------------------------------------------------------------------

def get_segment(s: Session, *, name: str) -> Segment | None:
    return s.exec(select(Segment).where(Segment.name == name)).first()


def list_segments(s: Session) -> list[Segment]:
    return list(s.exec(select(Segment).order_by(Segment.name)))


def get_version(s: Session, *, segment_id: int, version: int | None = None) -> SegmentVersion | None:
    """The given version of a segment, or its latest."""
    query = select(SegmentVersion).where(SegmentVersion.segment_id == segment_id)
    query = query.where(SegmentVersion.version == version) if version is not None \
        else query.order_by(SegmentVersion.version.desc())
    return s.exec(query).first()


def list_versions(s: Session, *, segment_id: int) -> list[SegmentVersion]:
    return list(s.exec(select(SegmentVersion).where(SegmentVersion.segment_id == segment_id)
                       .order_by(SegmentVersion.version)))


def get_members(s: Session, *, version_id: int) -> bytes | None:
    row = s.get(SegmentMembers, version_id)
    return row.members if row else None


def list_exports(s: Session, *, segment_id: int | None = None) -> list[AudienceExport]:
    query = select(AudienceExport).order_by(AudienceExport.exported_at.desc())
    if segment_id is not None:
        query = query.where(AudienceExport.segment_id == segment_id)
    return list(s.exec(query))
