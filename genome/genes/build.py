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

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from genome.errors import NotBuilt
from genome.events import CHANNELS, EVENT_TYPES
from genome.genes.definition import Gene, GeneDefinitionError
from genome.genes.families import Family, discover, event_families
from genome.genes.lifetime import LIFETIME_GENES, lifetime_values
from genome.genes.personas import derived_genes
from genome.genes.pivot import build_pivot
from genome.models.published import MODEL_FAMILIES, MODEL_GENES_TABLE, stored_model_genes

Progress = Callable[[str, int, int], None]

PRICE_BANDS_SQL = """
CREATE OR REPLACE TEMP TABLE _price_bands AS
SELECT e.category,
       quantile_cont(e.amount / greatest(coalesce(e.quantity, 1), 1), 0.2) AS p20,
       quantile_cont(e.amount / greatest(coalesce(e.quantity, 1), 1), 0.8) AS p80
FROM events e WHERE e.event_type = 'purchase' AND e.category IS NOT NULL AND e.amount IS NOT NULL
GROUP BY e.category
"""


def event_view_sql(bands: str = "_price_bands", one_customer: bool = False) -> str:
    """One row per event with its customer and the derived columns genes read.

    `$as_of` is the reference date. For the build, customers are numbered
    (`cust` from `_customer_index`): grouping 50 million events by a small
    integer is several times faster than by a text id. With `one_customer`,
    `$customer_id` limits the view to that customer (for explanations).
    """
    if one_customer:
        key, join = "i.customer_id AS cust", "JOIN identifiers i ON i.identifier = e.anchor " \
                                             "WHERE i.customer_id = $customer_id"
    else:
        key, join = "x.cust", "JOIN _identifier_index x ON x.identifier = e.anchor"
    return f"""
SELECT {key}, e.event_type::{_enum(EVENT_TYPES)} AS event_type, e.channel::{_enum(CHANNELS)} AS channel,
       e.category, e.amount, e.quantity,
       e.store_id, e.city, e.occurred_at,
       date_diff('day', e.occurred_at, $as_of) AS days_ago,
       isodow(e.occurred_at) AS dow,
       hour(e.occurred_at) AS hour,
       isodow(e.occurred_at) >= 6 AS weekend,
       CASE WHEN e.event_type = 'purchase'
            THEN coalesce(json_extract_string(e.attributes, '$.discount') = 'true', false) END AS discount,
       CASE WHEN e.event_type = 'purchase'
            THEN json_extract_string(e.attributes, '$.coupon') IS NOT NULL END AS coupon,
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
FROM events e
LEFT JOIN {bands} b ON b.category = e.category
{join}
"""


def _enum(values: tuple[str, ...]) -> str:
    """An ENUM type over the vocabulary ingestion enforces: genes compare event types and channels a dozen
    times per event, and comparing small codes is cheaper than comparing text."""
    return "ENUM(" + ", ".join(f"'{v}'" for v in values) + ")"  # constants from genome.events


INDEX_SQL = """
CREATE OR REPLACE TEMP TABLE _customer_index AS
SELECT customer_id, (row_number() OVER (ORDER BY customer_id) - 1)::INTEGER AS cust FROM customers;
CREATE OR REPLACE TEMP TABLE _identifier_index AS
SELECT i.identifier, c.cust FROM identifiers i JOIN _customer_index c USING (customer_id);
"""


@dataclass(frozen=True)
class BuildReport:
    genes: int
    customers: int
    as_of: datetime
    families: int


def catalog(con: duckdb.DuckDBPyConnection) -> tuple[list[Family], list[Gene]]:
    """Every gene the current data supports: event families, lifetime value, derived."""
    families = event_families(discover(con))
    genes = [g for f in families for g in f.genes] + list(LIFETIME_GENES)
    genes += derived_genes({g.name for g in genes})
    seen: set[str] = set()
    for gene in genes:
        if gene.name in seen:
            raise GeneDefinitionError(f"gene name {gene.name!r} is defined twice")
        seen.add(gene.name)
    return families, genes


def _quote(name: str) -> str:
    return f'"{name}"'  # gene names are checked snake_case, so quoting is enough


def _build_family(con, family: Family, index: int) -> None:
    """Aggregate families become temp tables; fan-out families a view over their pivot."""
    columns = ",\n  ".join(f"{g.expression} AS {_quote(g.name)}" for g in family.genes)
    if family.pivot is None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _family_{index} AS SELECT cust,\n  {columns}\n"
                    f"FROM ({family.relation}) GROUP BY cust")
    else:
        con.register(f"_pivot_{index}", build_pivot(con, family.pivot))
        con.execute(f"CREATE OR REPLACE TEMP VIEW _family_{index} AS SELECT cust,\n  {columns}\nFROM _pivot_{index}")


def _filled(gene: Gene, table: str) -> str:
    column = f"{table}.{_quote(gene.name)}"
    return f"coalesce({column}, {gene.fill_sql})" if gene.fill_sql is not None else column


