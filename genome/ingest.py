"""Ingestion: validate every row, keep the good ones, quarantine the bad ones.

Each staged row ends as exactly one of accepted, quarantined, duplicate or
erased, so for every file accepted + quarantined + duplicates + erased = rows
read. A row is erased when one of its identifiers belongs to a customer who
was erased (`genome.erasure` keeps a salted hash of each): it is not stored,
not even in the quarantine. Validation is one SQL pass over the landed text
(vectorised in DuckDB); values are bound as data and never spliced into SQL.
A file none of whose rows can be a duplicate (every row carries an event id,
none repeats within the file and none is stored) is checked in the pass that
stores it; any other file is checked first, so that a duplicate never enters
`events` (taking 8,000 duplicates of a 1.35 M-row file out again after
storing it made its commit a second slower). A call ingests all its files and
refreshes identities in one transaction: if anything fails, the store is as
it was.
"""

import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from genome.attributes import normalised_sql, reason_sql as attribute_reasons, typed_columns_sql
from genome.events import (
    CHANNELS,
    CONSENT_PURPOSES,
    EARLIEST_EVENT,
    EVENT_TYPES,
    IDENTIFIER_COLUMNS,
    INPUT_COLUMNS,
    MAX_AMOUNT,
    MAX_IDENTIFIER_CHARS,
    MAX_QUANTITY,
    MAX_TEXT_CHARS,
    REQUIRED_COLUMNS,
)
from genome.identity import IdentityReport, resolve_identities
from genome.landing import Landed, land, read_ahead
from genome.mapping import Mapping, apply_mapping
from genome.progress import Progress
from genome.readers import FileRefused, file_format
from genome.store_settings import store_setting
from store.duck import table_exists

__all__ = ["FileRefused", "IngestResult", "IngestReport", "ingest_file", "ingest_files", "ingest_transaction"]


@dataclass(frozen=True)
class IngestResult:
    """What happened to one file's rows."""

    file: str
    source: str
    file_format: str
    rows_read: int
    accepted: int
    quarantined: int
    duplicates: int
    batch_id: str
    erased: int = 0


@dataclass(frozen=True)
class IngestReport:
    files: list[IngestResult]
    identity: IdentityReport | None

    def totals(self) -> dict:
        keys = ("rows_read", "accepted", "quarantined", "duplicates", "erased")
        totals = {k: sum(getattr(f, k) for f in self.files) for k in keys}
        totals["files"] = [asdict(f) for f in self.files]
        if self.identity is not None:
            totals["identity"] = asdict(self.identity)
        return totals


def _quoted(column: str) -> str:
    """SQL text quoting the offending value in a reason, cut to 40 characters."""
    return (
        f"'''' || left({column}, 40) || CASE WHEN length({column}) > 40 THEN '…' ELSE '' END || ''''"
    )


def _in_list(values: Sequence[str]) -> str:
    # Constants from genome.events, never user text.
    return ", ".join(f"'{v}'" for v in values)


# Identifiers as they arrived (e-mail and phone are normalised later), by input column name.
_IDENTIFIERS_IN = {"customer_ref": "customer_ref", "loyalty_id": "loyalty_id", "email": "email_in",
                   "phone": "phone_in", "device_id": "device_id"}
_ANY_IDENTIFIER = " OR ".join(f"{c} IS NOT NULL" for c in _IDENTIFIERS_IN.values())
_LONG_IDENTIFIER = "\n".join(
    f"WHEN length({c}) > {MAX_IDENTIFIER_CHARS} THEN '{name} is longer than {MAX_IDENTIFIER_CHARS} characters'"
    for name, c in _IDENTIFIERS_IN.items()
)

def reason_sql(*, max_amount: float = MAX_AMOUNT, max_quantity: int = MAX_QUANTITY) -> str:
    """Every check in the order a person would fix them; the first failing one is the reason (NULL: good)."""
    return _REASON_SQL.format(max_amount=max_amount, max_amount_text=f"{max_amount:,.0f}",
                              max_quantity=max_quantity, max_quantity_text=f"{max_quantity:,}")


