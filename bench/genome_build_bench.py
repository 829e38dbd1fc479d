"""Genome build benchmark: the full gene catalog over a store, beside pandas.

- project: `genome.genes.build.build_genome` computes every gene for every
  customer (DuckDB batch SQL) and swaps the result in;
- baseline: pandas group-bys compute the same genes for the two largest
  families (recency-frequency-monetary and the per-category family, about
  two thirds of the catalog) from the same events, loaded into memory first
  (loading is timed apart and not charged to the baseline).

Two ratios on the same families: computing the genes from prepared events
(the project's family steps against pandas' group-bys, preparation left out
on both sides), and end to end (the project's event preparation against
pandas' loading, which both join identifiers and read the JSON attributes,
added on each side). The full build time is checked against the 3-minute
target. Peak memory is measured per side
(the baseline runs in a child process).

    python bench/genome_build_bench.py --db STORE        # a store with events (e.g. from ingest_bench --keep)
    python bench/genome_build_bench.py --customers 1000000  # generate and ingest first
    python bench/genome_build_bench.py --db STORE --times 10 --keep DIR --no-baseline

`--times N` builds a store N times the size of STORE: its events, identifiers
and customers repeated N times, each copy under its own identifiers (a suffix
on every identifier, so each copy resolves to its own customers), made once in
`--keep DIR` and reused after. Ten million customers and 600 million events
are built this way from the ingest benchmark's million: generating and
ingesting them one by one would take hours on two cores, and the build's
memory and time depend on how many customers and events it reads, not on
whether their histories repeat. `--no-baseline` leaves out the pandas
group-bys, which cannot hold 600 million events in 24 GB.
"""

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from genome.genes.build import build_genome
from store.duck import connect

SAME_FAMILIES = ("recency_frequency_monetary", "category")


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def project(db: Path, partitions: int | None = None) -> dict:
    con = connect(db)
    steps: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(step: str, done: int, total: int) -> None:
        steps.append((step, time.perf_counter()))
        print(f"\r  project: {done}/{total} {step:<40}", end="", file=sys.stderr)

    report = build_genome(con, progress=progress, partitions=partitions)
    total = time.perf_counter() - started
    print(file=sys.stderr)
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    # time spent in each step = until the next step started, summed over partitions ("partition 2 of 4: ...")
    durations: dict[str, float] = {}
    for i, (name, at) in enumerate(steps[:-1]):
        step = name.split(": ", 1)[-1]
        durations[step] = durations.get(step, 0.0) + steps[i + 1][1] - at
    same = sum(v for k, v in durations.items() if k.removeprefix("family ") in SAME_FAMILIES)
    prep = durations.get("preparing events", 0.0)
    return {"seconds": total, "genes": report.genes, "customers": report.customers, "events": events,
            "same_families_seconds": same, "prep_seconds": prep, "peak_gb": _peak_gb(), "steps": durations,
            "partitions": report.partitions}


# What a build reads of a store, with the columns that hold an identifier or a customer id (suffixed per copy).
_TILED = {
    "events": ("event_id", "customer_ref", "loyalty_id", "email", "phone", "device_id", "anchor"),
    "identifiers": ("identifier", "value", "customer_id"),
    "customers": ("customer_id",),
}


def tiled_store(source: Path, times: int, folder: Path) -> Path:
    """A store holding `source`'s events, identifiers and customers `times` times (made once, then reused)."""
    target = folder / f"{source.stem}_x{times}.duckdb"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{source.stem}_x{times}.partial.duckdb"
    partial.unlink(missing_ok=True)
    con = connect(partial)  # the store's own schema
    con.execute("ATTACH ? AS src (READ_ONLY)", [str(source)])
    # a store that was only ingested into has no settings yet
    if con.execute("SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'src' "
                   "AND table_name = 'store_settings'").fetchone()[0]:
        con.execute("CREATE TABLE store_settings AS SELECT * FROM src.store_settings")
    for table, suffixed in _TILED.items():
        # the columns of this store's schema, by name: an older store may hold columns since dropped
        columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                             "WHERE table_catalog = current_database() AND table_name = ? "
                                             "ORDER BY ordinal_position", [table]).fetchall()]
        for copy in range(times):
            print(f"\r  tiling: {table} copy {copy + 1} of {times}", end="", file=sys.stderr)
            # copy 0 is the source as it is; the others add '~copy' to every identifier and customer id
            select = ", ".join(f"{c} || '~{copy}'" if copy and c in suffixed else c for c in columns)
            con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM src.{table}")  # schema names
    print(file=sys.stderr)
    con.execute("DETACH src")
    con.close()
    partial.rename(target)
    return target


