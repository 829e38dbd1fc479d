"""Turning per-customer-per-value summaries into one wide row per customer.

Families that fan out over values found in the data (40 categories x 15
statistics = 600 columns) would cost an aggregate update per row per column
in SQL; placing each summary row into its cell costs one write. Rows are
placed block by block with numpy, so memory stays bounded at a million
customers, and the result is an ordinary DuckDB table the gene SQL reads.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from genome.genes.definition import case_filters, slug

BLOCK = 100_000


@dataclass(frozen=True)
class Pivot:
    """`stats_sql` yields one row per (cust, <column>) with the `stats` columns."""

    stats_sql: str
    column: str
    values: tuple[str, ...]
    stats: tuple[str, ...]
    totals: tuple[str, ...] = ()  # summed over values -> all_<stat>
    rank_by: str | None = None  # value with the highest stat -> top_<column>
    fractional: tuple[str, ...] = ()  # stats that are not counts (money, averages)

    def cell(self, value: str, stat: str) -> str:
        """The pivot column holding `stat` for `value`."""
        return f'"{slug(value)}__{stat}"'


def build_pivot(con, pivot: Pivot) -> pa.Table:
    """An Arrow table: cust plus one column per (value, stat).

    `cust` numbers customers 0..n-1 (temp table `_customer_index`), so a
    summary row's cell is found by position, without a join. The table stays
    in Arrow: DuckDB reads it in place when the genome is assembled, which
    spares writing hundreds of columns twice.
    """
    con.register("_pivot_values", pa.table({"value": pa.array(pivot.values, pa.string()),
                                            "vidx": np.arange(len(pivot.values), dtype=np.int64)}))
    stats = ", ".join(f"CAST(s.{name} AS DOUBLE) AS {name}" for name in pivot.stats)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _pivot_rows AS
        SELECT s.cust AS idx, v.vidx, {stats}
        FROM ({case_filters(pivot.stats_sql)}) s
        JOIN _pivot_values v ON v.value = s.{pivot.column}
        ORDER BY s.cust
    """)
    con.unregister("_pivot_values")
    n_customers = con.execute("SELECT count(*) FROM _customer_index").fetchone()[0]
    names = [f"{slug(v)}__{s}" for v in pivot.values for s in pivot.stats]
    blocks = [_block(con, pivot, start, min(start + BLOCK, n_customers), names)
              for start in range(0, max(n_customers, 1), BLOCK)]
    con.execute("DROP TABLE IF EXISTS _pivot_rows")
    return pa.concat_tables(blocks)


def _block(con, pivot: Pivot, start: int, stop: int, names: list[str]) -> pa.Table:
    rows = con.execute("SELECT * FROM _pivot_rows WHERE idx >= ? AND idx < ?", [start, stop]).fetchnumpy()
    n, k = stop - start, len(pivot.values)
    row, col = rows["idx"] - start, rows["vidx"]
    columns: dict[str, pa.Array] = {"cust": pa.array(np.arange(start, stop, dtype=np.int32))}
    cube = {}
    for stat in pivot.stats:
        grid = np.full((n, k), np.nan)
        values = rows[stat]
        grid[row, col] = values.astype(float).filled(np.nan) if np.ma.isMaskedArray(values) else values
        cube[stat] = grid
    for vi, value in enumerate(pivot.values):
        for stat in pivot.stats:
            values = cube[stat][:, vi]
            missing = np.isnan(values)
            if stat in pivot.fractional:
                columns[f"{slug(value)}__{stat}"] = pa.array(values, pa.float64(), mask=missing)
            else:
                columns[f"{slug(value)}__{stat}"] = pa.array(np.nan_to_num(values).astype(np.int32), mask=missing)
    for stat in pivot.totals:
        total = np.nansum(cube[stat], axis=1)
        columns[f"all_{stat}"] = pa.array(total if stat in pivot.fractional else total.astype(np.int64))
    if pivot.rank_by and k == 0:
        columns[f"top_{pivot.column}"] = pa.nulls(n, pa.string())
    elif pivot.rank_by:
        score = np.nan_to_num(cube[pivot.rank_by], nan=-np.inf)
        best = np.argmax(score, axis=1)
        known = np.isfinite(score[np.arange(n), best]) & (score[np.arange(n), best] > 0)
        labels = np.asarray(pivot.values, dtype=object)[best]
        columns[f"top_{pivot.column}"] = pa.array(labels, pa.string(), mask=~known)
    return pa.table(columns)