def _wide_sql(families: list[Family], derived: list[Gene], models: list[Gene] = ()) -> str:
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
    sql = f"SELECT {', '.join(columns)} FROM _customer_index c {' '.join(joins)}"
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


def coverage_sql(genes: list[Gene], table: str = "customer_genes_next") -> str:
    """Share of customers who carry each gene: true flags, non-zero numbers, known categories."""
    parts = []
    for gene in genes:
        column = _quote(gene.name)
        if gene.type == "flag":
            condition = column
        elif gene.type == "number":
            condition = f"{column} IS NOT NULL AND {column} <> 0"
        else:
            condition = f"{column} IS NOT NULL"
        parts.append(f"count(CASE WHEN {condition} THEN 1 END)")
    return f"SELECT count(*), {', '.join(parts)} FROM {table}"


def build_genome(con: duckdb.DuckDBPyConnection, *, progress: Progress | None = None) -> BuildReport:
    """Rebuild `customer_genes` and `gene_catalog` from the events in `con`."""
    say = progress or (lambda step, done, total: None)
    as_of = con.execute("SELECT max(occurred_at) FROM events").fetchone()[0]
    if as_of is None:
        raise NotBuilt("the store holds no events: ingest some before building the genome")
    families, genes = catalog(con)
    derived = [g for g in genes if g.derived]
    models = [g for g in stored_model_genes(con) if g.name not in {x.name for x in genes}]
    genes += models
    steps = len(families) + 4
    say("preparing events", 0, steps)
    con.execute(PRICE_BANDS_SQL)
    con.execute(INDEX_SQL)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ev AS {event_view_sql()}", {"as_of": as_of})
    for i, family in enumerate(families):
        say(f"family {family.name}", i + 1, steps)
        _build_family(con, family, i)
    say("lifetime value", len(families) + 1, steps)
    lifetime_values(con, as_of)
    say("assembling the genome", len(families) + 2, steps)
    con.execute(f"CREATE OR REPLACE TABLE customer_genes_next AS {_wide_sql(families, derived, models)}")
    say("measuring coverage", len(families) + 3, steps)
    row = con.execute(coverage_sql(genes)).fetchone()
    customers, carriers = row[0], row[1:]
    _swap_in(con, genes, families, customers, carriers, as_of)
    for i, family in enumerate(families):
        if family.pivot is None:
            con.execute(f"DROP TABLE IF EXISTS _family_{i}")
        else:
            con.execute(f"DROP VIEW IF EXISTS _family_{i}")
            con.unregister(f"_pivot_{i}")
    for table in ("_ev", "_lifetime", "_price_bands", "_customer_index", "_identifier_index"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    say("done", steps, steps)
    return BuildReport(genes=len(genes), customers=customers, as_of=as_of, families=len(families) + 2)


CATALOG_COLUMNS = ("name", "label", "family", "family_description", "description", "type", "unit", "source", "expression",
                   "sensitivity", "owner", "version", "evidence_where", "evidence_noun", "inputs", "carriers",
                   "coverage", "as_of")


def _swap_in(con, genes, families, customers, carriers, as_of) -> None:
    family_text = {f.name: f.description for f in families} | MODEL_FAMILIES
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("CREATE OR REPLACE TABLE price_bands AS SELECT * FROM _price_bands")
        con.execute("DROP TABLE IF EXISTS customer_genes")
        con.execute("ALTER TABLE customer_genes_next RENAME TO customer_genes")
        write_catalog(con, genes, family_text, customers, carriers, as_of)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def write_catalog(con, genes: list[Gene], family_text: dict, customers: int, carriers, as_of) -> None:
    """Replace `gene_catalog` (one row per gene) inside the caller's transaction."""
    rows = [
        (g.name, g.label, g.family, family_text.get(g.family, ""), g.description, g.type, g.unit, g.source, g.expression,
         g.sensitivity, g.owner, g.version, g.evidence.where if g.evidence else None,
         g.evidence.noun if g.evidence else None, ",".join(g.inputs) or None,
         int(n), (n / customers) if customers else 0.0, as_of)
        for g, n in zip(genes, carriers)
    ]
    con.execute("""
        CREATE OR REPLACE TABLE gene_catalog (
            name VARCHAR NOT NULL, label VARCHAR NOT NULL, family VARCHAR NOT NULL, family_description VARCHAR,
            description VARCHAR NOT NULL, type VARCHAR NOT NULL, unit VARCHAR, source VARCHAR NOT NULL,
            expression VARCHAR NOT NULL, sensitivity VARCHAR, owner VARCHAR NOT NULL, version INTEGER NOT NULL,
            evidence_where VARCHAR, evidence_noun VARCHAR, inputs VARCHAR,
            carriers BIGINT NOT NULL, coverage DOUBLE NOT NULL, as_of TIMESTAMP NOT NULL)
    """)
    if rows:
        con.register("_catalog_rows", pa.Table.from_pylist([dict(zip(CATALOG_COLUMNS, row)) for row in rows]))
        con.execute("INSERT INTO gene_catalog SELECT * FROM _catalog_rows")
        con.unregister("_catalog_rows")