def _pandas_genes(db: str, queue) -> None:
    con = connect(db, read_only=True)
    as_of = con.execute("SELECT max(occurred_at) FROM events").fetchone()[0]
    loading = time.perf_counter()
    ev = con.execute("""
        SELECT i.customer_id, e.event_type, e.category, e.amount, e.quantity, e.occurred_at, e.channel,
               coalesce(json_extract_string(e.attributes, '$.discount') = 'true', false) AS discount
        FROM events e JOIN identifiers i ON i.identifier = e.anchor
        WHERE e.event_type IN ('purchase', 'return', 'view', 'cart', 'search') 
    """).df()
    loaded = time.perf_counter() - loading
    con.close()
    started = time.perf_counter()
    ev["days_ago"] = (as_of - ev["occurred_at"]).dt.days
    ev["weekend"] = ev["occurred_at"].dt.dayofweek >= 5
    ev["unit_price"] = ev["amount"] / ev["quantity"].fillna(1).clip(lower=1)
    purchase = ev["event_type"] == "purchase"
    returned = ev["event_type"] == "return"
    p = ev[purchase]
    by = p.groupby("customer_id")
    day = p["occurred_at"].dt.normalize()
    rfm = pd.DataFrame({
        "purchases_total": by.size(),
        **{f"purchases_{d}d": p[p["days_ago"] <= d].groupby("customer_id").size() for d in (30, 90, 365)},
        "spend_total": by["amount"].sum(),
        **{f"spend_{d}d": p[p["days_ago"] <= d].groupby("customer_id")["amount"].sum() for d in (30, 90, 365)},
        "purchase_days": day.groupby(p["customer_id"]).nunique(),
        "days_since_last_purchase": by["days_ago"].min(),
        "days_since_first_purchase": by["days_ago"].max(),
        "avg_item_price": by["unit_price"].mean(),
        "max_item_price": by["unit_price"].max(),
        "returns_total": ev[returned].groupby("customer_id").size(),
        "returns_365d": ev[returned & (ev["days_ago"] <= 365)].groupby("customer_id").size(),
    }).fillna({"returns_total": 0, "returns_365d": 0})
    rfm["avg_order_value"] = rfm["spend_total"] / rfm["purchase_days"]
    rfm["return_rate"] = rfm["returns_total"] / rfm["purchases_total"]
    rfm["active_30d"] = rfm["purchases_30d"].fillna(0) > 0
    rfm["lapsed_90d"] = rfm["purchases_90d"].fillna(0) == 0
    rfm["one_time_buyer"] = rfm["purchase_days"] == 1
    rfm["repeat_buyer"] = rfm["purchase_days"] >= 2

    cat = ev[ev["category"].notna()]
    keys = [cat["customer_id"], cat["category"]]
    cp, cv = cat["event_type"] == "purchase", cat["event_type"] == "view"
    stats = pd.DataFrame({
        "purchases": cp.groupby(keys).sum(),
        **{f"purchases_{d}d": (cp & (cat["days_ago"] <= d)).groupby(keys).sum() for d in (30, 90, 365)},
        "spend_365d": cat["amount"].where(cp & (cat["days_ago"] <= 365)).groupby(keys).sum(),
        "days_since": cat["days_ago"].where(cp).groupby(keys).min(),
        "days_since_first": cat["days_ago"].where(cp).groupby(keys).max(),
        "views_90d": (cv & (cat["days_ago"] <= 90)).groupby(keys).sum(),
        "carts_90d": ((cat["event_type"] == "cart") & (cat["days_ago"] <= 90)).groupby(keys).sum(),
        "returns": (cat["event_type"] == "return").groupby(keys).sum(),
        "weekend_purchases": (cp & cat["weekend"]).groupby(keys).sum(),
        "discount_purchases": (cp & cat["discount"]).groupby(keys).sum(),
        "avg_price": cat["unit_price"].where(cp).groupby(keys).mean(),
        "store_purchases": (cp & (cat["channel"] == "store")).groupby(keys).sum(),
        "online_purchases": (cp & cat["channel"].isin(["web", "app"])).groupby(keys).sum(),
        "interest": cat["event_type"].isin(["view", "cart", "purchase", "search"]).groupby(keys).sum(),
    })
    wide = stats.unstack("category")
    purchases = wide["purchases"].fillna(0)
    genes = {"bought": purchases > 0, "affinity": purchases.div(purchases.sum(axis=1), axis=0),
             "weekend_share": wide["weekend_purchases"] / wide["purchases"],
             "discount_share": wide["discount_purchases"] / wide["purchases"],
             "browser": (wide["views_90d"].fillna(0) >= 3) & (wide["purchases_90d"].fillna(0) == 0)}
    n_columns = rfm.shape[1] + wide.shape[1] + sum(g.shape[1] for g in genes.values())
    seconds = time.perf_counter() - started
    queue.put({"seconds": seconds, "load_seconds": loaded, "rows": len(ev), "columns": int(n_columns),
               "customers": int(len(rfm)), "peak_gb": _peak_gb(),
               "checksum": float(np.nansum(rfm["purchases_total"].to_numpy()))})


