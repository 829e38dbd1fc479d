"""The genome's stored shape: how genes become rows in the store and come back as genes, and the swap.

Two writers change the genome: the build (`genome.genes.build`) and the model
fit (`genome.models.published`). Both assemble `customer_genes_next` and hand
it here, inside their own transaction, so readers see the old genome until the
new one is complete. Tables:
- `customer_genes`: one row per customer_id, one column per gene;
- `gene_catalog`: one row per gene, published or not, with its definition,
  carriers, coverage and, when left out, why;
- `model_gene_catalog`: one row per model gene, its definition, in fit order
  (`model_genes`, its values, is written by the fit); a later build joins them
  back in, so model genes survive a rebuild.
"""

import duckdb
import pandas as pd
import pyarrow as pa

from genome.genes.definition import Evidence, Gene
from genome.genes.publication import Publication
from store.duck import table_columns, table_exists

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
# a model gene's definition as `model_gene_catalog` holds it
MODEL_GENE_FIELDS = ("name", "label", "family", "description", "type", "unit", "source", "expression", "sensitivity",
                     "owner", "version")
CATALOG_COLUMNS = ("name", "label", "family", "family_description", "description", "type", "unit", "source",
                   "expression", "sensitivity", "owner", "version", "evidence_where", "evidence_noun", "inputs",
                   "carriers", "coverage", "as_of", "published", "hidden_reason", "aliases")
_GENE_COLUMNS = ("name", "label", "family", "description", "type", "unit", "source", "expression", "sensitivity",
                 "owner", "version", "inputs", "evidence_where", "evidence_noun")


def model_gene_rows(genes: list[Gene]) -> pd.DataFrame:
    """Model genes as `model_gene_catalog` rows, their order kept in `position`."""
    return pd.DataFrame([{f: getattr(g, f) for f in MODEL_GENE_FIELDS} | {"position": i}
                         for i, g in enumerate(genes)])


def stored_model_genes(con: duckdb.DuckDBPyConnection) -> list[Gene]:
    """The model genes of the last fit, or none when models were never fitted."""
    if not table_exists(con, "model_gene_catalog") or not table_exists(con, MODEL_GENES_TABLE):
        return []
    # a store whose models were fitted before labels were kept takes each label from the gene's name
    stored = set(table_columns(con, "model_gene_catalog"))
    fields = [f for f in MODEL_GENE_FIELDS if f in stored]
    rows = con.execute(f"SELECT {', '.join(fields)} FROM model_gene_catalog ORDER BY position").fetchall()
    return [Gene(**dict(zip(fields, row))) for row in rows]


def catalog_genes(con: duckdb.DuckDBPyConnection, columns: list[str]) -> list[Gene]:
    """The genes `gene_catalog` defines, for the given genome columns in their order (columns it does not
    define are skipped)."""
    rows = {r[0]: r for r in con.execute(f"SELECT {', '.join(_GENE_COLUMNS)} FROM gene_catalog").fetchall()}
    genes = []
    for column in columns:
        if column in rows:
            record = dict(zip(_GENE_COLUMNS, rows[column]))
            record["inputs"] = tuple(record["inputs"].split(",")) if record["inputs"] else ()
            where, noun = record.pop("evidence_where"), record.pop("evidence_noun")
            record["evidence"] = Evidence(where, noun) if where else None
            genes.append(Gene(**record))
    return genes


def write_catalog(con: duckdb.DuckDBPyConnection, genes: list[Gene], family_text: dict, published: Publication,
                  as_of) -> None:
    """Replace `gene_catalog` (one row per gene, published or not) inside the caller's transaction."""
    customers = published.customers
    rows = [
        (g.name, g.label, g.family, family_text.get(g.family, ""), g.description, g.type, g.unit, g.source,
         g.expression, g.sensitivity, g.owner, g.version, g.evidence.where if g.evidence else None,
         g.evidence.noun if g.evidence else None, ",".join(g.inputs) or None,
         int(n), (n / customers) if customers else 0.0, as_of, g.name not in published.hidden,
         published.reason(g.name), ",".join(published.aliases.get(g.name, [])) or None)
        for g, n in zip(genes, published.carriers)
    ]
    con.execute("""
        CREATE OR REPLACE TABLE gene_catalog (
            name VARCHAR NOT NULL, label VARCHAR NOT NULL, family VARCHAR NOT NULL, family_description VARCHAR,
            description VARCHAR NOT NULL, type VARCHAR NOT NULL, unit VARCHAR, source VARCHAR NOT NULL,
            expression VARCHAR NOT NULL, sensitivity VARCHAR, owner VARCHAR NOT NULL, version INTEGER NOT NULL,
            evidence_where VARCHAR, evidence_noun VARCHAR, inputs VARCHAR,
            carriers BIGINT NOT NULL, coverage DOUBLE NOT NULL, as_of TIMESTAMP NOT NULL,
            published BOOLEAN NOT NULL, hidden_reason VARCHAR, aliases VARCHAR)
    """)
    if rows:
        con.register("_catalog_rows", pa.Table.from_pylist([dict(zip(CATALOG_COLUMNS, row)) for row in rows]))
        con.execute("INSERT INTO gene_catalog SELECT * FROM _catalog_rows")
        con.unregister("_catalog_rows")


def swap_genome(con: duckdb.DuckDBPyConnection, genes: list[Gene], family_text: dict, published: Publication,
                as_of) -> None:
    """`customer_genes_next` becomes `customer_genes`, and `gene_catalog` describes it; inside the caller's
    transaction, which may change more of the store at the same moment."""
    con.execute("DROP TABLE IF EXISTS customer_genes")
    con.execute("ALTER TABLE customer_genes_next RENAME TO customer_genes")
    write_catalog(con, genes, family_text, published, as_of)
