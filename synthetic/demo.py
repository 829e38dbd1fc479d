"""The demo data set: synthetic customers generated, ingested and resolved.

The synthetic latent truth is loaded into truth_* tables for tests and
benchmarks to score what the product infers; product code never reads them.
"""

from pathlib import Path

import duckdb

import synthetic
from genome.identity import resolve_identities
from genome.ingest import IngestReport, IngestResult, ingest_file, ingest_transaction
from genome.landing import read_ahead
from genome.progress import Progress
from synthetic.campaigns import simulate_campaigns

TRUTH_TABLES = ("truth_customers", "truth_life_events", "truth_posts", "truth_corrupt_rows")
# past campaigns with a control group: the reports have something to show, the uplift model to learn from
CAMPAIGNS = 24
MAX_EFFECT = 0.15  # the most a demo campaign raises the chance of an extra purchase: some effects large enough to see
REFERENCE_TABLES = ("products", "stores")


def build_demo(
    con: duckdb.DuckDBPyConnection,
    sources_dir: Path,
    *,
    customers: int,
    seed: int,
    progress: Progress | None = None,
) -> IngestReport:
    """Generate `customers` synthetic customers into `sources_dir` and ingest them into `con`; `progress(step,
    done, total)` hears of the customers generated, then of the files ingested."""
    say = progress or (lambda step, done, total: None)
    manifest = synthetic.generate(sources_dir, customers=customers, seed=seed,
                              progress=lambda done, total: say("generating customers", done, total))
    files = [(source, path) for source, paths in manifest.event_files.items() for path in paths]
    results: list[IngestResult] = []
    # one transaction per file, as a landing zone delivers them: a transaction holds its changes in memory, and
    # the whole of a million customers' events in one ran out of memory on a 24 GB machine. Nobody reads the
    # store while the demo is built (it is swapped in at the end), so the steps need not be one transaction.
    # each file is landed while the one before it is stored
    ahead = read_ahead([path for _source, path in files], phone_region="US")
    for (source, path), landed in zip(files, ahead):
        with ingest_transaction(con):
            results.append(ingest_file(con, path, source=source, landed=landed))
        say("ingesting files", len(results), len(files) + 1)  # and the past campaigns' events
    with ingest_transaction(con):
        identity = resolve_identities(con)
    # past e-mail campaigns over the resolved customers: their events are one more source, their plans a calendar
    # (`campaigns.csv`, recorded by `genome demo`), their true effects a truth table
    past = simulate_campaigns(con, sources_dir, campaigns=CAMPAIGNS, seed=seed,
                              sizes=(max(50, customers // 20), max(100, customers // 6)), max_effect=MAX_EFFECT)
    with ingest_transaction(con):
        results.append(ingest_file(con, past.events, source="campaigns"))
    say("ingesting files", len(results), len(files) + 1)
    with ingest_transaction(con):
        identity = resolve_identities(con)
    con.execute("CREATE OR REPLACE TABLE truth_campaigns AS SELECT * FROM read_parquet(?)", [str(past.truth)])
    for name in TRUTH_TABLES:
        path = manifest.truth_files[name]
        # table names are constants above; the path is bound as a parameter
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet(?)", [str(path)])
    # the product catalogue and store list are reference data product code reads (names on recommendations)
    for name in REFERENCE_TABLES:
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet(?)",
                    [str(manifest.reference_files[name])])
    return IngestReport(files=results, identity=identity)
