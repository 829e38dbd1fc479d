"""Model outputs in the analytics store, and their genes inside the genome.

Tables (all replaced together in one transaction, so readers see either the
previous models or the new ones):
- `model_genes`: one row per customer_id, one column per model gene;
- `model_gene_catalog`: one row per model gene, its definition;
- `model_cards`: one row per model, its card as JSON;
- `customer_recommendations`: one row per customer_id and rank (1 to 10);
- `customer_life_events`: one row per customer, life event and occurrence.

The model genes are also written into `customer_genes` and `gene_catalog`, so
the catalog, the segment builder and exports use them like any other gene; a
later `genome build` keeps them by joining `model_genes` back in.
"""

import json
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from genome.errors import NotBuilt
from genome.genes.definition import Evidence, Gene, GeneDefinitionError
from store.duck import table_exists

MODEL_GENES_TABLE = "model_genes"
MODEL_FAMILIES = {
    "predictions": "What the customer is likely to do next: buy, lapse, wait for a discount, which channel, "
                   "when, which category. Model scores fitted out of time, with a labelled fallback.",
    "life_events": "Own life events announced in the customer's social posts, with their dates and recurrences.",
    "loyalty": "Loyalty tiers from trailing 12-month spend, overall and per category.",
    "taste": "Taste profiles found in the data: groups of categories customers buy together, how much of each "
             "customer's buying follows each, and who is a fan.",
    "recommendations": "Products the customer is most likely to want next.",
}
GENE_FIELDS = ("name", "family", "description", "type", "unit", "source", "expression", "sensitivity", "owner",
               "version")
EXTRA_TABLES = ("customer_recommendations", "customer_life_events")


def stored_model_genes(con: duckdb.DuckDBPyConnection) -> list[Gene]:
    """The model genes of the last fit, or none when models were never fitted."""
    if not table_exists(con, "model_gene_catalog") or not table_exists(con, MODEL_GENES_TABLE):
        return []
    rows = con.execute(f"SELECT {', '.join(GENE_FIELDS)} FROM model_gene_catalog ORDER BY position").fetchall()
    return [Gene(**dict(zip(GENE_FIELDS, row))) for row in rows]


