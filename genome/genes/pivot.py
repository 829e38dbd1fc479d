"""Turning per-customer-per-value summaries into one wide row per customer.

Families that fan out over values found in the data (40 categories x 16
statistics = 640 columns) would cost an aggregate update per row per column
in SQL; placing each summary row into its cell costs one write. Each
statistic is scattered with numpy into a value-major grid (one contiguous
row of customers per value), so every output column is a slice of it, and
the result is an Arrow table DuckDB reads in place.

Each count column takes the narrowest integer type its values fit (most
per-category counts fit a byte), because at a million customers the cost is
the fresh memory the columns fill, not the arithmetic.
"""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from genome.genes.definition import case_filters, slug


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


def build_pivot(con, pivot: Pivot, *, first: int, count: int, narrow: bool = True) -> pa.Table:
    """An Arrow table: cust plus one column per (value, stat), for customers `first` .. `first + count - 1`.

    `cust` numbers customers 0..n-1 (temp table `_customer_index`), so a
    summary row's cell is found by position, without a join or a sort. A
    cell is NULL when the customer has no row for the value, or when the
    statistic itself is NULL (a minimum over no purchases). A partitioned
    build passes one partition's range, so the grids hold only its customers.
    """
    n = count
    k = len(pivot.values)
    con.register("_pivot_values", pa.table({"value": pa.array(pivot.values, pa.string()),
                                            "vidx": np.arange(k, dtype=np.int64)}))
    # Counts travel as 64-bit integers: a household with thousands of purchases in one place must not
    # overflow a ranking; each grid then takes the narrowest type its values fit.
    stats = ", ".join(f"s.{name}" if name in pivot.fractional else f"CAST(s.{name} AS BIGINT) AS {name}"
                      for name in pivot.stats)
    # Arrow out of DuckDB is several times faster than numpy out of it, and rows
    # sorted by cell make the scatters below sequential writes instead of random ones.
    rows = con.sql(f"""
        SELECT s.cust, v.vidx, {stats}
        FROM ({case_filters(pivot.stats_sql)}) s
        JOIN _pivot_values v ON v.value = s.{pivot.column}
        ORDER BY v.vidx, s.cust
    """).to_arrow_table()
    con.unregister("_pivot_values")
    cell = rows["vidx"].to_numpy().astype(np.int64) * n + (rows["cust"].to_numpy().astype(np.int64) - first)
    present = np.zeros(k * n, dtype=bool)
    present[cell] = True
    present_bits = _bitmaps(present.reshape(k, n))  # shared by every statistic without NULLs
    columns: dict[str, pa.Array] = {"cust": pa.array(np.arange(first, first + n, dtype=np.int64))}
    grids = {}
    for stat in pivot.stats:
        grid, valid = _scatter(rows[stat], cell, k * n, present, stat in pivot.fractional, narrow)
        grids[stat] = grid = grid.reshape(k, n)
        bits = present_bits if valid is present else _bitmaps(valid.reshape(k, n))
        arrow_type = pa.from_numpy_dtype(grid.dtype)
        for vi, value in enumerate(pivot.values):
            # zero-copy: each column is a contiguous row of the value-major grid
            columns[f"{slug(value)}__{stat}"] = pa.Array.from_buffers(
                arrow_type, n, [bits[vi], pa.py_buffer(grid[vi])], null_count=-1)
    for stat in pivot.totals:
        total = grids[stat].sum(axis=0) if stat in pivot.fractional else grids[stat].sum(axis=0, dtype=np.int64)
        columns[f"all_{stat}"] = pa.array(total)
    if pivot.rank_by:
        columns[f"top_{pivot.column}"] = _top(grids[pivot.rank_by], pivot.values, n)
    return pa.table(columns)


def _bitmaps(valid: np.ndarray) -> list[pa.Buffer]:
    """Arrow validity bitmaps, one per value row."""
    return [pa.py_buffer(np.packbits(row, bitorder="little")) for row in valid]


def _scatter(values: pa.ChunkedArray, cell: np.ndarray, size: int, present: np.ndarray, fractional: bool,
             narrow: bool = True):
    """A flat grid holding `values` at `cell` (0 elsewhere), and where it is valid (present and not NULL)."""
    missing = values.is_null().to_numpy(zero_copy_only=False) if values.null_count else None
    data = values.fill_null(0).to_numpy()
    grid = np.zeros(size, dtype=np.float64 if fractional else _narrowest(data) if narrow else np.int64)
    grid[cell] = data
    if missing is None:
        return grid, present
    valid = present.copy()
    valid[cell[missing]] = False
    return grid, valid


def _narrowest(data: np.ndarray) -> np.dtype:
    """The smallest integer type holding every value: fresh memory is what a wide pivot costs most."""
    low, high = (int(data.min()), int(data.max())) if len(data) else (0, 0)
    for dtype in (np.uint8, np.int16, np.int32):
        if np.iinfo(dtype).min <= low and high <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def _top(score: np.ndarray, values: tuple[str, ...], n: int) -> pa.Array:
    """The value with the highest positive score per customer (first on ties), else NULL."""
    if not values:
        return pa.nulls(n, pa.string())
    best = np.argmax(score, axis=0)
    top = score[best, np.arange(n)]
    known = top > 0  # NaN compares false
    labels = np.asarray(values, dtype=object)[best]
    return pa.array(labels, pa.string(), mask=~known)


def pivot_sql(pivot: Pivot, *, customers: str, values: str = "_pivot_values") -> str:
    """The table `build_pivot` makes, as SQL for an engine that has no Python beside its data (Spark).

    One row per customer of `customers` (`cust`); `values` holds the pivot's values with their position
    (`value`, `vidx`). Cells are NULL where `build_pivot` leaves them NULL, totals count only the pivot's values
    (0 when none), and the top value is the first in `values` order among the highest positive `rank_by`,
    which is a count.
    """
    k = len(pivot.values)
    stat_cells = ", ".join(
        f"max(CASE WHEN v.vidx = {i} THEN {_stat(pivot, stat)} END) AS {pivot.cell(value, stat)}"
        for stat in pivot.stats for i, value in enumerate(pivot.values))
    totals = [f"sum(coalesce({_stat(pivot, stat)}, 0)) AS all_{stat}" for stat in pivot.totals]
    outer = [f"coalesce(p.all_{stat}, 0) AS all_{stat}" for stat in pivot.totals]
    if pivot.rank_by:
        # one integer key orders by the statistic, then by the earlier value on a tie
        totals.append(f"arg_max(v.value, CAST(s.{pivot.rank_by} AS BIGINT) * {k} + ({k - 1} - v.vidx)) "
                      f"FILTER (WHERE s.{pivot.rank_by} > 0) AS top_{pivot.column}")
        outer.append(f"p.top_{pivot.column}")
    inner = ", ".join(filter(None, [stat_cells, *totals]))
    cells = ", ".join(f"p.{pivot.cell(value, stat)}" for stat in pivot.stats for value in pivot.values)
    return (f"SELECT {', '.join(filter(None, ['c.cust', cells, *outer]))} FROM {customers} c LEFT JOIN ("
            f"SELECT s.cust{', ' + inner if inner else ''} FROM ({case_filters(pivot.stats_sql)}) s "
            f"JOIN {values} v ON v.value = s.{pivot.column} GROUP BY s.cust) p USING (cust)")


def _stat(pivot: Pivot, stat: str) -> str:
    return f"s.{stat}" if stat in pivot.fractional else f"CAST(s.{stat} AS BIGINT)"
