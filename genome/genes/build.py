"""The genome build: compile the catalog to batch SQL and swap the result in.

1. `_ev`: one row per event with its customer and derived columns (days ago
   from the store's latest event, weekday, hour, discount, price band), so
   every family reads prepared columns instead of parsing JSON again.
   `price_bands` (one row per category) keeps the band limits for explanations.
2. One GROUP BY per family over its relation -> one temp table per family.
3. Lifetime-value genes from the fitted BG/NBD and Gamma-Gamma models.
4. Derived genes (personas, combinations, value tiers) over the wide row.
5. `customer_genes` (one row per customer_id) and `gene_catalog` (one row per
   gene, with coverage) replace the previous build in one transaction, so
   readers see the old genome until the new one is complete.

The reference date is the latest event in the store, not the wall clock, so
the same events always give the same genome.
"""

import zoneinfo
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime

import duckdb
import pyarrow as pa

from genome.errors import InputError
from genome.events import CHANNELS, EVENT_TYPES
from genome.genes.definition import Gene, GeneDefinitionError, sql_literal
from genome.genes.families import Family, Vocabulary, discover, event_families
from genome.genes.lifetime import LIFETIME_CHOICE, LIFETIME_GENES, LifetimeChoice, lifetime_genes, lifetime_values
from genome.genes.personas import derived_genes
from genome.genes.pivot import build_pivot
from genome.genes.publication import Publication, publication
from genome.genes.stored import MODEL_FAMILIES, MODEL_GENES_TABLE, stored_model_genes, swap_genome
from genome.progress import Progress
from genome.store_settings import set_store_setting, store_setting
from genome.today import genome_today
from store.duck import memory_budget
from store.engine import DuckEngine


def events_relation(con: duckdb.DuckDBPyConnection) -> str:
    """The events as genes read them: a line without a category takes its product's from the catalogue."""
    try:
        known = con.execute("SELECT count(category) FROM products").fetchone()[0]
    except duckdb.CatalogException:
        known = 0
    if not known:
        return "events"
    return ("(SELECT e.* REPLACE (coalesce(e.category, p.category) AS category) FROM events e "
            "LEFT JOIN (SELECT product_id, any_value(category) AS category FROM products GROUP BY 1) p "
            "USING (product_id))")


def spelled(column: str, merged: dict[str, str] | None) -> str:
    """The event's `column` with merged spellings replaced by the value they were merged into."""
    if not merged:
        return f"e.{column}"
    cases = " ".join(f"WHEN {sql_literal(raw)} THEN {sql_literal(value)}" for raw, value in sorted(merged.items()))
    return f"CASE e.{column} {cases} ELSE e.{column} END"


def counted_events_relation(con: duckdb.DuckDBPyConnection, merged: dict[str, dict[str, str]]) -> str:
    """The events as genes count them: `events_relation`, with each spelling of a category or channel in `merged`
    (`merged_spellings`) replaced by the value it was merged into, so a rule counting "CHEESE" lines counts
    "CHEESES" too."""
    relation = events_relation(con)
    columns = [c for c in ("category", "channel") if merged.get(c)]
    if not columns:
        return relation
    replaced = ", ".join(f"{spelled(c, merged[c])} AS {c}" for c in columns)
    return f"(SELECT e.* REPLACE ({replaced}) FROM {relation} e)"


def price_bands_sql(merged: dict[str, dict[str, str]] | None = None, events: str = "events") -> str:
    """Per category, the unit prices that open the bottom and the top fifth of what was paid."""
    category = spelled("category", (merged or {}).get("category"))
    return f"""
SELECT {category} AS category,
       quantile_cont(e.amount / greatest(coalesce(e.quantity, 1), 1), 0.2) AS p20,
       quantile_cont(e.amount / greatest(coalesce(e.quantity, 1), 1), 0.8) AS p80
FROM {events} e WHERE e.event_type = 'purchase' AND e.category IS NOT NULL AND e.amount IS NOT NULL
GROUP BY 1
"""


# Attribute flags as ingestion writes them (`genome.attributes`), read leniently so older stores agree:
# a discount is true, "yes", 1 or any positive amount; a coupon is anything but false, 0 or empty, a coupon
# code or a positive coupon amount.
_ATTR = "json_extract_string(e.attributes, '$.{}')"
DISCOUNT_SQL = (f"(coalesce(lower({_ATTR.format('discount')}) IN ('true', 'yes'), false) "
                f"OR coalesce(try_cast({_ATTR.format('discount')} AS DOUBLE) > 0, false) "
                f"OR coalesce(try_cast({_ATTR.format('discount_amount')} AS DOUBLE) > 0, false))")