def model_cards(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every model's card, in the order they were fitted; empty when models were never fitted."""
    if not table_exists(con, "model_cards"):
        return []
    return [json.loads(card) | {"fitted_at": fitted_at, "fit_seconds": seconds} for card, fitted_at, seconds in
            con.execute("SELECT card, fitted_at, fit_seconds FROM model_cards ORDER BY position").fetchall()]


def recommendations_for(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    """A customer's ranked recommendations with product names, or an empty frame."""
    if not table_exists(con, "customer_recommendations"):
        return pd.DataFrame(columns=["rank", "product_id", "name", "category", "fallback"])
    if not table_exists(con, "products"):  # no catalogue loaded: the category is known from purchases, the name is not
        return con.execute("""
            SELECT r.rank, r.product_id, NULL::VARCHAR AS name, c.category, r.fallback
            FROM customer_recommendations r
            LEFT JOIN (SELECT product_id, any_value(category) AS category FROM events
                       WHERE product_id IS NOT NULL GROUP BY 1) c USING (product_id)
            WHERE r.customer_id = ? ORDER BY r.rank
        """, [customer_id]).df()
    return con.execute("""
        SELECT r.rank, r.product_id, p.name, p.category, r.fallback
        FROM customer_recommendations r LEFT JOIN products p USING (product_id)
        WHERE r.customer_id = ? ORDER BY r.rank
    """, [customer_id]).df()


def publish(con: duckdb.DuckDBPyConnection, outputs: list, *, fitted_at: datetime, seconds: dict) -> None:
    """Write the models' outputs and merge their genes into the genome, all or nothing."""
    from genome.genes.build import write_catalog
    from genome.genes.publication import publication

    genes = [g for o in outputs for g in o.genes]
    names = [g.name for g in genes]
    if len(set(names)) != len(names):
        raise GeneDefinitionError(f"two models define the same gene: {sorted({n for n in names if names.count(n) > 1})}")
    values = pd.concat([o.values for o in outputs], axis=1)
    values.index.name = "customer_id"
    values = values.reset_index()
    catalog = pd.DataFrame([{f: getattr(g, f) for f in GENE_FIELDS} | {"position": i} for i, g in enumerate(genes)])
    cards = pd.DataFrame([{"position": i, "name": o.card["name"], "card": json.dumps(o.card, default=str),
                           "fitted_at": fitted_at, "fit_seconds": seconds.get(o.card["name"])}
                          for i, o in enumerate(outputs)])
    extras = {name: table for o in outputs for name, table in o.extra_tables.items()}
    previous = {g.name for g in stored_model_genes(con)}
    existing = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'customer_genes' "
        "ORDER BY ordinal_position").fetchall()]
    if not existing:
        raise NotBuilt("the genome has not been built yet: run `genome build` before fitting models")
    keep = [c for c in existing if c not in previous and c not in names]
    con.register("_model_values", pa.Table.from_pandas(values, preserve_index=False))
    con.register("_model_catalog", catalog)
    con.register("_model_cards", cards)
    for name, table in extras.items():
        con.register(f"_extra_{name}", table)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE OR REPLACE TABLE {MODEL_GENES_TABLE} AS "
                    "SELECT c.customer_id, v.* EXCLUDE (customer_id) FROM customers c "
                    "LEFT JOIN _model_values v USING (customer_id) ORDER BY c.customer_id")
        con.execute("CREATE OR REPLACE TABLE model_gene_catalog AS SELECT * FROM _model_catalog")
        con.execute("CREATE OR REPLACE TABLE model_cards AS SELECT * FROM _model_cards")
        for name in EXTRA_TABLES:
            if name in extras:
                con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _extra_{name}")
            else:  # its model was not fitted this time: last fit's rows must not pass for this one's
                con.execute(f"DROP TABLE IF EXISTS {name}")
        kept = ", ".join(f'g."{c}"' for c in keep)
        filled = ", ".join(f'coalesce(m."{g.name}", false) AS "{g.name}"' if g.type == "flag" else f'm."{g.name}"'
                           for g in genes)
        con.execute(f"CREATE OR REPLACE TABLE customer_genes_next AS SELECT {kept}, {filled} "
                    f"FROM customer_genes g LEFT JOIN {MODEL_GENES_TABLE} m USING (customer_id)")
        catalog_genes = _catalog_genes(con, keep) + genes
        published = publication(con, catalog_genes)
        families = dict(con.execute("SELECT DISTINCT family, family_description FROM gene_catalog").fetchall())
        as_of = con.execute("SELECT max(as_of) FROM gene_catalog").fetchone()[0]
        con.execute("DROP TABLE customer_genes")
        con.execute("ALTER TABLE customer_genes_next RENAME TO customer_genes")
        write_catalog(con, catalog_genes, families | MODEL_FAMILIES, published, as_of)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_model_values", "_model_catalog", "_model_cards", *(f"_extra_{n}" for n in extras)):
            con.unregister(name)


def _catalog_genes(con: duckdb.DuckDBPyConnection, columns: list[str]) -> list[Gene]:
    """The genome's own genes as stored in the catalog, in column order."""
    fields = ("name", "label", "family", "description", "type", "unit", "source", "expression", "sensitivity",
              "owner", "version", "inputs", "evidence_where", "evidence_noun")
    rows = {r[0]: r for r in con.execute(f"SELECT {', '.join(fields)} FROM gene_catalog").fetchall()}
    genes = []
    for column in columns:
        if column in rows:
            record = dict(zip(fields, rows[column]))
            record["inputs"] = tuple(record["inputs"].split(",")) if record["inputs"] else ()
            where, noun = record.pop("evidence_where"), record.pop("evidence_noun")
            record["evidence"] = Evidence(where, noun) if where else None
            genes.append(Gene(**record))
    return genes
