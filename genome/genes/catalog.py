"""Reading the built gene catalog: search, filters, distributions and value lift.

What the catalog page and `genome genes` show; everything is read from the
tables the build wrote (`gene_catalog`, `customer_genes`).
"""

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from genome.errors import InputError, NotBuilt, UnknownGene
from genome.formatting import money, money_short
from store.duck import table_columns

CATALOG_COLUMNS = ("name", "label", "family", "description", "type", "unit", "sensitivity", "coverage", "carriers",
                   "source", "expression", "owner", "version", "inputs", "family_description", "as_of",
                   "published", "hidden_reason", "aliases")
# What a catalog written before a column existed reads as.
_DEFAULTS = {"label": "name", "published": "true", "hidden_reason": "NULL::VARCHAR", "aliases": "NULL::VARCHAR"}


def catalog_relation(con: duckdb.DuckDBPyConnection) -> str:
    """`gene_catalog` with every column the readers expect, whichever build wrote it."""
    present = set(table_columns(con, "gene_catalog"))
    missing = [f"{default} AS {name}" for name, default in _DEFAULTS.items() if name not in present]
    return f"(SELECT *{', ' if missing else ''}{', '.join(missing)} FROM gene_catalog)"


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
    hidden: bool = False,
) -> pd.DataFrame:
    """The published catalog (or, with `hidden`, the genes left out and why), filtered; every word of `search`
    must appear in the name, the label or the description."""
    if not genome_built(con):
        raise NotBuilt("the genome has not been built yet: run `genome build`")
    where, params = ["NOT published" if hidden else "published"], []
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
        f"SELECT {', '.join(CATALOG_COLUMNS)} FROM {catalog_relation(con)} WHERE {' AND '.join(where)} "
        f"ORDER BY {order_by}", params,
    ).df()