COUPON_SQL = (f"(coalesce(lower({_ATTR.format('coupon')}) NOT IN ('false', 'no', '0', '', 'null'), false) "
              f"OR {_ATTR.format('coupon_code')} IS NOT NULL "
              f"OR coalesce(try_cast({_ATTR.format('coupon_amount')} AS DOUBLE) > 0, false))")


def event_view_sql(bands: str = "_price_bands", one_customer: bool = False,
                   merged: dict[str, dict[str, str]] | None = None, events: str = "events",
                   local_zone: str = "UTC", identifiers: str = "_identifier_index") -> str:
    """One row per event with its customer and the derived columns genes read.

    `$as_of` is the reference date. For the build, customers are numbered
    (`cust` from `_customer_index`): grouping 50 million events by a small
    integer is several times faster than by a text id; `identifiers` (default
    `_identifier_index`) limits the view to the customers it numbers. With `one_customer`,
    `$customer_id` limits the view to that customer (for explanations).
    `merged` maps column -> {spelling: value} for values spelt several ways.
    Weekdays, hours and calendar days are the store's local ones (`local_zone`): stored times are UTC.
    """
    if one_customer:
        key, join = "i.customer_id AS cust", "JOIN identifiers i ON i.identifier = e.anchor " \
                                             "WHERE i.customer_id = $customer_id"
    else:
        key, join = "x.cust", f"JOIN {identifiers} x ON x.identifier = e.anchor"
    merged = merged or {}
    category, store, city = (spelled(c, merged.get(c)) for c in ("category", "store_id", "city"))
    local = "e.occurred_at" if local_zone == "UTC" else \
        f"timezone({sql_literal(local_zone)}, timezone('UTC', e.occurred_at))"
    return f"""
SELECT {key}, e.event_type::{_enum(EVENT_TYPES)} AS event_type, e.channel::{_enum(CHANNELS)} AS channel,
       {category} AS category, e.amount, e.quantity,
       {store} AS store_id, {city} AS city, e.occurred_at, {local} AS local_time,
       date_diff('day', e.occurred_at, $as_of) AS days_ago,
       isodow({local}) AS dow,
       hour({local}) AS hour,
       isodow({local}) >= 6 AS weekend,
       CASE WHEN e.event_type = 'purchase' THEN {DISCOUNT_SQL} END AS discount,
       CASE WHEN e.event_type = 'purchase' THEN {COUPON_SQL} END AS coupon,
       CASE WHEN e.event_type = 'review'
            THEN try_cast(json_extract_string(e.attributes, '$.rating') AS INTEGER) END AS rating,
       CASE WHEN e.event_type = 'consent'
            THEN json_extract_string(e.attributes, '$.purpose') END AS consent_purpose,
       CASE WHEN e.event_type = 'consent'
            THEN try_cast(json_extract_string(e.attributes, '$.granted') AS BOOLEAN) END AS consent_granted,
       CASE WHEN e.amount IS NOT NULL THEN e.amount / greatest(coalesce(e.quantity, 1), 1) END AS unit_price,
       -- price bands per category: the top and bottom fifth of what was paid
       CASE WHEN e.event_type <> 'purchase' OR b.category IS NULL OR e.amount IS NULL THEN NULL
            WHEN e.amount / greatest(coalesce(e.quantity, 1), 1) >= b.p80 THEN 'premium'
            WHEN e.amount / greatest(coalesce(e.quantity, 1), 1) <= b.p20 THEN 'budget'
            ELSE 'mid' END AS price_band
FROM {events} e
LEFT JOIN {bands} b ON b.category = {category}
{join}
{"AND" if one_customer else "WHERE"} e.occurred_at <= $as_of
"""


def _enum(values: tuple[str, ...]) -> str:
    """An ENUM type over the vocabulary ingestion enforces: genes compare event types and channels a dozen
    times per event, and comparing small codes is cheaper than comparing text."""
    return "ENUM(" + ", ".join(f"'{v}'" for v in values) + ")"  # constants from genome.events


