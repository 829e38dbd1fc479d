"""Reading the built gene catalog: search, filters, distributions and value lift.

What the catalog page and `genome genes` show; everything is read from the
tables the build wrote (`gene_catalog`, `customer_genes`).
"""

import duckdb
import pandas as pd

from genome.errors import InputError, NotBuilt, UnknownGene

CATALOG_COLUMNS = ("name", "label", "family", "description", "type", "unit", "sensitivity", "coverage", "carriers",
                   "source", "expression", "owner", "version", "inputs", "family_description", "as_of")


def genome_built(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('gene_catalog', 'customer_genes')"
    ).fetchone()[0] == 2)


def gene_catalog(
    con: duckdb.DuckDBPyConnection,
    *,
    search: str | None = None,
    family: str | None = None,
    types: list[str] | None = None,
    sensitive: bool | None = None,
    order: str = "coverage",
) -> pd.DataFrame:
    """The catalog, filtered; every word of `search` must appear in the name or description."""
    if not genome_built(con):
        raise NotBuilt("the genome has not been built yet: run `genome build`")
    where, params = ["true"], []
    for word in (search or "").lower().split():
        # every word must appear in the name, the label or the description
        where.append("(contains(lower(name), ?) OR contains(lower(label), ?) OR contains(lower(description), ?))")
        params += [word, word, word]
    if family:
        where.append("family = ?")
        params.append(family)
    if types:
        where.append("list_contains(?, type)")
        params.append(list(types))
    if sensitive is True:
        where.append("sensitivity IS NOT NULL")
    elif sensitive is False:
        where.append("sensitivity IS NULL")
    order_by = {"coverage": "coverage DESC, name", "name": "name"}.get(order)
    if order_by is None:
        raise InputError(f"order {order!r}: use 'coverage' or 'name'")
    return con.execute(
        f"SELECT {', '.join(CATALOG_COLUMNS)} FROM gene_catalog WHERE {' AND '.join(where)} ORDER BY {order_by}",
        params,
    ).df()


def families(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        "SELECT family, count(*) AS genes FROM gene_catalog GROUP BY family ORDER BY family"
    ).df()


def gene_definition(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    row = con.execute(f"SELECT {', '.join(CATALOG_COLUMNS)} FROM gene_catalog WHERE name = ?", [name]).fetchone()
    if row is None:
        raise UnknownGene(f"unknown gene {name!r}")
    return dict(zip(CATALOG_COLUMNS, row))


def gene_distribution(con: duckdb.DuckDBPyConnection, name: str, bins: int = 30) -> pd.DataFrame:
    """Counts per value (flags, categories) or per bin (numbers); column `label`, `customers`."""
    gene = gene_definition(con, name)
    column = f'"{gene["name"]}"'  # checked against the catalog above
    if gene["type"] != "number":
        return con.execute(
            f"SELECT coalesce(CAST({column} AS VARCHAR), '(none)') AS label, count(*) AS customers "
            f"FROM customer_genes GROUP BY 1 ORDER BY customers DESC LIMIT 30"
        ).df()
    return con.execute(f"""
        WITH v AS (SELECT CAST({column} AS DOUBLE) AS x FROM customer_genes WHERE {column} IS NOT NULL),
        r AS (SELECT min(x) AS lo, max(x) AS hi FROM v)
        SELECT lo + (hi - lo) / $bins * b AS low, lo + (hi - lo) / $bins * (b + 1) AS high, count(*) AS customers
        FROM (SELECT least(CAST(floor((x - lo) / nullif(hi - lo, 0) * $bins) AS INTEGER), $bins - 1) AS b, lo, hi
              FROM v, r)
        GROUP BY b, lo, hi ORDER BY b
    """, {"bins": bins}).df().fillna({"low": 0, "high": 0}).assign(
        label=lambda d: [f"{lo:,.4g}–{hi:,.4g}" for lo, hi in zip(d["low"], d["high"])])


def value_lift(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """Average expected 12-month value of carriers against everyone else."""
    gene = gene_definition(con, name)
    column = f'"{gene["name"]}"'
    carrier = {"flag": f"coalesce({column}, false)",
               "number": f"coalesce({column}, 0) <> 0",
               "category": f"{column} IS NOT NULL"}[gene["type"]]
    return con.execute(f"""
        SELECT CASE WHEN {carrier} THEN 'carriers' ELSE 'non-carriers' END AS "group",
               count(*) AS customers, avg(clv_12m) AS mean_clv_12m, avg(historical_value) AS mean_historical_value
        FROM customer_genes GROUP BY 1 ORDER BY 1
    """).df()