# Values named in genes must hold a letter or a digit: what cannot be named is refused here, not at a build.
_UNNAMEABLE = "\n".join(
    f"  WHEN {c} IS NOT NULL AND NOT regexp_matches({c}, '[[:alnum:]]') "
    f"THEN '{c} ' || {_quoted(c)} || ' has no letter or digit to name it by'"
    for c in ("category", "store_id", "city"))

_REASON_SQL = f"""
CASE
  WHEN _defect IS NOT NULL THEN _defect
  WHEN occurred_at_in IS NULL THEN 'missing occurred_at'
  WHEN occurred_at IS NULL THEN 'occurred_at ' || {_quoted('occurred_at_in')} || ' is not a timestamp'
  WHEN occurred_at < TIMESTAMP '{EARLIEST_EVENT}' OR occurred_at > now()::TIMESTAMP + INTERVAL 1 DAY
    THEN 'occurred_at ' || {_quoted('occurred_at_in')} || ' is out of range'
  WHEN channel IS NULL THEN 'missing channel'
  WHEN channel NOT IN ({_in_list(CHANNELS)}) THEN 'unknown channel ' || {_quoted('channel')}
  WHEN event_type IS NULL THEN 'missing event_type'
  WHEN event_type NOT IN ({_in_list(EVENT_TYPES)}) THEN 'unknown event_type ' || {_quoted('event_type')}
  WHEN NOT ({_ANY_IDENTIFIER}) THEN 'no identifier (need one of {", ".join(IDENTIFIER_COLUMNS)})'
  {_LONG_IDENTIFIER}
  WHEN email_in IS NOT NULL AND NOT regexp_full_match(email, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')
    THEN 'email ' || {_quoted('email_in')} || ' is not an e-mail address'
  WHEN phone_in IS NOT NULL AND phone IS NULL THEN 'phone ' || {_quoted('phone_in')} || ' is not a valid phone number'
  WHEN amount_in IS NOT NULL AND (amount IS NULL OR NOT isfinite(amount))
    THEN 'amount ' || {_quoted('amount_in')} || ' is not a number'
  WHEN abs(amount) > {{max_amount}}
    THEN 'amount ' || {_quoted('amount_in')} || ' is out of range (at most {{max_amount_text}} in size; '
         || 'GENOME_MAX_AMOUNT sets the limit)'
  WHEN quantity_in IS NOT NULL AND NOT regexp_full_match(quantity_in, '[+-]?[0-9]+')
    THEN 'quantity ' || {_quoted('quantity_in')} || ' is not a whole number'
  WHEN quantity_in IS NOT NULL AND (quantity_big IS NULL OR quantity_big < 0 OR quantity_big > {{max_quantity}})
    THEN 'quantity ' || {_quoted('quantity_in')} || ' is out of range (0 to {{max_quantity_text}}; '
         || 'GENOME_MAX_QUANTITY sets the limit)'
  WHEN currency IS NOT NULL AND NOT regexp_full_match(currency, '[A-Z]{{{{3}}}}')
    THEN 'currency ' || {_quoted('currency')} || ' is not a three-letter code'
{_UNNAMEABLE.replace("{", "{{").replace("}", "}}")}
  WHEN attributes_reason IS NOT NULL THEN attributes_reason
  WHEN event_type = 'consent' AND NOT coalesce(consent_shaped, false)
    THEN 'consent event needs attributes.purpose (text) and attributes.granted (true or false)'
  WHEN event_type = 'consent' AND consent_purpose NOT IN ({_in_list(CONSENT_PURPOSES)})
    THEN 'unknown consent purpose ' || {_quoted("purpose_text")}
         || ' (use one of {", ".join(CONSENT_PURPOSES)})'
  WHEN length(text) > {MAX_TEXT_CHARS} THEN 'text is longer than {MAX_TEXT_CHARS:,} characters'
END
"""

