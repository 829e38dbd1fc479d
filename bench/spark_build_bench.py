"""Spark build benchmark: the genome built on Spark beside the DuckDB build of the same store, in one run.

- project: `genome build --engine spark` (`genome.genes.engine_build.build_genome_on`): the store's inputs
  go out as Parquet, every gene is computed on Spark, the genome comes back into the store;
- baseline: the DuckDB build of the same store (`genome.genes.build.build_genome`), on a copy.

Both genomes are then compared gene for gene (integers, flags and categories exactly, numbers within 1e-9
relative). On one machine Spark pays for its generality (a JVM, a shuffle per family); what it buys is a
cluster: `--spark-master spark://host:7077` with `--workdir` on storage every worker reaches.

    python bench/spark_build_bench.py --customers 20000          # generate the demo store first
    python bench/spark_build_bench.py --db STORE [--spark-master URL --workdir DIR]
"""

import argparse
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

from genome.genes.build import build_genome
from genome.genes.engine_build import build_genome_on
from store.duck import connect
from store.spark import SparkEngine, spark_session


def _progress(label: str):
    def say(step: str, done: int, total: int) -> None:
        print(f"\r  {label}: {done}/{total} {step:<48}", end="", file=sys.stderr)
    return say


def _rows(db: Path) -> tuple[list[str], list[tuple]]:
    con = connect(db, read_only=True)
    columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_name = 'customer_genes' ORDER BY ordinal_position").fetchall()]
    rows = con.execute("SELECT * FROM customer_genes ORDER BY customer_id").fetchall()
    con.close()
    return columns, rows


def _differing(duck: Path, spark: Path) -> dict[str, int]:
    (columns, rows), (spark_columns, spark_rows) = _rows(duck), _rows(spark)
    if columns != spark_columns or len(rows) != len(spark_rows):
        return {"<shape>": 1}
    differing: dict[str, int] = {}
    for a_row, b_row in zip(rows, spark_rows):
        for name, a, b in zip(columns, a_row, b_row):
            same = a == b or (isinstance(a, float) and isinstance(b, float) and math.isclose(a, b, rel_tol=1e-9))
            if not same:
                differing[name] = differing.get(name, 0) + 1
    return differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="store with events (copied; the original is not changed)")
    parser.add_argument("--customers", type=int, default=20_000, help="generate this many when --db is absent")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--workdir", type=Path, help="Parquet exchanged with Spark (default: a temporary folder)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="genome-spark-bench-"))
    duck_db, spark_db = folder / "duckdb.duckdb", folder / "spark.duckdb"
    if args.db is None:
        from synthetic.demo import build_demo

        con = connect(duck_db)
        build_demo(con, folder / "sources", customers=args.customers, seed=7)
        con.close()
    else:
        shutil.copy(args.db, duck_db)
    shutil.copy(duck_db, spark_db)

    con = connect(duck_db)
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    started = time.perf_counter()
    report = build_genome(con, progress=_progress("duckdb"))
    duck_seconds = time.perf_counter() - started
    con.close()
    print(file=sys.stderr)

    started = time.perf_counter()
    engine = SparkEngine(spark_session(args.spark_master))
    session_seconds = time.perf_counter() - started
    con = connect(spark_db)
    started = time.perf_counter()
    build_genome_on(engine, con, progress=_progress("spark"), workdir=args.workdir)
    spark_seconds = time.perf_counter() - started
    con.close()
    print(file=sys.stderr)
    differing = _differing(duck_db, spark_db)
    print(f"store                     {report.customers:>10,} customers  {events:>12,} events  "
          f"{report.genes:,} genes")
    print(f"project  Spark {args.spark_master:<10} {spark_seconds:8.1f} s  (+{session_seconds:.1f} s starting Spark)")
    print(f"baseline DuckDB build     {duck_seconds:8.1f} s")
    print(f"ratio Spark/DuckDB        {spark_seconds / duck_seconds:8.1f}x")
    print(f"genes differing           {sum(differing.values()):>8,} values in {len(differing)} genes"
          + (f": {', '.join(sorted(differing)[:10])}" if differing else " (every gene of every customer equal)"))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
