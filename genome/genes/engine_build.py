"""The genome built on an engine beside the store (Apache Spark), written back into the store the app reads.

The store compiles the catalog (which genes its data supports) and numbers
the customers; the events, identifiers, customers and any model genes and
customer attributes go out as Parquet; every gene is computed on the engine
from the same SQL a DuckDB build runs (`genome.genes.build`), translated where
needed by the engine; the genome comes back as Parquet and is swapped in as a
DuckDB build's would be, so segments, previews and the app work unchanged.

Fan-out families are pivoted in SQL on the engine (`pivot_sql`), since a
cluster has no single Python process beside all its data.
"""

import tempfile
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from genome.errors import InputError
from genome.genes.build import INDEX_SQL, BuildReport, family_sql, finish_build, plan_build, price_bands_sql, wide_sql
from genome.genes.lifetime import lifetime_values
from genome.genes.pivot import pivot_sql
from genome.progress import Progress
from store.duck import table_exists
from store.engine import ExternalEngine, hand_over

# The columns of `events` a build reads, in the shape the event view expects.
EVENT_COLUMNS = ("anchor", "event_type", "channel", "category", "amount", "quantity", "store_id", "city",
                 "occurred_at", "attributes")


def build_genome_on(engine: ExternalEngine, con: duckdb.DuckDBPyConnection, *, as_of: datetime | None = None,
                    local_zone: str | None = None, progress: Progress | None = None,
                    workdir: Path | None = None) -> BuildReport:
    """Rebuild `customer_genes` and `gene_catalog` of the store `con`, every gene computed on `engine`.

    `workdir` holds the Parquet exchanged with the engine (default: a temporary folder, removed afterwards);
    a cluster needs a folder its workers can read, such as a shared mount.
    """
    say = progress or (lambda step, done, total: None)
    if workdir is not None and not Path(workdir).is_dir():
        raise InputError(f"the work folder {workdir} does not exist: create it, on storage every Spark worker "
                         "can reach")
    plan = plan_build(con, as_of=as_of, local_zone=local_zone)
    families = plan.found.families
    steps = len(families) + 7
    say("exporting events", 0, steps)
    con.execute(INDEX_SQL)
    # the price band limits, like the vocabulary, are reference values read from the store before the build
    con.execute(f"CREATE OR REPLACE TEMP TABLE _price_bands AS "
                f"{price_bands_sql(plan.found.vocabulary.merged, plan.events)}")
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        folder = Path(folder)
        inputs = {"events": f"SELECT {', '.join(EVENT_COLUMNS)} FROM {plan.events}",
                  "_customer_index": "SELECT * FROM _customer_index",
                  "_identifier_index": "SELECT * FROM _identifier_index",
                  "_price_bands": "SELECT * FROM _price_bands"}
        if plan.models:
            inputs["model_genes"] = "SELECT * FROM model_genes"
        if table_exists(con, "customer_attributes"):
            inputs["customer_attributes"] = "SELECT * FROM customer_attributes"
        hand_over(con, engine, inputs, folder)
        say("preparing events", 1, steps)
        # the exported events already carry their product's category, so the engine reads them as they are
        engine.table("_ev", plan.event_view(events="events"), {"as_of": plan.as_of})
        say("lifetime value", 2, steps)
        lifetime = lifetime_values(engine, plan.as_of)
        for i, family in enumerate(families):
            say(f"family {family.name}", 3 + i, steps)
            if family.pivot is None:
                engine.table(f"_family_{i}", family_sql(family))
                continue
            values = family.pivot.values
            engine.register("_pivot_values", pa.table({"value": pa.array(values, pa.string()),
                                                       "vidx": np.arange(len(values), dtype=np.int64)}))
            engine.table(f"_pivot_{i}", pivot_sql(family.pivot, customers="_customer_index"))
            engine.table(f"_family_{i}", family_sql(family, f"_pivot_{i}"))
            engine.drop(f"_pivot_{i}")
        say("assembling the genome", steps - 4, steps)
        engine.write_parquet(wide_sql(families, plan.derived, plan.models), folder / "genome")
        for name in [*inputs, "_ev", "_lifetime", "_pivot_values",
                     *(f"_family_{i}" for i in range(len(families)))]:
            engine.drop(name)
        say("reading the genome back", steps - 3, steps)
        con.execute("CREATE OR REPLACE TABLE customer_genes_next AS SELECT * FROM "
                    f"read_parquet('{folder / 'genome'}/*.parquet') ORDER BY customer_id")
    return finish_build(con, plan, lifetime=lifetime, say=say, steps=steps)
