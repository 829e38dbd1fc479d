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
from genome.genes.definition import GeneDefinitionError
from genome.genes.publication import publication
from genome.genes.stored import (
    MODEL_FAMILIES,
    MODEL_GENES_TABLE,
    catalog_genes,
    model_gene_rows,
    stored_model_genes,
    swap_genome,
)
from store.duck import table_columns, table_exists

EXTRA_TABLES = ("customer_recommendations", "customer_life_events")


def model_cards(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every model's card, in the order they were fitted; empty when models were never fitted."""
    if not table_exists(con, "model_cards"):
        return []
    return [json.loads(card) | {"fitted_at": fitted_at, "fit_seconds": seconds} for card, fitted_at, seconds in
            con.execute("SELECT card, fitted_at, fit_seconds FROM model_cards ORDER BY position").fetchall()]


def recommendations_for(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    """A customer's ranked recommendations with product names, or an empty frame."""
    if not table_exists(con, "customer_recommendations"):
        return pd.DataFrame(columns=["rank", "product_id", "name", "category", "brand", "fallback"])
    if not table_exists(con, "products"):  # no catalogue loaded: the category is known from purchases, the name is not
        return con.execute("""
            SELECT r.rank, r.product_id, NULL::VARCHAR AS name, c.category, NULL::VARCHAR AS brand, r.fallback
            FROM customer_recommendations r
            LEFT JOIN (SELECT product_id, any_value(category) AS category FROM events
                       WHERE product_id IS NOT NULL GROUP BY 1) c USING (product_id)
            WHERE r.customer_id = ? ORDER BY r.rank
        """, [customer_id]).df()
    # a catalogue imported by `genome import products` has brands; one written by other means may not
    brand = "p.brand" if "brand" in table_columns(con, "products") else "NULL::VARCHAR"
    return con.execute(f"""
        SELECT r.rank, r.product_id, p.name, p.category, {brand} AS brand, r.fallback
        FROM customer_recommendations r LEFT JOIN products p USING (product_id)
        WHERE r.customer_id = ? ORDER BY r.rank
    """, [customer_id]).df()


def publish(con: duckdb.DuckDBPyConnection, outputs: list, *, fitted_at: datetime, seconds: dict) -> None:
    """Write the models' outputs and merge their genes into the genome, all or nothing."""
    genes = [g for o in outputs for g in o.genes]
    names = [g.name for g in genes]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise GeneDefinitionError(f"two models define the same gene: {twice}")
    values = pd.concat([o.values for o in outputs], axis=1)
    values.index.name = "customer_id"
    values = values.reset_index()
    catalog = model_gene_rows(genes)
    cards = pd.DataFrame([{"position": i, "name": o.card["name"], "card": json.dumps(o.card, default=str),
                           "fitted_at": fitted_at, "fit_seconds": seconds.get(o.card["name"])}
                          for i, o in enumerate(outputs)])
    extras = {name: table for o in outputs for name, table in o.extra_tables.items()}
    previous = {g.name for g in stored_model_genes(con)}
    existing = table_columns(con, "customer_genes")
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
        every = catalog_genes(con, keep) + genes
        published = publication(con, every)
        families = dict(con.execute("SELECT DISTINCT family, family_description FROM gene_catalog").fetchall())
        as_of = con.execute("SELECT max(as_of) FROM gene_catalog").fetchone()[0]
        swap_genome(con, every, families | MODEL_FAMILIES, published, as_of)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        for name in ("_model_values", "_model_catalog", "_model_cards", *(f"_extra_{n}" for n in extras)):
            con.unregister(name)
