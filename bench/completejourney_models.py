"""Models beside their simple rules on Complete Journey, at every monthly cut-off of the data's last four months.

A model card judges each model at one out-of-time cut-off: the store's latest
day less the model's horizon. One cut-off can flatter or wrong a model, so
this benchmark moves the store's "today" back a month at a time and fits and
judges every model again, exactly as `genome models fit` would have on that
day, for every evaluation cut-off that falls in the last four months of the
data with its whole outcome window observed (30-day models: four cut-offs;
90-day models: two). Each line prints the published figure of the model and,
measured in the same run on the same customers, its best simple rule.

The store is one `genome demo --dataset completejourney --db DB` made; the
goals are the ones the product sets itself on real data: propensity and churn
ROC AUC at least 0.02 ahead of the best rule, next category and
recommendations ahead of their rules, coupon redemption ranked at ROC AUC
0.78 or better. The lifetime-value genes are judged once, over the data's
last 90 days, against the rule that the next 90 days repeat the last 90
(error per customer: lower is better, so the lead is the rule's error less
the model's).

    python bench/completejourney_models.py --db /path/to/cj.duckdb [--months 4] [--json OUT]
"""

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genome.genes.lifetime import LIFETIME_CHOICE, LifetimeChoice, validate_out_of_time  # noqa: E402
from genome.models import churn, coupon, discount, next_category, propensity  # noqa: E402
from genome.models.features import store_as_of  # noqa: E402
from genome.models.fit import product_categories  # noqa: E402
from genome.models.recommend import (
    HORIZON_DAYS as RECOMMEND_DAYS,  # noqa: E402
    run_recommendations,  # noqa: E402
)
from genome.models.tasks import Frames, run_binary, run_class  # noqa: E402
from genome.store_settings import store_setting  # noqa: E402
from store.duck import connect  # noqa: E402

BINARY = (propensity.TASK, churn.TASK, discount.TASK, coupon.TASK)
# the goal per model: how far ahead of its best rule it must be, or the figure it must reach
LEAD = {"purchase_propensity_30d": 0.02, "churn_risk_90d": 0.02}
AT_LEAST = {"coupon_response_90d": 0.78}
STEP_DAYS = 30


def _binary(frames: Frames, task) -> dict:
    m = run_binary(frames, task).card["metrics"]
    best = m["baselines"][m["best_baseline"]]
    return {"figure": "ROC AUC", "model": m["model_roc_auc"], "published": m["published"],
            "form": m.get("model_form"), "rule": best["rule"], "rule_value": best["roc_auc"],
            "difference_interval": m["model_minus_best_baseline"]}


def _next_category(frames: Frames) -> dict:
    m = run_class(frames, next_category.TASK).card["metrics"]
    return {"figure": "top-1 accuracy", "model": m["model_accuracy"], "published": m["published"],
            "rule": m["baseline"], "rule_value": m["baseline_accuracy"]}


def _recommendations(con, as_of, frames: Frames) -> dict:
    m = run_recommendations(con, as_of, frames.consented, product_categories(con)).card["metrics"]
    best = m["baselines"][m["best_baseline"]]
    methods = {name: f["hit_rate_at_10"] for name, f in m.get("methods", {}).items()}
    # the learned method validation chose, or, when a rule was published, the best learned one measured
    model = methods.get(m["published"], max(methods.values(), default=float("nan")))
    return {"figure": "hit rate at 10", "model": model, "published": m["published"], "rule": best["rule"],
            "rule_value": best["hit_rate_at_10"]}


