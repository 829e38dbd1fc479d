"""Ingestion benchmark: synthetic customers generated, then ingested two ways.

- project: `genome.ingest` (validation of every row, quarantine, de-duplication,
  identity resolution, one transaction);
- baseline: pandas reads the same Parquet files and appends them to a DuckDB
  table as they are (no validation, no de-duplication, no identities).

Both figures include a last checkpoint of the store, so work DuckDB defers is
counted where it is done.

Both run in this process on the same files; the figures are events per second.
With --repeat N both run N times, taking turns to go first, and the ratios are
summarised by their median: on a shared 2-core machine one run of either can
differ from the next by a tenth.

    python bench/ingest_bench.py [--customers 1000000] [--seed 7] [--keep DIR] [--reuse] [--repeat N]
"""

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

import synthetic
from genome.identity import resolve_identities
from genome.ingest import ingest_file, ingest_transaction
from genome.landing import read_ahead
from store.duck import connect


def _rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def project_ingest(files: list[tuple[str, Path]], db: Path) -> tuple[float, float, int, int]:
    """Each file in its own transaction, as a landing zone delivers them, the next one read ahead while one is
    stored (as `genome ingest` does); identities once at the end."""
    con = connect(db)
    started = time.perf_counter()
    accepted = quarantined = 0
    ahead = read_ahead([path for _source, path in files], phone_region="US")
    for n, ((source, path), landed) in enumerate(zip(files, ahead), start=1):
        with ingest_transaction(con):
            result = ingest_file(con, path, source=source, landed=landed)
        accepted += result.accepted
        quarantined += result.quarantined
        print(f"\r  project: {n}/{len(files)} files", end="", file=sys.stderr)
    landed = time.perf_counter()
    with ingest_transaction(con):
        resolve_identities(con)
    resolved = time.perf_counter()
    # The store checkpoints when the log passes its threshold or the writer closes: that cost is counted too,
    # in the validating figure as well.
    con.execute("CHECKPOINT")
    finished = time.perf_counter()
    print(file=sys.stderr)
    con.close()
    checkpoint = finished - resolved
    return landed - started + checkpoint, resolved - landed, accepted, quarantined


def baseline_ingest(files: list[tuple[str, Path]], db: Path) -> tuple[float, int]:
    con = duckdb.connect(str(db))
    started = time.perf_counter()
    rows = 0
    for n, (_source, path) in enumerate(files, start=1):
        frame = pd.read_parquet(path)
        if n == 1:
            con.execute("CREATE TABLE events AS SELECT * FROM frame")
        else:
            con.append("events", frame)
        rows += len(frame)
        print(f"\r  baseline: {n}/{len(files)} files", end="", file=sys.stderr)
    con.execute("CHECKPOINT")  # as the project's figure counts its own
    print(file=sys.stderr)
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed, rows


def _compare(files: list[tuple[str, Path]], work: Path, *, baseline_first: bool) -> tuple[float, float]:
    """One run of each on fresh stores; prints their figures and returns the ratios (validating, with identities)."""
    for stale in (work / "project.duckdb", work / "project.duckdb.wal", work / "baseline.duckdb",
                  work / "baseline.duckdb.wal"):
        stale.unlink(missing_ok=True)
    if baseline_first:
        baseline, baseline_rows = baseline_ingest(files, work / "baseline.duckdb")
    landing, resolving, accepted, quarantined = project_ingest(files, work / "project.duckdb")
    project_rss = _rss_gb()
    if not baseline_first:
        baseline, baseline_rows = baseline_ingest(files, work / "baseline.duckdb")
    rows = accepted + quarantined
    project_total = landing + resolving
    print(f"project ingest (validate)  {rows:>14,}   in {landing:7.1f} s "
          f"({rows / landing:,.0f} events/s)")
    print(f"project identity resolve  {'':>15}   in {resolving:7.1f} s")
    print(f"project total              {rows:>14,}   in {project_total:7.1f} s "
          f"({rows / project_total:,.0f} events/s; {quarantined:,} quarantined)")
    print(f"baseline pandas -> DuckDB  {baseline_rows:>14,}   in {baseline:7.1f} s "
          f"({baseline_rows / baseline:,.0f} events/s, no validation)")
    print(f"ratio project/baseline throughput (validate only) {baseline / landing:6.2f}x; "
          f"(with identities) {baseline / project_total:6.2f}x")
    print(f"peak memory of this process {project_rss:.1f} GB")
    return baseline / landing, baseline / project_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep the generated files and stores in this folder")
    parser.add_argument("--reuse", action="store_true", help="reuse the files already generated in --keep")
    parser.add_argument("--repeat", type=int, default=1, help="run both this many times, taking turns to go first")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="genome-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        if args.reuse and (work / "sources" / "events").is_dir():
            files = [(d.name, p) for d in sorted((work / "sources" / "events").iterdir())
                     for p in sorted(d.glob("*.parquet"))]
            generated_events = sum(pq.ParquetFile(p).metadata.num_rows for _s, p in files)
        else:
            manifest = synthetic.generate(
                work / "sources", customers=args.customers, seed=args.seed,
                progress=lambda done, total: print(f"\r  generating: {done:,}/{total:,} customers",
                                                   end="", file=sys.stderr),
            )
            files = [(source, path) for source, paths in manifest.event_files.items() for path in paths]
            generated_events = manifest.events
        generated = time.perf_counter() - started
        print(file=sys.stderr)
        print(f"customers generated        {args.customers:>14,}")
        if args.reuse:
            print(f"events generated           {generated_events:>14,}   (reused from an earlier run)")
        else:
            print(f"events generated           {generated_events:>14,}   in {generated:7.1f} s "
                  f"({generated_events / generated:,.0f} events/s)")
        ratios = []
        for turn in range(1, args.repeat + 1):
            if args.repeat > 1:
                print(f"run {turn} of {args.repeat}")
            ratios.append(_compare(files, work, baseline_first=turn % 2 == 0))
        if args.repeat > 1:
            validating, whole = zip(*ratios)
            print(f"ratio over {args.repeat} runs (validate only) median {statistics.median(validating):.2f}x, "
                  f"{min(validating):.2f}x to {max(validating):.2f}x; (with identities) median "
                  f"{statistics.median(whole):.2f}x, {min(whole):.2f}x to {max(whole):.2f}x")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