def families(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Published genes per family."""
    return con.execute(
        f"SELECT family, count(*) AS genes FROM {catalog_relation(con)} WHERE published GROUP BY family ORDER BY family"
    ).df()


def hidden_count(con: duckdb.DuckDBPyConnection) -> int:
    """Genes the build left out of the catalog."""
    return con.execute(f"SELECT count(*) FROM {catalog_relation(con)} WHERE NOT published").fetchone()[0]


def gene_definition(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    row = con.execute(f"SELECT {', '.join(CATALOG_COLUMNS)} FROM {catalog_relation(con)} WHERE name = ?",
                      [name]).fetchone()
    if row is None:
        raise UnknownGene(f"unknown gene {name!r}")
    return dict(zip(CATALOG_COLUMNS, row))


def _as_labels(con: duckdb.DuckDBPyConnection, values: pd.Series) -> pd.Series:
    """Values as people read them: a value that names a gene (`taste_top` names a taste profile) reads as that
    gene's label; any other stays as it is."""
    if values.empty:
        return values
    marks = ", ".join("?" for _ in values)
    named = dict(con.execute(f"SELECT name, label FROM gene_catalog WHERE name IN ({marks}) AND label IS NOT NULL",
                             [str(v) for v in values]).fetchall())
    return values.map(lambda value: named.get(value, value))


def gene_distribution(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """How customers spread over the gene's values: columns `label`, `low`, `high`, `customers`.

    Flags and categories: one bar per value (the 30 commonest). Numbers with
    few distinct values: one bar per value. Other numbers: when long-tailed
    (spend, counts) bins that grow 1, 2, 5, 10, 20, 50... with 0 on its own,
    so most customers are not squeezed into a first bin; otherwise even steps
    of a round size. Customers without a value are one bar, "(none)".
    """
    gene = gene_definition(con, name)
    column = f'"{gene["name"]}"'  # checked against the catalog above
    if gene["type"] != "number":
        bars = con.execute(
            f"SELECT coalesce(CAST({column} AS VARCHAR), '(none)') AS label, NULL::DOUBLE AS low, "
            f"NULL::DOUBLE AS high, count(*) AS customers FROM customer_genes GROUP BY 1 ORDER BY customers DESC, "
            f"label LIMIT 30"
        ).df()
        bars["label"] = _as_labels(con, bars["label"])
        return bars
    values = con.execute(f"SELECT CAST({column} AS DOUBLE) AS x FROM customer_genes").df()["x"] \
        .to_numpy(dtype=float, na_value=np.nan)
    missing = int(np.isnan(values).sum())
    known = values[~np.isnan(values)]
    rows = _number_bins(known, gene["unit"]) if len(known) else []
    if missing:
        rows.append(("(none)", None, None, missing))
    return pd.DataFrame(rows, columns=["label", "low", "high", "customers"])


def _number_bins(values: np.ndarray, unit: str | None) -> list[tuple]:
    distinct = np.unique(values)
    if len(distinct) <= 12:
        counts = [(v, int(np.count_nonzero(values == v))) for v in distinct]
        return [(format_amount(v, unit), float(v), float(v), n) for v, n in counts]
    low, high = float(distinct[0]), float(distinct[-1])
    positive = values[values > 0]
    # long-tailed: the largest value is far above the typical non-zero one (spend, counts, rates)
    skewed = low >= 0 and len(positive) > 0 and high > 20 * float(np.median(positive))
    edges = _log_edges(positive, high) if skewed else _linear_edges(low, high)
    rows = []
    if skewed and np.any(values == 0):
        rows.append((format_amount(0, unit), 0.0, 0.0, int(np.count_nonzero(values == 0))))
        values = values[values > 0]
    codes = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    counts = np.bincount(codes, minlength=len(edges) - 1)
    whole = bool(np.all(values == np.round(values)))  # counts: a bin [5, 10) reads 5–9
    for i, n in enumerate(counts):
        a, b = float(edges[i]), float(edges[i + 1])
        if whole:
            a, b = float(np.ceil(a)), float(np.ceil(b)) - 1
            label = format_amount(a, unit) if a >= b else f"{format_amount(a, unit)}–{format_amount(b, unit)}"
        elif skewed and i == 0:  # the first bin holds the few tiny values below the first round edge
            label = f"under {format_amount(edges[1], unit)}"
        else:
            label = f"{format_amount(a, unit)}–{format_amount(b, unit)}"
        if n or rows:  # no empty bins at the bottom
            rows.append((label, float(edges[i]), float(edges[i + 1]), int(n)))
    while rows and rows[-1][3] == 0:  # nor at the top
        rows.pop()
    return rows


def _nice(x: float) -> float:
    """The 1-2-5 step at or below x (x > 0)."""
    power = 10 ** np.floor(np.log10(x))
    return max(m * power for m in (1, 2, 5) if m * power <= x * (1 + 1e-9))


def _log_edges(positive: np.ndarray, high: float) -> np.ndarray:
    """Edges 1, 2, 5, 10, 20, 50... from a round value near the 1st percentile of the non-zero values, with one
    bin below it from the smallest value."""
    edges = [float(positive.min()), _nice(max(float(np.quantile(positive, 0.01)), float(positive.min())))]
    if edges[1] <= edges[0]:
        edges = edges[1:]
    while edges[-1] <= high:
        step = edges[-1]
        digit = round(step / 10 ** np.floor(np.log10(step)))
        edges.append(step * (2 if digit in (1, 5) else 2.5))  # 1, 2, 5, 10, 20, 50, ...
    return np.asarray(edges)


def _linear_edges(low: float, high: float, bins: int = 20) -> np.ndarray:
    """Even edges of a round size (1, 2 or 5 times a power of ten), at most about `bins` of them."""
    step = (high - low) / bins if high > low else 1.0
    step = min(m * 10 ** np.ceil(np.log10(step) - 1) for m in (1, 2, 5, 10) if m * 10 ** np.ceil(np.log10(step) - 1)
               >= step * (1 - 1e-9))
    start = np.floor(low / step) * step
    count = max(int(np.ceil((high - start) / step - 1e-9)), 1)
    return start + step * np.arange(count + 1)  # the highest value falls in the last bin, its edge included


def _percent(value: float) -> str:
    """A share as a percentage with the decimals it needs: bin edges of small shares (a churn risk of 0.05% and of
    0.1%) read as two different numbers, not both as 0.1%."""
    pct = float(value) * 100
    if abs(pct - round(pct)) < 1e-9:
        return f"{round(pct)}%"
    decimals = min(max(1, 2 - int(np.floor(np.log10(abs(pct))))), 4)  # three significant digits below 10%
    return f"{pct:.{decimals}f}".rstrip("0").rstrip(".") + "%"


def format_amount(value: float, unit: str | None) -> str:
    """A bin edge or value as people read it in the gene's unit."""
    if unit == "USD":
        return money_short(value)
    if unit in ("share", "probability"):
        return _percent(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}"


@dataclass(frozen=True)
class ValueComparison:
    """Mean expected 12-month value of groups of customers split by a gene, and what it means in one sentence."""

    groups: pd.DataFrame  # group, customers, mean_value
    sentence: str


def value_comparison(con: duckdb.DuckDBPyConnection, name: str) -> ValueComparison:
    """How the gene relates to expected 12-month value.

    Flags: carriers against non-carriers. Numbers: the top quarter of
    customers by the gene against the bottom quarter (customers with a value,
    ordered by value, ties by customer id). Categories: the ten commonest
    values. A ratio is given only when the lower group is worth at least $1
    on average: below that a ratio says nothing.
    """
    gene = gene_definition(con, name)
    column = f'"{gene["name"]}"'
    label = gene["label"]
    if gene["type"] == "flag":
        groups = con.execute(f"""
            SELECT CASE WHEN coalesce({column}, false) THEN 'carriers' ELSE 'non-carriers' END AS "group",
                   count(*) AS customers, avg(coalesce(clv_12m, 0)) AS mean_value
            FROM customer_genes GROUP BY 1 ORDER BY 1""").df()
        return ValueComparison(groups, _compare(groups, "carriers", "non-carriers", f"Customers with {label!r}",
                                                "those without"))
    if gene["type"] == "number":
        groups = con.execute(f"""
            WITH ranked AS (
                SELECT coalesce(clv_12m, 0) AS value, ntile(4) OVER (ORDER BY {column}, customer_id) AS quarter
                FROM customer_genes WHERE {column} IS NOT NULL)
            SELECT CASE quarter WHEN 4 THEN 'top quarter' ELSE 'bottom quarter' END AS "group",
                   count(*) AS customers, avg(value) AS mean_value
            FROM ranked WHERE quarter IN (1, 4) GROUP BY 1 ORDER BY 1 DESC""").df()
        return ValueComparison(groups, _compare(groups, "top quarter", "bottom quarter",
                                                f"The top quarter by {label!r}", "the bottom quarter"))
    groups = con.execute(f"""
        SELECT CAST({column} AS VARCHAR) AS "group", count(*) AS customers, avg(coalesce(clv_12m, 0)) AS mean_value
        FROM customer_genes WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY customers DESC, 1 LIMIT 10""").df()
    if groups.empty:
        return ValueComparison(groups, f"No customer has a value for {label!r} yet.")
    groups["group"] = _as_labels(con, groups["group"])
    best = groups.sort_values(["mean_value", "group"], ascending=[False, True]).iloc[0]
    return ValueComparison(groups, f"Among the commonest values of {label!r}, {best['group']!r} customers are worth "
                                   f"the most: {money(best['mean_value'])} on average.")


def _compare(groups: pd.DataFrame, high: str, low: str, who: str, against: str) -> str:
    means = dict(zip(groups["group"], groups["mean_value"]))
    if high not in means or low not in means:
        return f"{who}: not enough customers on both sides to compare."
    a, b = float(means[high]), float(means[low])
    text = (f"{who} are worth {money(a)} on average in the next 12 months, against {money(b)} for {against}")
    if b >= 1:
        return text + f" ({a / b:.1f}×)."
    return text + "."