def _verdict(name: str, row: dict) -> str:
    lead = row["model"] - row["rule_value"]
    if name in AT_LEAST:
        return "meets" if row["model"] >= AT_LEAST[name] else "misses"
    return "meets" if lead >= LEAD.get(name, 1e-12) else "misses"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a store made by genome demo --dataset completejourney")
    parser.add_argument("--months", type=int, default=4, help="how far back the evaluation cut-offs go")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()

    con = connect(args.db, read_only=True)
    latest = store_as_of(con)
    basis = store_setting(con, "profiling_basis", "consent")
    earliest = latest - timedelta(days=STEP_DAYS * args.months)
    print(f"store {args.db}: latest event {latest:%Y-%m-%d}; evaluation cut-offs from {earliest:%Y-%m-%d}")
    print(f"{'model':26s} {'cut-off':10s} {'figure':15s} {'model':>7s} {'best rule':>9s} {'lead':>7s}  "
          f"goal    rule")
    rows = []
    shift = 0
    while latest - timedelta(days=shift + 30) >= earliest:
        as_of = latest - timedelta(days=shift)
        frames = Frames(con, as_of, profiling_basis=basis)
        jobs = [(t.name, t.horizon_days, lambda t=t: _binary(frames, t)) for t in BINARY]
        jobs += [(next_category.TASK.name, next_category.TASK.horizon_days, lambda: _next_category(frames)),
                 ("recommendations", RECOMMEND_DAYS, lambda: _recommendations(con, as_of, frames))]
        for name, horizon, run in jobs:
            cutoff = as_of - timedelta(days=horizon)
            if cutoff < earliest:
                continue
            started = time.perf_counter()
            row = {"model": name, "cutoff": f"{cutoff:%Y-%m-%d}", **run(),
                   "seconds": round(time.perf_counter() - started, 1)}
            row["lead"] = row["model"] - row["rule_value"]
            row["goal"] = _verdict(name, row)
            rows.append(row)
            print(f"{name:26s} {row['cutoff']:10s} {row['figure']:15s} {row['model']:7.3f} {row['rule_value']:9.3f} "
                  f"{row['lead']:+7.3f}  {row['goal']:6s}  {row['rule']}", flush=True)
        shift += STEP_DAYS
    # The lifetime-value genes (BG/NBD x Gamma-Gamma, fitted at the build) judged the same way once, over the last
    # 90 days: lower error is better, so the lead is the rule's error less the model's.
    started = time.perf_counter()
    lifetime = validate_out_of_time(con, holdout_days=90)
    for figure, model, rule, words in (
            ("value MAE ($)", lifetime.value_mae, lifetime.value_mae_recent, "spend in the 90 days before"),
            ("days MAE", lifetime.mae, lifetime.mae_recent, "shopping days in the 90 days before"),
            ("value rank corr.", lifetime.value_rank, lifetime.value_rank_recent, "spend in the 90 days before")):
        lead = (model - rule) if "corr" in figure else (rule - model)
        row = {"model": "lifetime_value", "cutoff": f"{lifetime.calibration_end:%Y-%m-%d}", "figure": figure,
               "model_value": model, "rule_value": rule, "rule": words, "lead": lead,
               "goal": "meets" if lead > 0 else "misses", "seconds": round(time.perf_counter() - started, 1)}
        rows.append(row)
        print(f"{'lifetime_value':26s} {row['cutoff']:10s} {figure:15s} {model:7.3f} {rule:9.3f} {lead:+7.3f}  "
              f"{row['goal']:6s}  {words}", flush=True)
    choice = LifetimeChoice.from_json(store_setting(con, LIFETIME_CHOICE))
    if choice is not None:
        print(f"lifetime_value: the build published the {choice.published}s, chosen on the 90 days to "
              f"{choice.judged_until} (models against rules): spend error ${choice.value_mae or 0:,.2f} against "
              f"${choice.value_mae_rule or 0:,.2f}, shopping days error {choice.days_mae or 0:.3f} against "
              f"{choice.days_mae_rule or 0:.3f}{choice.reason and ': '}{choice.reason}")
    met = sum(r["goal"] == "meets" for r in rows)
    print(f"{met} of {len(rows)} model and cut-off pairs meet their goal")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