# The landed text, trimmed and typed; originals kept (…_in) to quote in reasons.
_PARSE_SQL = """
SELECT s._line, s._defect,
  s.event_id_t AS event_id_in,
  s.occurred_at_t AS occurred_at_in,
  _ts(s.occurred_at_t) AS occurred_at,
  lower(s.channel_t) AS channel,
  lower(s.event_type_t) AS event_type,
  s.customer_ref_t AS customer_ref,
  s.loyalty_id_t AS loyalty_id,
  s.email_t AS email_in,
  lower(s.email_t) AS email,
  s.phone_t AS phone_in,
  pm.e164 AS phone,
  s.device_id_t AS device_id,
  s.product_id_t AS product_id,
  s.category_t AS category,
  s.amount_t AS amount_in,
  try_cast(s.amount_t AS DOUBLE) AS amount,
  s.quantity_t AS quantity_in,
  try_cast(s.quantity_t AS BIGINT) AS quantity_big,
  upper(s.currency_t) AS currency,
  s.store_id_t AS store_id,
  s.city_t AS city,
  nullif(s.text, '') AS text,
  a.attributes, a.attributes_reason, a.consent_shaped, a.purpose_text, a.normalised, a.normalised_consent,
  CASE WHEN lower(s.event_type_t) = 'consent' THEN a.purpose END AS consent_purpose
FROM {landing} s LEFT JOIN _phone_map pm ON pm.raw = s.phone LEFT JOIN _attributes a ON a.raw = s.attributes
"""


def parse_sql(landing: str = "_landing") -> str:
    """The rows of `landing`, a registered relation (a fixed name, not user text), parsed."""
    return _PARSE_SQL.format(landing=landing)


# A file repeats a few thousand distinct attribute objects over millions of rows ({"page": "product"}): each
# distinct text is parsed, checked and normalised once (`_attributes`), and rows join their result.
# grain: one row per distinct attributes text of the landed file.
ATTRIBUTES_SQL = f"""
WITH typed AS (
  SELECT raw, attributes, {typed_columns_sql("attributes")}
  FROM (SELECT raw, _t(raw) AS attributes FROM (SELECT DISTINCT attributes AS raw FROM _landing
                                                 WHERE attributes IS NOT NULL))
), checked AS (
  SELECT *,
    CASE
      WHEN attributes IS NOT NULL AND NOT json_valid(attributes) THEN 'attributes is not valid JSON'
      WHEN attributes IS NOT NULL AND json_type(attributes) <> 'OBJECT' THEN 'attributes is not a JSON object'
{attribute_reasons()}
    END AS attributes_reason
  FROM typed
), read AS (
  -- nested CASEs: JSON functions only see objects that passed their checks
  SELECT *,
    CASE WHEN attributes IS NOT NULL AND attributes_reason IS NULL THEN
      json_type(attributes, '$.purpose') = 'VARCHAR' AND json_extract(attributes, '$.granted') IS NOT NULL
    END AS consent_shaped,
    CASE WHEN attributes IS NOT NULL AND attributes_reason IS NULL THEN
      json_extract_string(attributes, '$.purpose') END AS purpose_text,
    -- the purpose as stored: trimmed and lower-cased, so "Marketing" and " marketing" are one purpose
    CASE WHEN attributes IS NOT NULL AND attributes_reason IS NULL THEN
      CASE WHEN json_type(attributes, '$.purpose') = 'VARCHAR'
           THEN lower(trim(json_extract_string(attributes, '$.purpose'))) END END AS purpose,
    CASE WHEN attributes IS NOT NULL AND attributes_reason IS NULL THEN {normalised_sql()} END AS normalised
  FROM checked
)
SELECT raw, attributes, attributes_reason, consent_shaped, purpose_text, purpose, normalised::JSON AS normalised,
  CASE WHEN purpose IS NOT NULL THEN json_merge_patch(normalised, json_object('purpose', purpose))
  END AS normalised_consent
FROM read
"""