# grain: one row per event, in identifier order, with where the event sits in `events` (its rowid): one
# customer's events are then found by a few look-ups on sorted data instead of a scan of every event. Kept by
# identifier, not customer, so it stays right when identity resolution later joins or splits customers; events
# ingested after the build are found past `event_rows_upto` (the highest rowid it covers).
EVENT_ROWS_SQL = """
CREATE OR REPLACE TABLE event_rows AS
SELECT anchor, rowid AS event_row FROM events ORDER BY anchor, rowid
"""

def write_event_rows(con: duckdb.DuckDBPyConnection) -> None:
    """`event_rows` for the events as they are now, and the highest rowid it covers."""
    con.execute(EVENT_ROWS_SQL)
    upto = con.execute("SELECT coalesce(max(event_row), -1) FROM event_rows").fetchone()[0]
    set_store_setting(con, "event_rows_upto", str(upto))


INDEX_SQL = """
CREATE OR REPLACE TEMP TABLE _customer_index AS
SELECT customer_id, (row_number() OVER (ORDER BY customer_id) - 1)::BIGINT AS cust FROM customers;
CREATE OR REPLACE TEMP TABLE _identifier_index AS
SELECT i.identifier, c.cust FROM identifiers i JOIN _customer_index c USING (customer_id);
"""


@dataclass(frozen=True)
class BuildReport:
    genes: int
    customers: int
    as_of: datetime
    families: int
    published: int = 0
    hidden: dict[str, str] = field(default_factory=dict)  # gene -> why it is left out of the catalog
    merged: list[tuple[str, str, str]] = field(default_factory=list)  # (column, spelling, merged into)
    renamed_away: list[tuple[str, str]] = field(default_factory=list)  # (gene name, family) named twice
    partitions: int = 1  # groups of customers built one after another


@dataclass(frozen=True)
class Catalog:
    families: list[Family]
    genes: list[Gene]
    vocabulary: Vocabulary
    # genes a value in the data would have named twice: (name, family), the first of the name is kept
    renamed_away: list[tuple[str, str]]


def catalog(con: duckdb.DuckDBPyConnection, events: str = "events") -> Catalog:
    """Every gene the current data supports: event families, lifetime value, derived.

    No value in the data can fail a build: should two genes get one name,
    the first keeps it and the second is left out (and reported).
    """
    vocabulary = discover(con, events=events)
    seen: set[str] = {g.name for g in LIFETIME_GENES}
    dropped: list[tuple[str, str]] = []
    families = []
    for family in event_families(vocabulary):
        kept = []
        for gene in family.genes:
            if gene.name in seen:
                dropped.append((gene.name, family.name))
            else:
                seen.add(gene.name)
                kept.append(gene)
        families.append(replace(family, genes=tuple(kept)))
    genes = [g for f in families for g in f.genes] + list(LIFETIME_GENES)
    for gene in derived_genes({g.name for g in genes}):
        if gene.name in seen:
            dropped.append((gene.name, gene.family))
        else:
            seen.add(gene.name)
            genes.append(gene)
    return Catalog(families, genes, vocabulary, dropped)


# A partition's prepared events, family tables and pivot grids are what a build holds in memory at once: a
# million customers' 60 million events build in four partitions, ten million customers' in forty.
EVENTS_PER_PARTITION = 16_000_000
# While a build works in partitions DuckDB keeps to this much memory (spilling to disk past it): a partition's
# pivot grids and the lifetime arrays live outside DuckDB's budget, and the whole build stays under 12 GB.
PARTITIONED_DUCKDB_MB = 6_000


@dataclass(frozen=True)
class Partition:
    """Customers `first` .. `first + count - 1` of `_customer_index` (numbered in customer_id order), built
    together. Ranges rather than hashes: a pivot places a customer's cells by position, and the genome's rows
    come out in customer order whatever the number of partitions."""

    first: int
    count: int
    number: int = 1
    of: int = 1

    @property
    def where(self) -> str:
        return f"cust >= {self.first} AND cust < {self.first + self.count}"

    @property
    def name(self) -> str:
        return f"partition {self.number} of {self.of}"


