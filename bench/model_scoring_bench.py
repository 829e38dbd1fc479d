"""Model scoring benchmark: purchase propensity, churn risk and discount sensitivity for every customer.

Scoring is features as of the store's latest event, then each model's
probabilities and percentiles. Two ways in the same run, on the same store,
with the same three fitted models:
- project: `genome.models.features` (one DuckDB aggregate over events joined
  to identifiers) and the models' `predict_proba`;
- pandas: the events loaded into a DataFrame (customer, type, channel,
  amount, day, part of day, discount, coupon), the same features computed
  with pandas group-bys, and the same `predict_proba`.

The two feature tables must agree before any figure is printed. The models
are fitted first (not timed as scoring) on a sample of customers as of the
training cut-off, as `genome models fit` would.

    python bench/model_scoring_bench.py --db STORE [--fit-sample 100000]
"""

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from genome.models import churn, discount, propensity
from genome.models.evaluation import percentile
from genome.models.features import (DAY_PARTS, EVENT_COUNTS, EVENT_ROWS_SQL, ONLINE, PURCHASE_CHANNELS, customer_features,
                                    outcomes, scoring_cutoff, store_as_of)
from genome.models.tasks import Windows, has_purchased
from store.duck import connect

TASKS = (propensity.TASK, churn.TASK, discount.TASK)
ONLINE_TYPES = [t.strip(" '") for t in ONLINE.strip("()").split(",")]

# the rows the features read, as plain columns for pandas
# (`days_ago` counts calendar-day boundaries, so one value per calendar day: distinct days_ago = distinct days)
EVENTS_SQL = f"""
SELECT customer_id, event_type, channel, amount, CAST(days_ago AS INTEGER) AS days_ago, day_part,
       CAST(discount AS DOUBLE) AS discount, CAST(coupon AS DOUBLE) AS coupon
FROM ({EVENT_ROWS_SQL} WHERE e.occurred_at < $cutoff)
"""


def load_events(con, cutoff) -> pd.DataFrame:
    """Events as a compact DataFrame: text columns as categoricals, as a pandas user would load them."""
    table = con.sql(EVENTS_SQL, params={"cutoff": cutoff}).to_arrow_table()
    columns = {}
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = column.dictionary_encode()
        columns[name] = column
    del table
    return pa.table(columns).to_pandas()


def pandas_features(events: pd.DataFrame) -> pd.DataFrame:
    """The columns of `genome.models.features.FEATURES_SQL`, with pandas group-bys."""
    ev = events
    by = ev.groupby("customer_id", sort=True, observed=True)
    out = pd.DataFrame({"tenure_days": by["days_ago"].max(), "days_since_last_event": by["days_ago"].min()})
    idx = out.index
    purchases = ev[ev["event_type"] == "purchase"]
    pb = purchases.groupby("customer_id", observed=True)
    out["days_since_last_purchase"] = pb["days_ago"].min().reindex(idx).fillna(out["tenure_days"] + 1)
    trips = purchases.drop_duplicates(["customer_id", "days_ago"])
    out["purchase_days"] = trips.groupby("customer_id", observed=True).size().reindex(idx, fill_value=0)
    for days in (30, 90, 180, 365):
        recent = trips[trips["days_ago"] < days]
        out[f"purchase_days_{days}d"] = recent.groupby("customer_id", observed=True).size().reindex(idx,
                                                                                                   fill_value=0)
    out["spend_total"] = pb["amount"].sum().reindex(idx, fill_value=0)
    for days in (90, 365):
        recent = purchases[purchases["days_ago"] < days]
        out[f"spend_{days}d"] = recent.groupby("customer_id", observed=True)["amount"].sum().reindex(idx,
                                                                                                    fill_value=0)
    out["mean_line_value"] = pb["amount"].mean().reindex(idx).fillna(0)
    out["discount_share"] = pb["discount"].mean().reindex(idx).fillna(0)
    recent = purchases[purchases["days_ago"] < 180]
    out["discount_share_180d"] = recent.groupby("customer_id", observed=True)["discount"].mean().reindex(
        idx).fillna(0)
    out["coupon_share"] = pb["coupon"].mean().reindex(idx).fillna(0)
    for name, (kind, days) in EVENT_COUNTS.items():
        rows = ev[(ev["event_type"] == kind) & (ev["days_ago"] < days)]
        out[name] = rows.groupby("customer_id", observed=True).size().reindex(idx, fill_value=0)
    for days in (30, 90):
        rows = ev[ev["days_ago"] < days].drop_duplicates(["customer_id", "days_ago"])
        out[f"active_days_{days}d"] = rows.groupby("customer_id", observed=True).size().reindex(idx, fill_value=0)
    for c in PURCHASE_CHANNELS:
        out[f"purchase_share_{c}"] = (purchases["channel"] == c).groupby(
            purchases["customer_id"], observed=True).mean().reindex(idx).fillna(0)
    online = ev[ev["event_type"].isin(ONLINE_TYPES)]
    for p in DAY_PARTS:
        out[f"online_share_{p}"] = (online["day_part"] == p).groupby(
            online["customer_id"], observed=True).mean().reindex(idx).fillna(0)
    out["online_events"] = online.groupby("customer_id", observed=True).size().reindex(idx, fill_value=0)
    out["mean_gap_days"] = np.where(out["purchase_days"] > 1,
                                    (out["tenure_days"] - out["days_since_last_purchase"])
                                    / np.maximum(out["purchase_days"] - 1, 1), out["tenure_days"])
    return out.astype("float64")