_HASHED = ("occurred_at", "channel", "event_type", *IDENTIFIER_COLUMNS, "product_id",
           "category", "amount", "quantity_big", "currency", "store_id", "city", "text", "attributes")
# Events without an event_id are identified by their content, so a re-sent file adds nothing. (A CASE, not
# coalesce: coalesce hashed the content of every row, even those that carry an id.)
EVENT_KEY_SQL = ("CASE WHEN event_id_in IS NOT NULL THEN event_id_in "
                 "ELSE 'h-' || md5(concat_ws(chr(31), {})) END").format(
    ", ".join(f"coalesce(CAST({c} AS VARCHAR), chr(30))" for c in _HASHED)
)
ANCHOR_SQL = "CASE " + " ".join(
    f"WHEN {c} IS NOT NULL THEN '{c}:' || {c}" for c in IDENTIFIER_COLUMNS
) + " END"


def _prepare_session(con: duckdb.DuckDBPyConnection) -> None:
    # Attributes are trimmed once per distinct object; values that neither start nor end with a space or a
    # control character skip it (looking at two characters is cheaper than a regular expression).
    con.execute("""
        CREATE OR REPLACE TEMP MACRO _t(x) AS CASE
          WHEN x IS NULL OR x = '' THEN NULL
          WHEN ascii(x) > 32 AND ascii(right(x, 1)) > 32 THEN x
          ELSE nullif(trim(x, ' ' || chr(9) || chr(10) || chr(13)), '') END
    """)
    # A timestamp with an offset or zone goes through the time-zone aware parser (to UTC); a plain one takes
    # the fast path. The common 'YYYY-MM-DDTHH:MM:SS' shape is told by a LIKE, a third of the regular
    # expression's cost: nineteen characters leave no room for an offset after the seconds.
    con.execute("""
        CREATE OR REPLACE TEMP MACRO _ts(x) AS CASE
          WHEN x LIKE '____-__-_____:__:__' THEN try_cast(x AS TIMESTAMP)
          WHEN regexp_full_match(x, '\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?)?')
            THEN try_cast(x AS TIMESTAMP)
          ELSE try_cast(x AS TIMESTAMPTZ)::TIMESTAMP END
    """)


# A rejected row is kept as it arrived: its line, or for Parquet (which has no lines) the JSON of what it said.
RAW_SQL = "coalesce(s._raw, to_json(struct_pack({}))::VARCHAR)".format(
    ", ".join(f"{c} := s.{c}" for c in INPUT_COLUMNS))


@dataclass(frozen=True)
class Limits:
    """Values beyond which a row is taken as a data error (GENOME_MAX_AMOUNT, GENOME_MAX_QUANTITY)."""

    max_amount: float = MAX_AMOUNT
    max_quantity: int = MAX_QUANTITY


# A rejected row repeats one quarantined before, or one earlier in the file, by the text it arrived as.
_REJECTED_REPEATS_SQL = """
    SELECT r._line, false AS ok, 'duplicate' AS outcome FROM _rejected r
    JOIN (SELECT raw_key, min(_line) AS first_line FROM _rejected GROUP BY raw_key HAVING count(*) > 1) d
    USING (raw_key) WHERE r._line <> d.first_line
    UNION
    SELECT _line, false, 'duplicate' FROM _rejected
    WHERE raw_key IN (SELECT raw_key FROM quarantined_rows WHERE raw_key IN (SELECT raw_key FROM _rejected))
"""


