"""Model scoring benchmark: the five models on customer features, for every customer.

Purchase propensity, churn risk and discount sensitivity (probabilities and
percentiles), preferred channel and preferred contact time (the class and its
probability). Scoring is features as of the store's latest event, then each
model. Two ways in the same run, on the same store, with the same fitted
models:
- project: `genome.models.features` (one DuckDB aggregate over events joined
  to identifiers) and the models' `predict_proba`;
- pandas: the events loaded into a DataFrame (customer, type, channel,
  amount, day, part of day, discount, coupon), the same features computed
  with pandas group-bys, and the same `predict_proba`.

The two feature tables, and the scores from them, must agree before any
figure is printed. The models
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

from genome.models import channel, churn, discount, propensity
from genome.models.evaluation import percentile
from genome.models.features import customer_features, outcomes, scoring_cutoff, store_as_of
from genome.models.tasks import Windows, classify, has_purchased, most_common
from store.duck import connect

from pandas_features import load_events, pandas_features  # noqa: E402  (bench/ is on the path)

TASKS = (propensity.TASK, churn.TASK, discount.TASK)
CLASS_TASKS = (channel.CHANNEL_TASK, channel.CONTACT_TASK)


def score(models: dict, classes: dict, X: pd.DataFrame) -> dict:
    scorable = has_purchased(X).to_numpy()
    out = {}
    for name, (model, rate) in models.items():
        s = np.full(len(X), rate)
        s[scorable] = model.predict_proba(X[scorable])[:, 1]
        out[name] = (s, percentile(s))
    for name, (model, task, common) in classes.items():
        predicted, confidence, _ = classify(model, X, task, common)
        out[name] = (predicted, confidence)
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

    def sample(cutoff):
        """A random sample of customers' features as of a training cut-off, computed once per cut-off."""
        if cutoff not in frames:
            X = customer_features(con, cutoff)
            frames[cutoff] = X.iloc[np.sort(rng.choice(len(X), min(args.fit_sample, len(X)), replace=False))]
        return frames[cutoff]

    for task in TASKS:
        w = Windows(as_of, task.horizon_days)
        X = sample(w.train)
        defined, y = task.label(X, outcomes(con, w.train, task.horizon_days).reindex(X.index))
        rows = defined & has_purchased(X)
        models[task.name] = (task.estimator().fit(X[rows], y[rows].astype(int)),
                             float(y[defined & ~has_purchased(X)].mean()) if (defined & ~has_purchased(X)).any()
                             else float(y[defined].mean()))
    classes = {}
    for task in CLASS_TASKS:
        w = Windows(as_of, task.horizon_days)
        X = sample(w.train)
        defined, y = task.label(X, outcomes(con, w.train, task.horizon_days).reindex(X.index))
        rows = defined & task.scorable(X)
        classes[task.name] = (task.estimator().fit(X[rows], y[rows].astype(str)), task,
                              most_common(y[defined & ~task.scorable(X)], y[defined]))
    print(f"fitted {len(models) + len(classes)} models on {args.fit_sample:,}-customer samples in "
          f"{time.perf_counter() - t:.1f} s", file=sys.stderr)

    t0 = time.perf_counter()
    X = customer_features(con, cutoff)
    t1 = time.perf_counter()
    project = score(models, classes, X)
    t2 = time.perf_counter()
    customers = len(X)

    t3 = time.perf_counter()
    frame = load_events(con, cutoff)
    t4 = time.perf_counter()
    B = pandas_features(frame)
    t5 = time.perf_counter()
    baseline = score(models, classes, B.reindex(X.index)[X.columns])
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
    for name in classes:
        differ = project[name][0] != baseline[name][0]
        if differ.mean() > 0.001:
            raise SystemExit(f"{name}: {differ.mean():.2%} of the scores differ between the two feature tables")

    project_s, pandas_s = t2 - t0, (t6 - t3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"store: {customers:,} customers, {events:,} events; "
          f"scoring {len(models) + len(classes)} models as of {as_of:%Y-%m-%d}")
    print(f"project  features (DuckDB)          {t1 - t0:7.1f} s")
    print(f"project  predict                     {t2 - t1:7.1f} s")
    print(f"project  total                       {project_s:7.1f} s  {customers / project_s:>10,.0f} customers/s")
    print(f"pandas   load events                 {t4 - t3:7.1f} s")
    print(f"pandas   features (group-bys)        {t5 - t4:7.1f} s")
    print(f"pandas   predict                     {t6 - t5:7.1f} s")
    print(f"pandas   total                       {pandas_s:7.1f} s  {customers / pandas_s:>10,.0f} customers/s")
    print(f"ratio project/pandas throughput      {pandas_s / project_s:7.1f}x "
          f"(features alone {(t5 - t3) / (t1 - t0):.1f}x)")
    print(f"peak memory of this process          {peak:7.1f} GB")


if __name__ == "__main__":
    main()
