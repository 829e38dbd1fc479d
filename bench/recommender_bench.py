"""Recommender benchmark: 50,000 products x 100,000 customers, target under 2 GB and 2 minutes on 2 cores.

- project: `NeighbourRecommender` fitted on every purchase (sparse co-purchase
  neighbours, 50 per product) and then ten recommendations for every customer;
- baseline: the one-line rule "the ten most bought products for everyone",
  one DuckDB query over the same purchases.

Each runs in its own process so its peak memory is its own. Purchases are
synthetic: product popularity follows a Zipf law, and each customer buys
around a few favourite categories of 100 products, 30 distinct products on
average, so neighbours have real structure to find.

    python bench/recommender_bench.py [--customers 100000] [--products 50000] [--seed 7]
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AS_OF = datetime(2026, 6, 30)


def purchases(customers: int, products: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    per_customer = rng.poisson(30, customers).clip(1, 300)
    rows = np.repeat(np.arange(customers), per_customer)
    categories = products // 100
    favourite = rng.integers(0, categories, (customers, 3))
    # three in four lines from a favourite category (Zipf within it), the rest from the whole range (Zipf)
    own = rng.random(rows.size) < 0.75
    category = favourite[rows, rng.integers(0, 3, rows.size)]
    within = np.minimum(rng.zipf(1.3, rows.size) - 1, 99)
    anywhere = np.minimum(rng.zipf(1.1, rows.size) - 1, products - 1)
    product = np.where(own, category * 100 + within, anywhere)
    frame = pd.DataFrame({"customer_id": rows, "product_id": product})
    frame = frame.groupby(["customer_id", "product_id"]).size().rename("lines").reset_index()
    days = rng.integers(0, 365, len(frame))
    frame["last_bought"] = pd.Timestamp(AS_OF) - pd.to_timedelta(days, unit="D")
    frame["customer_id"] = "C" + frame["customer_id"].astype(str)
    frame["product_id"] = "P" + frame["product_id"].astype(str)
    return frame


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def run_project(path: Path) -> dict:
    from genome.models.recommend import NeighbourRecommender

    bought = pd.read_parquet(path)
    before = _peak_gb()
    started = time.perf_counter()
    model = NeighbourRecommender().fit(bought)
    fitted = time.perf_counter()
    customers = pd.Index(pd.unique(bought["customer_id"]))
    top, _ = model.recommend(bought, customers, AS_OF)
    done = time.perf_counter()
    # repeat purchases and new products both appear in the lists
    owned = bought.groupby("customer_id")["product_id"].agg(set)
    sample = range(0, len(customers), max(len(customers) // 2000, 1))
    new_share = float(np.mean([np.mean([p not in owned[customers[i]] for p in top[i]]) for i in sample]))
    return {"fit_s": fitted - started, "recommend_s": done - fitted, "total_s": done - started,
            "peak_gb": _peak_gb(), "data_gb": before, "new_share": new_share,
            "neighbour_pairs": int(model.neighbours_.nnz)}


def run_baseline(path: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    top = con.execute(f"SELECT product_id FROM read_parquet('{path}') GROUP BY 1 "
                      "ORDER BY sum(lines) DESC, product_id LIMIT 10").fetchall()
    return {"total_s": time.perf_counter() - started, "peak_gb": _peak_gb(), "products": len(top)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--step", choices=("project", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_project(args.data) if args.step == "project" else run_baseline(args.data)))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "purchases.parquet"
        started = time.perf_counter()
        bought = purchases(args.customers, args.products, args.seed)
        bought.to_parquet(path)
        print(f"{len(bought):,} customer-product rows, {bought['customer_id'].nunique():,} customers, "
              f"{bought['product_id'].nunique():,} products (made in {time.perf_counter() - started:.1f} s)")
        del bought
        figures = {}
        for step in ("baseline", "project"):
            out = subprocess.run([sys.executable, __file__, "--step", step, "--data", str(path)],
                                 capture_output=True, text=True, check=True).stdout
            figures[step] = json.loads(out.strip().splitlines()[-1])
    p, b = figures["project"], figures["baseline"]
    print(f"project  neighbour recommender: fit {p['fit_s']:.1f} s + ten for every customer {p['recommend_s']:.1f} s "
          f"= {p['total_s']:.1f} s; peak memory {p['peak_gb']:.2f} GB ({p['data_gb']:.2f} GB before fitting: the "
          f"purchases in pandas and the libraries); {p['neighbour_pairs']:,} neighbour pairs; "
          f"{p['new_share']:.0%} of recommendations are products the customer has not bought")
    print(f"baseline ten most bought for everyone (one DuckDB query): {b['total_s']:.2f} s; peak memory "
          f"{b['peak_gb']:.2f} GB")
    dense = args.products ** 2 * 4 / 1024 ** 3
    print(f"a dense product x product matrix would need {dense:.1f} GB")
    print(f"target: under 2 GB and 120 s -> {'met' if p['peak_gb'] < 2 and p['total_s'] < 120 else 'NOT met'}")


if __name__ == "__main__":
    main()