def _check(con: duckdb.DuckDBPyConnection, limits: Limits, landing: pa.Table) -> None:
    """Check every landed row (`_checked`, reasons in `_rejected`) and list the exceptions (`_exceptions`):
    rows that are duplicates or erased. Every other row is accepted or quarantined by its reason."""
    # Only each row's outcome is kept (as Arrow, which DuckDB scans in place); storing parses the accepted rows
    # again rather than read back a kept copy of every parsed column: keeping that copy cost more than parsing.
    checked = con.sql(f"""
        SELECT _line, reason, event_key, hash(event_key) AS key_hash
        FROM (SELECT _line, reason, CASE WHEN reason IS NULL THEN {EVENT_KEY_SQL} END AS event_key
              FROM (SELECT *, {reason_sql(max_amount=limits.max_amount, max_quantity=limits.max_quantity)} AS reason
                    FROM ({parse_sql()})))
    """).to_arrow_table()
    con.register("_checked", checked)
    rejected_lines = pc.filter(checked["_line"], pc.is_valid(checked["reason"])).combine_chunks()
    _keep_rejected(con, limits, landing.filter(pc.is_in(landing["_line"], value_set=rejected_lines)))
    # Nearly every row is accepted, so only the exceptions are written down (`_exceptions`: duplicates and
    # erased rows); storing then skips them with an anti-join against that small table instead of joining an
    # outcome to every row. Keys already stored are looked up with the file's keys as the build side: the
    # store grows to tens of millions of events, a file has thousands to millions. A file's own keys are
    # matched by their 64-bit hash first and then by their text: hashing and comparing each key's text in
    # every step took half of this step's time.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _exceptions AS
        WITH accepted AS (
            -- an erased row is not accepted, so a later row with its key is not its duplicate
            SELECT _line, event_key, key_hash FROM _checked
            WHERE reason IS NULL AND _line NOT IN (SELECT _line FROM _erased)
        ), repeated AS (
            SELECT key_hash, event_key, min(_line) AS first_line FROM accepted
            WHERE key_hash IN (SELECT key_hash FROM accepted GROUP BY key_hash HAVING count(*) > 1)
            GROUP BY key_hash, event_key HAVING count(*) > 1
        ), stored AS (
            SELECT DISTINCT hash(event_id) AS key_hash, event_id AS event_key FROM events
            WHERE event_id IN (SELECT event_key FROM accepted)
        )
        SELECT a._line, true AS ok, 'duplicate' AS outcome FROM accepted a JOIN repeated r USING (key_hash, event_key)
        WHERE a._line <> r.first_line
        UNION
        SELECT a._line, true, 'duplicate' FROM accepted a JOIN stored USING (key_hash, event_key)
        UNION
        {_REJECTED_REPEATS_SQL}
    """)
    _add_erased(con)


def _keep_rejected(con: duckdb.DuckDBPyConnection, limits: Limits, rows: pa.Table) -> None:
    """Those of the landed `rows` that fail a check, with the reason and the text they arrived as (`_rejected`).
    Only these few rows' originals are read again: reading every row's in the checking query cost about a
    seventh of its time."""
    con.register("_rejected_landing", rows)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _rejected AS
        SELECT _line, reason, raw, md5(raw) AS raw_key
        FROM (SELECT p._line, p.reason, {RAW_SQL} AS raw
              FROM (SELECT _line, {reason_sql(max_amount=limits.max_amount, max_quantity=limits.max_quantity)}
                    AS reason FROM ({parse_sql("_rejected_landing")})) p
              JOIN _rejected_landing s USING (_line)
              WHERE p.reason IS NOT NULL)
    """)


