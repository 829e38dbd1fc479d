"""Compile the preview's loops once, at install, so the first marketer's first preview does not wait for it.

`genome.segments.kernels` is compiled the first time it runs (about fifteen
seconds on two cores) and kept on disk next to the code. `make run` and
`make test` run this module after installing: it previews a tiny genome held
in memory through the same calls the app makes, so every loop is compiled for
the very argument types the app passes.

    python -m genome.segments.warm
"""

import time
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from genome.segments.index import GenomeIndex
from genome.segments.preview import preview
from genome.segments.text import parse


def write_genome(con: duckdb.DuckDBPyConnection, genes: pa.Table, kinds: dict[str, str]) -> None:
    """A genome as the index reads it: `genes` as customer_genes and a published catalog row per gene in
    `kinds` (name -> flag, number or category)."""
    con.register("_genes", genes)
    con.execute("CREATE TABLE customer_genes AS SELECT * FROM _genes")
    con.unregister("_genes")
    con.execute("CREATE TABLE gene_catalog (name VARCHAR, type VARCHAR, label VARCHAR, published BOOLEAN, "
                "as_of TIMESTAMP, family VARCHAR, description VARCHAR, coverage DOUBLE)")
    con.executemany("INSERT INTO gene_catalog VALUES (?, ?, ?, true, ?, 'small', '', 1.0)",
                    [(name, kind, name, datetime(2026, 1, 1)) for name, kind in kinds.items()])


def warm() -> float:
    """Preview a 2,000-customer genome made here; returns the seconds it took."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    n = 2000
    con = duckdb.connect()
    write_genome(con, pa.table({
        "customer_id": [f"C{i:05d}" for i in range(n)], "x": rng.gamma(2.0, 40.0, n), "f": rng.random(n) < 0.5,
        "c": [f"v{i % 3}" for i in range(n)], "clv_12m": rng.gamma(1.5, 200.0, n)}),
        {"x": "number", "f": "flag", "c": "category", "clv_12m": "number"})
    con.execute("CREATE TABLE identifiers AS SELECT customer_id, 'email' AS kind FROM customer_genes")
    con.execute("CREATE TABLE consent_latest AS SELECT customer_id, 'marketing' AS purpose, f AS granted "
                "FROM customer_genes")
    index = GenomeIndex(con)
    for text in ("f AND x >= 50.5 AND c IN ('v1', 'v2')", "NOT f OR x BETWEEN 10 AND 20 OR x != 3"):
        mask = index.mask(parse(text))
        preview(index, mask)  # the figures summed while the mask was made
        preview(index, np.array(mask))  # and a mask made elsewhere, summed on its own
    con.close()
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"preview loops compiled and kept in {warm():.1f} s")