def score(models: dict, X: pd.DataFrame) -> dict:
    scorable = has_purchased(X).to_numpy()
    out = {}
    for name, (model, rate) in models.items():
        s = np.full(len(X), rate)
        s[scorable] = model.predict_proba(X[scorable])[:, 1]
        out[name] = (s, percentile(s))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--fit-sample", type=int, default=100_000)
    args = parser.parse_args()
    con = connect(args.db, read_only=True)
    as_of = store_as_of(con)
    cutoff = scoring_cutoff(as_of)
    events = con.execute("SELECT count(*) FROM events").fetchone()[0]

    t = time.perf_counter()
    models = {}
    rng = np.random.default_rng(0)
    frames = {}
    for task in TASKS:
        w = Windows(as_of, task.horizon_days)
        if w.train not in frames:
            X = customer_features(con, w.train)
            frames[w.train] = X.iloc[np.sort(rng.choice(len(X), min(args.fit_sample, len(X)), replace=False))]
        X = frames[w.train]
        defined, y = task.label(X, outcomes(con, w.train, task.horizon_days).reindex(X.index))
        rows = defined & has_purchased(X)
        models[task.name] = (task.estimator().fit(X[rows], y[rows].astype(int)),
                             float(y[defined & ~has_purchased(X)].mean()) if (defined & ~has_purchased(X)).any()
                             else float(y[defined].mean()))
    print(f"fitted {len(models)} models on {args.fit_sample:,}-customer samples in {time.perf_counter() - t:.1f} s",
          file=sys.stderr)

    t0 = time.perf_counter()
    X = customer_features(con, cutoff)
    t1 = time.perf_counter()
    project = score(models, X)
    t2 = time.perf_counter()
    customers = len(X)

    t3 = time.perf_counter()
    frame = load_events(con, cutoff)
    t4 = time.perf_counter()
    B = pandas_features(frame)
    t5 = time.perf_counter()
    baseline = score(models, B.reindex(X.index)[X.columns])
    t6 = time.perf_counter()
    del frame

    B = B.reindex(X.index)[X.columns]
    if not np.allclose(B.to_numpy(), X.to_numpy(), rtol=1e-9, atol=1e-6, equal_nan=True):
        worst = (B - X).abs().max().sort_values(ascending=False).head(3)
        raise SystemExit(f"the pandas features differ from the project's: {worst.to_dict()}")
    for name in models:
        differ = ~np.isclose(project[name][0], baseline[name][0])
        if differ.mean() > 0.001:
            raise SystemExit(f"{name}: {differ.mean():.2%} of the scores differ between the two feature tables")

    project_s, pandas_s = t2 - t0, (t6 - t3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"store: {customers:,} customers, {events:,} events; scoring {len(models)} models as of {as_of:%Y-%m-%d}")
    print(f"project  features (DuckDB)          {t1 - t0:7.1f} s")
    print(f"project  predict + percentiles       {t2 - t1:7.1f} s")
    print(f"project  total                       {project_s:7.1f} s  {customers / project_s:>10,.0f} customers/s")
    print(f"pandas   load events                 {t4 - t3:7.1f} s")
    print(f"pandas   features (group-bys)        {t5 - t4:7.1f} s")
    print(f"pandas   predict + percentiles       {t6 - t5:7.1f} s")
    print(f"pandas   total                       {pandas_s:7.1f} s  {customers / pandas_s:>10,.0f} customers/s")
    print(f"ratio project/pandas throughput      {pandas_s / project_s:7.1f}x "
          f"(features alone {(t5 - t3) / (t1 - t0):.1f}x)")
    print(f"peak memory of this process          {peak:7.1f} GB")


if __name__ == "__main__":
    main()