def _ids_all_new(con: duckdb.DuckDBPyConnection, landed: Landed) -> bool:
    """Whether no row of the file can be a duplicate: every row carries an event_id, none repeats within the file
    and none is stored already. Ids in ascending order repeat none, and only the stored ids between the first and
    the last are read (exports are often in id order, and the stored ids' ranges leave most of the store unread;
    DuckDB and Arrow both order text by its bytes)."""
    ids = landed.rows["event_id_t"]
    if not len(ids) or ids.null_count:
        return False
    # fetchall, not fetchone: a result left open would refuse the relation API's next query
    if landed.ids_ascend:
        return not con.execute("SELECT count(*) FROM events WHERE event_id BETWEEN ? AND ?",
                               [ids[0].as_py(), ids[-1].as_py()]).fetchall()[0][0]
    # ids whose 64-bit hashes all differ are all different (grouping by the hash alone takes two thirds of the
    # time grouping by the text takes); two that share one are checked first, as any file with a repeat
    return not con.execute("""
        SELECT EXISTS (SELECT 1 FROM _landing GROUP BY hash(event_id_t) HAVING count(*) > 1)
            OR EXISTS (SELECT 1 FROM events WHERE event_id IN (SELECT event_id_t FROM _landing))
    """).fetchall()[0][0]


def _store_checking(con: duckdb.DuckDBPyConnection, limits: Limits, landing: pa.Table, *, batch_id: str) -> int:
    """For a file none of whose rows can be a duplicate (`_ids_all_new`): store every row that passes its checks
    as it is parsed, then find the rejected ones among the rows not stored (`_rejected`, `_exceptions`).
    Checking every row before storing it parsed each row twice: a fifth of the time the file took."""
    reason = reason_sql(max_amount=limits.max_amount, max_quantity=limits.max_quantity)
    stored = con.execute(f"""
        INSERT INTO events
        SELECT event_id_in, {_STORED_COLUMNS}, _line, ?
        FROM ({parse_sql()}) ANTI JOIN _erased USING (_line)
        WHERE ({reason}) IS NULL
    """, [batch_id]).fetchall()[0][0]
    if stored == landing.num_rows:
        unstored = landing.slice(0, 0)
    else:
        lines = con.sql("SELECT source_line FROM events WHERE batch_id = $batch",
                        params={"batch": batch_id}).to_arrow_table()
        unstored = landing.filter(pc.invert(pc.is_in(landing["_line"], value_set=lines["source_line"])))
    # the rows not stored are the rejected ones and erased ones that passed their checks
    _keep_rejected(con, limits, unstored)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _exceptions AS {_REJECTED_REPEATS_SQL}")
    _add_erased(con)
    return stored


def _find_erased(con: duckdb.DuckDBPyConnection) -> None:
    """The lines carrying an identifier of an erased customer (`_erased`): they are erased, whatever else they are."""
    con.execute("CREATE OR REPLACE TEMP TABLE _erased (_line BIGINT)")
    if not table_exists(con, "erased_identifiers") or \
            not con.execute("SELECT count(*) FROM erased_identifiers").fetchall()[0][0]:
        return
    salt = store_setting(con, "erasure_salt")
    hashed = " OR ".join(
        f"({c} IS NOT NULL AND sha256(? || '{c}:' || {c}) IN (SELECT identifier_hash FROM erased_identifiers))"
        for c in IDENTIFIER_COLUMNS)
    con.execute(f"INSERT INTO _erased SELECT _line FROM ({parse_sql()}) WHERE {hashed}",
                [salt] * len(IDENTIFIER_COLUMNS))


def _add_erased(con: duckdb.DuckDBPyConnection) -> None:
    """Erased lines become exceptions whatever else they were; `ok`: they passed their checks."""
    con.execute("DELETE FROM _exceptions WHERE _line IN (SELECT _line FROM _erased)")
    con.execute("INSERT INTO _exceptions SELECT _line, _line NOT IN (SELECT _line FROM _rejected), 'erased' "
                "FROM _erased")


# A purchase line with a negative amount is a refund: stored as a return of that size.
_REFUND = "event_type = 'purchase' AND amount < 0"