def baseline(db: Path) -> dict:
    queue = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(target=_pandas_genes, args=(str(db), queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="store with events")
    parser.add_argument("--customers", type=int, default=1_000_000, help="generate this many when --db is absent")
    parser.add_argument("--partitions", type=int, help="customer partitions for the project's build (default: by "
                                                        "the number of events)")
    parser.add_argument("--times", type=int, default=1, help="build a store this many times --db's size")
    parser.add_argument("--keep", type=Path, help="folder for the larger store (made once, then reused)")
    parser.add_argument("--no-baseline", action="store_true", help="leave out the pandas group-bys")
    args = parser.parse_args()
    db = args.db
    if args.times > 1:
        if db is None or args.keep is None:
            parser.error("--times needs --db STORE and --keep DIR")
        started = time.perf_counter()
        db = tiled_store(db, args.times, args.keep)
        print(f"store {args.times} times the size ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if db is None:
        from synthetic.demo import build_demo

        db = Path(tempfile.mkdtemp(prefix="genome-build-bench-")) / "genome.duckdb"
        con = connect(db)
        build_demo(con, db.parent / "sources", customers=args.customers, seed=7)
        con.close()

    ours = project(db, args.partitions)
    print(f"store                         {ours['customers']:>12,} customers, {ours['events']:>12,} events")
    print(f"project full build            {ours['seconds']:8.1f} s  {ours['genes']:,} genes  "
          f"{ours['events'] / ours['seconds']:,.0f} events/s  peak {ours['peak_gb']:.1f} GB  "
          f"{ours['partitions']} partition{'s' if ours['partitions'] > 1 else ''}  "
          + (f"(target for a million customers < 180 s: {'met' if ours['seconds'] < 180 else 'NOT met'})"
             if ours["customers"] <= 1_100_000 else  # larger stores: bounded memory (peak_gb is in GiB)
             f"(target peak < 12 GB: {'met' if ours['peak_gb'] * 1024 ** 3 / 1e9 < 12 else 'NOT met'})"))
    if args.no_baseline:
        print(json.dumps({"project": ours}, default=str), file=sys.stderr)
        for step, seconds in ours["steps"].items():
            print(f"    {step:<40} {seconds:7.1f} s")
        return
    theirs = baseline(db)
    print(json.dumps({"project": ours, "baseline": theirs}, default=str), file=sys.stderr)
    print(f"project, same families        {ours['same_families_seconds']:8.1f} s  ({', '.join(SAME_FAMILIES)}; "
          f"+{ours['prep_seconds']:.1f} s preparing events)")
    print(f"baseline pandas group-bys     {theirs['seconds']:8.1f} s  {theirs['columns']:,} columns  "
          f"{theirs['rows'] / theirs['seconds']:,.0f} events/s  peak {theirs['peak_gb']:.1f} GB  "
          f"(+{theirs['load_seconds']:.1f} s loading)")
    for step, seconds in ours["steps"].items():
        print(f"    {step:<40} {seconds:7.1f} s")
    ratio = theirs["seconds"] / ours["same_families_seconds"]
    print(f"ratio baseline/project, same families from prepared events  {ratio:6.1f}x  "
          f"(target >= 10x: {'met' if ratio >= 10 else 'NOT met'})")
    whole = (theirs["seconds"] + theirs["load_seconds"]) / (ours["same_families_seconds"] + ours["prep_seconds"])
    print(f"ratio baseline/project, same families end to end        {whole:6.1f}x  "
          f"(target >= 10x: {'met' if whole >= 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