def partitions_for(customers: int, events: int, wanted: int | None = None) -> list[Partition]:
    """`wanted` partitions (default: enough that none holds much more than `EVENTS_PER_PARTITION` events),
    of nearly equal numbers of customers; never more partitions than customers, always at least one."""
    if wanted is not None and wanted < 1:
        raise InputError(f"a build needs at least one partition; got {wanted}")
    n = wanted or -(-events // EVENTS_PER_PARTITION)
    n = max(1, min(n, customers))
    size = -(-customers // n) if customers else 0
    firsts = range(0, customers, size) if size else [0]
    return [Partition(first, min(size, customers - first), number, len(firsts))
            for number, first in enumerate(firsts, start=1)]


def _quote(name: str) -> str:
    return f'"{name}"'  # gene names are checked snake_case, so quoting is enough


def family_sql(family: Family, pivot: str | None = None) -> str:
    """The family's genes, one row per customer (`cust`): grouped over its relation, or over `pivot`, the table
    its fan-out summary was pivoted into."""
    columns = ",\n  ".join(f"{g.expression} AS {_quote(g.name)}" for g in family.genes)
    if family.pivot is None:
        return f"SELECT cust,\n  {columns}\nFROM ({family.relation}) GROUP BY cust"
    return f"SELECT cust,\n  {columns}\nFROM {pivot}"


def _build_family(con, family: Family, index: int, part: Partition) -> None:
    """Aggregate families become temp tables; fan-out families a view over their pivot."""
    if family.pivot is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _family_{index} AS {family_sql(family)}")
    else:
        # several partitions insert into one table: counts take one type in all of them (64-bit), not the
        # narrowest each partition's values happen to fit
        con.register(f"_pivot_{index}", build_pivot(con, family.pivot, first=part.first, count=part.count,
                                                    narrow=part.of == 1))
        con.execute(f"CREATE OR REPLACE TEMP VIEW _family_{index} AS {family_sql(family, f'_pivot_{index}')}")


def _filled(gene: Gene, table: str) -> str:
    column = f"{table}.{_quote(gene.name)}"
    return f"coalesce({column}, {gene.fill_sql})" if gene.fill_sql is not None else column


def wide_sql(families: list[Family], derived: list[Gene], models: list[Gene] = (),
              customers: str = "_customer_index") -> str:
    columns = ["c.customer_id"]
    joins = []
    for i, family in enumerate(families):
        columns += [f"{_filled(g, f'f{i}')} AS {_quote(g.name)}" for g in family.genes]
        joins.append(f"LEFT JOIN _family_{i} f{i} USING (cust)")
    columns += [f"{_filled(g, 'lv')} AS {_quote(g.name)}" for g in LIFETIME_GENES]
    joins.append("LEFT JOIN _lifetime lv USING (cust)")
    if models:
        # the latest fitted models' scores stay in the genome across rebuilds
        columns += [f"{_filled(g, 'mg')} AS {_quote(g.name)}" for g in models]
        joins.append(f"LEFT JOIN {MODEL_GENES_TABLE} mg USING (customer_id)")
    sql = f"SELECT {', '.join(columns)} FROM {customers} c {' '.join(joins)}"
    # Derived genes may build on each other: each layer adds the genes whose inputs exist.
    for layer, genes in enumerate(_layers(derived)):
        values = ", ".join(
            f"{f'coalesce({g.expression}, {g.fill_sql})' if g.fill_sql else g.expression} AS {_quote(g.name)}"
            for g in genes
        )
        sql = f"SELECT *, {values} FROM ({sql}) d{layer}"
    return sql


def _layers(derived: list[Gene]) -> list[list[Gene]]:
    pending = {g.name: g for g in derived}
    layers: list[list[Gene]] = []
    while pending:
        ready = [g for g in pending.values() if not any(i in pending for i in g.inputs)]
        if not ready:
            raise GeneDefinitionError(f"derived genes depend on each other in a cycle: {sorted(pending)}")
        layers.append(ready)
        for gene in ready:
            del pending[gene.name]
    return layers


def _drop_families(con, families: list[Family]) -> None:
    for i, family in enumerate(families):
        if family.pivot is None:
            con.execute(f"DROP TABLE IF EXISTS _family_{i}")
        else:
            con.execute(f"DROP VIEW IF EXISTS _family_{i}")
            con.unregister(f"_pivot_{i}")


def _build_partitions(con, parts: list[Partition], families: list[Family], derived: list[Gene], models: list[Gene],
                      *, as_of: datetime, say: Progress, steps: int, view) -> LifetimeChoice:
    """`customer_genes_next`, one partition of customers after another; `view(identifiers)` is the event view
    over the customers `identifiers` numbers. Returns which lifetime-value genes are the models' and which
    their rules'."""
    per_part = len(families) + 2
    split = len(parts) > 1
    if split:
        # the models are fitted and ranked over every customer: read from the events as they stream by
        say("lifetime value", 0, steps)
        lifetime = lifetime_values(DuckEngine(con), as_of, events=f"({view('_identifier_index')})")
    for p, part in enumerate(parts):
        where = f"{part.name}: " if split else ""
        step = 1 + p * per_part
        say(f"{where}preparing events", step, steps)
        if split:
            con.execute("CREATE OR REPLACE TEMP TABLE _part_identifiers AS "
                        f"SELECT * FROM _identifier_index WHERE {part.where}")
        identifiers = "_part_identifiers" if split else "_identifier_index"
        con.execute(f"CREATE OR REPLACE TEMP TABLE _ev AS {view(identifiers)}", {"as_of": as_of})
        if not split:
            lifetime = lifetime_values(DuckEngine(con), as_of)
        for i, family in enumerate(families):
            say(f"{where}family {family.name}", step + 1 + i, steps)
            _build_family(con, family, i, part)
        say(f"{where}assembling the genome", step + per_part - 1, steps)
        wide = wide_sql(families, derived, models, customers=f"(SELECT * FROM _customer_index WHERE {part.where})")
        con.execute(f"CREATE OR REPLACE TABLE customer_genes_next AS {wide}" if p == 0
                    else f"INSERT INTO customer_genes_next {wide}")
        _drop_families(con, families)
    return lifetime


def local_zone_of(con: duckdb.DuckDBPyConnection) -> str:
    """The time zone the store reads weekdays and hours in (UTC until one is set)."""
    return store_setting(con, "local_zone", "UTC")


@dataclass(frozen=True)
class BuildPlan:
    """What a build computes, whichever engine runs it: compiled from the store's vocabulary."""

    as_of: datetime
    local_zone: str
    events: str  # the events relation genes read
    found: Catalog
    derived: list[Gene]
    models: list[Gene]  # genes of the last model fit, carried into the new genome

    @property
    def genes(self) -> list[Gene]:
        return list(self.found.genes) + self.models

    def event_view(self, identifiers: str = "_identifier_index", events: str | None = None) -> str:
        return event_view_sql(merged=self.found.vocabulary.merged, events=events or self.events,
                              local_zone=self.local_zone, identifiers=identifiers)


def plan_build(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None,
               local_zone: str | None = None) -> BuildPlan:
    """The genes the store's data supports and the reference date and time zone they are read at."""
    as_of = genome_today(con, as_of)
    local_zone = local_zone or local_zone_of(con)
    try:
        zoneinfo.ZoneInfo(local_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {local_zone!r} (use a name such as America/Chicago or UTC)") from None
    events = events_relation(con)
    found = catalog(con, events)
    names = {g.name for g in found.genes}
    return BuildPlan(as_of=as_of, local_zone=local_zone, events=events, found=found,
                     derived=[g for g in found.genes if g.derived],
                     models=[g for g in stored_model_genes(con) if g.name not in names])


def build_genome(con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None, local_zone: str | None = None,
                 progress: Progress | None = None, partitions: int | None = None) -> BuildReport:
    """Rebuild `customer_genes` and `gene_catalog` from the events in `con` up to `as_of` (default: the latest
    commerce or engagement event, `genome.today`).

    `local_zone` is the retailer's time zone: weekdays, hours and shopping days are read in it (times are
    stored in UTC). By default the zone of the last build, else UTC.

    `partitions` splits the customers into that many groups built one after another (default: one per
    `EVENTS_PER_PARTITION` events), so memory follows the size of a partition, not of the store.
    """
    say = progress or (lambda step, done, total: None)
    # `_customer_index` numbers the rows of `customers`, so the partitions are known before anything is read and
    # the budget holds from the first scan: under DuckDB's own limit (half the machine) reading the vocabulary and
    # the price bands of 600 million events alone took the process to 10.7 GiB
    parts = partitions_for(con.execute("SELECT count(*) FROM customers").fetchone()[0],
                           con.execute("SELECT count(*) FROM events").fetchone()[0], partitions)
    with memory_budget(con, PARTITIONED_DUCKDB_MB) if len(parts) > 1 else nullcontext():
        plan = plan_build(con, as_of=as_of, local_zone=local_zone)
        families = plan.found.families
        say("preparing events", 0, 1)
        bands = price_bands_sql(plan.found.vocabulary.merged, plan.events)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _price_bands AS {bands}")
        con.execute(INDEX_SQL)
        steps = len(parts) * (len(families) + 2) + 3
        lifetime = _build_partitions(con, parts, families, plan.derived, plan.models, as_of=plan.as_of, say=say,
                                     steps=steps, view=lambda identifiers: plan.event_view(identifiers))
        report = finish_build(con, plan, lifetime=lifetime, say=say, steps=steps)
        if len(parts) > 1:
            # folding the new genome into the file is work too: left to the connection's close, under the store's
            # own limit, it took a ten-million-customer build from 8.6 GB to 13.0 GB after the genome was in place
            con.execute("CHECKPOINT")
    return replace(report, partitions=len(parts))


def finish_build(con: duckdb.DuckDBPyConnection, plan: BuildPlan, *, lifetime: LifetimeChoice, say: Progress,
                 steps: int) -> BuildReport:
    """`customer_genes_next` is complete: measure coverage, swap it in with its catalog, clean up.

    `lifetime` says which lifetime-value genes are the models' and which their rules': the catalog describes
    what was published, and the store keeps the choice for the lifetime-value card."""
    ruled = lifetime_genes(lifetime)
    genes, vocabulary = [ruled.get(g.name, g) for g in plan.genes], plan.found.vocabulary
    say("measuring coverage", steps - 2, steps)
    published = publication(con, genes)
    say("swapping the new genome in", steps - 1, steps)
    _swap_in(con, genes, plan.found.families, published, plan.as_of, vocabulary, plan.local_zone, lifetime)
    for table in ("_ev", "_lifetime", "_price_bands", "_customer_index", "_identifier_index", "_part_identifiers"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    say("done", steps, steps)
    return BuildReport(genes=len(genes), customers=published.customers, as_of=plan.as_of,
                       families=len(plan.found.families) + 2,
                       published=len(genes) - len(published.hidden), hidden=dict(published.hidden),
                       merged=[(column, raw, value) for column, spellings in vocabulary.merged.items()
                               for raw, value in sorted(spellings.items())],
                       renamed_away=plan.found.renamed_away)


def _swap_in(con, genes, families, published: Publication, as_of, vocabulary: Vocabulary, local_zone: str,
             lifetime: LifetimeChoice) -> None:
    family_text = {f.name: f.description for f in families} | MODEL_FAMILIES
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE OR REPLACE TABLE price_bands AS SELECT * FROM _price_bands")
        swap_genome(con, genes, family_text, published, as_of)
        write_spellings(con, vocabulary)
        set_store_setting(con, "local_zone", local_zone)
        set_store_setting(con, LIFETIME_CHOICE, lifetime.as_json())
        write_event_rows(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def write_spellings(con, vocabulary: Vocabulary) -> None:
    """Replace `value_spellings` (one row per merged spelling) inside the caller's transaction."""
    rows = [{"column_name": column, "spelling": raw, "value": value,
             "events": vocabulary.spelling_events.get((column, raw), 0)}
            for column, spellings in vocabulary.merged.items() for raw, value in sorted(spellings.items())]
    con.execute("CREATE OR REPLACE TABLE value_spellings (column_name VARCHAR NOT NULL, spelling VARCHAR NOT NULL, "
                "value VARCHAR NOT NULL, events BIGINT NOT NULL)")
    if rows:
        con.register("_spelling_rows", pa.Table.from_pylist(rows))
        con.execute("INSERT INTO value_spellings SELECT column_name, spelling, value, events FROM _spelling_rows")
        con.unregister("_spelling_rows")


def merged_spellings(con) -> dict[str, dict[str, str]]:
    """column -> {spelling: value} as the last build merged them (none before a build)."""
    try:
        rows = con.execute("SELECT column_name, spelling, value FROM value_spellings").fetchall()
    except duckdb.CatalogException:
        return {}
    merged: dict[str, dict[str, str]] = {}
    for column, raw, value in rows:
        merged.setdefault(column, {})[raw] = value
    return merged