# What an accepted row stores after its key (the columns of `events` between event_id and source_line).
_STORED_COLUMNS = f"""occurred_at, channel,
    CASE WHEN {_REFUND} THEN 'return' ELSE event_type END,
    customer_ref, loyalty_id, email, phone, device_id, {ANCHOR_SQL}, product_id, category,
    CASE WHEN {_REFUND} THEN -amount ELSE amount END, CAST(quantity_big AS INTEGER),
    currency, store_id, city, text,
    CASE WHEN consent_purpose IS NULL THEN normalised ELSE normalised_consent END"""


def _store(con: duckdb.DuckDBPyConnection, *, batch_id: str, all_have_ids: bool) -> int:
    """Store the rows `_check` accepted; returns how many."""
    # Rows that all carry an event_id take it as they are parsed again; otherwise the keys the check hashed from
    # rows' content are joined back by line: hashing a 1.3 M-row file's content twice took an eighth longer.
    if all_have_ids:
        rows = f"""({parse_sql()}) p
            ANTI JOIN (SELECT _line FROM _exceptions UNION ALL SELECT _line FROM _rejected) x USING (_line)"""
        key = "event_id_in"
    else:
        rows = f"""({parse_sql()}) p
            JOIN (SELECT _line, event_key FROM _checked WHERE reason IS NULL) k USING (_line)
            ANTI JOIN _exceptions x USING (_line)"""
        key = "event_key"
    return con.execute(f"INSERT INTO events SELECT {key}, {_STORED_COLUMNS}, p._line, ? FROM {rows}",
                       [batch_id]).fetchall()[0][0]


def _quarantine(con: duckdb.DuckDBPyConnection, *, source: str, file: str, batch_id: str, now: datetime) -> None:
    """Keep the rejected rows that are not exceptions, with their reasons."""
    con.execute("""
        INSERT INTO quarantined_rows
        SELECT r.raw_key, ?, ?, r._line, r.reason, r.raw, ?, ?
        FROM _rejected r ANTI JOIN _exceptions e USING (_line)
    """, [source, file, batch_id, now])


def ingest_file(con: duckdb.DuckDBPyConnection, path: Path, *, source: str, phone_region: str = "US",
                limits: Limits = Limits(), label: str | None = None, landed: Landed | None = None) -> IngestResult:
    """Ingest one file inside an open ingest_transaction; `label` names it in the store (default: its path).
    `landed` is the file already landed (`genome.landing.read_ahead`); without it the file is landed here."""
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    label = label or str(path)
    fmt = file_format(path)
    landed = landed or land(path, phone_region=phone_region)
    # Arrow tables DuckDB scans in place: copying the rows into a temporary table first took as long as
    # validating them.
    con.register("_landing", landed.rows)
    con.register("_phone_map", landed.phones)
    rows = landed.rows.num_rows
    if fmt == "jsonl" and rows:
        _refuse_empty_required(con, path)
    batch_id = uuid.uuid4().hex[:12]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _attributes AS {ATTRIBUTES_SQL}")
    _find_erased(con)
    if _ids_all_new(con, landed):
        stored = _store_checking(con, limits, landed.rows, batch_id=batch_id)
    else:
        _check(con, limits, landed.rows)
        stored = _store(con, batch_id=batch_id, all_have_ids=landed.rows["event_id_t"].null_count == 0)
    _quarantine(con, source=source, file=label, batch_id=batch_id, now=started)
    counts = _outcome_counts(con, stored=stored)
    result = IngestResult(
        file=label, source=source, file_format=fmt, rows_read=rows,
        accepted=counts["accepted"], quarantined=counts["quarantined"],
        duplicates=counts["duplicate"], batch_id=batch_id, erased=counts["erased"],
    )
    con.execute(
        "INSERT INTO ingest_batches (batch_id, source, source_file, file_format, rows_read, accepted, quarantined, "
        "duplicates, started_at, finished_at, erased) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [batch_id, source, label, fmt, result.rows_read, result.accepted,
         result.quarantined, result.duplicates, started,
         datetime.now(timezone.utc).replace(tzinfo=None), result.erased],
    )
    return result


def _outcome_counts(con: duckdb.DuckDBPyConnection, *, stored: int) -> dict[str, int]:
    """Rows per outcome: the rows stored are accepted; a rejected row is quarantined unless it is an exception."""
    rejected = con.execute("SELECT count(*) FROM _rejected").fetchall()[0][0]
    counts = {"accepted": stored, "quarantined": rejected, "duplicate": 0, "erased": 0}
    for ok, outcome, n in con.execute("SELECT ok, outcome, count(*) FROM _exceptions GROUP BY ALL").fetchall():
        if not ok:
            counts["quarantined"] -= n
        counts[outcome] += n
    return counts


def _refuse_empty_required(con, path: Path) -> None:
    """A JSONL file has no header: a required field missing on every line means the wrong file."""
    for column in REQUIRED_COLUMNS:
        present = con.execute(
            f"SELECT count({column}) FROM _landing WHERE _defect IS NULL"  # column name is a constant
        ).fetchone()[0]
        valid_lines = con.execute("SELECT count(*) FROM _landing WHERE _defect IS NULL").fetchone()[0]
        if valid_lines and not present:
            raise FileRefused(f"{path.name}: missing required column {column}")


@contextmanager
def ingest_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction for a whole ingest: committed complete or not at all."""
    _prepare_session(con)
    # Events have no order but their timestamps, so the writes may keep whatever order the threads finish in:
    # a quarter of the time it takes to store a file otherwise goes into keeping the file's order.
    ordered = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()[0]
    con.execute("SET preserve_insertion_order = false")
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        for table in ("_attributes", "_rejected", "_exceptions", "_erased"):
            con.execute(f"DROP TABLE IF EXISTS {table}")  # fixed names, not user text
        for relation in ("_landing", "_phone_map", "_checked", "_rejected_landing"):
            con.unregister(relation)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute(f"SET preserve_insertion_order = {bool(ordered)}")


def check_paths(paths: Sequence[Path]) -> None:
    """Refuse the whole call up front when a path is missing or of an unknown type."""
    for path in paths:
        if not path.is_file():
            raise FileRefused(f"{path}: no such file")
        file_format(path)


def ingest_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path | str],
    *,
    source: str | None = None,
    phone_region: str = "US",
    identity_cap: int = 50,
    shared_identifier_links: int = 5,
    limits: Limits = Limits(),
    mapping: Mapping | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest `paths` and refresh identities in one transaction.

    If one file is refused, none is ingested. `source` names where the rows
    came from; by default the mapping's source name, else each file's name
    without its extension. With a `mapping`, each file is first put into the
    contract's shape (`genome.mapping`) and then validated like any other.
    `progress(file, done, total)` hears of each file ingested.
    """
    paths = [Path(p) for p in paths]
    if mapping is None:
        check_paths(paths)
    results = []
    # Files in the contract's shape are landed one ahead; a mapping is applied by the store's connection, so
    # mapped files are landed in turn.
    ahead = read_ahead(paths, phone_region=phone_region) if mapping is None else None
    with tempfile.TemporaryDirectory(prefix="genome-map-") as scratch, ingest_transaction(con):
        for i, path in enumerate(paths):
            label, name = str(path), source or (mapping.name if mapping else None) or path.stem
            if mapping is not None:
                path = apply_mapping(con, mapping, path, Path(scratch) / f"{i}.parquet")
                label = f"{label} (mapped by {mapping.path.name})"
            result = ingest_file(con, path, source=name, phone_region=phone_region, limits=limits, label=label,
                                 landed=next(ahead) if ahead else None)
            results.append(result)
            if progress:
                progress(path.name if mapping is None else Path(label).name, i + 1, len(paths))
        identity = resolve_identities(con, cap=identity_cap, shared_links=shared_identifier_links)
    return IngestReport(files=results, identity=identity)
