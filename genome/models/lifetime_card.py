"""The lifetime-value genes' card: BG/NBD and Gamma-Gamma judged out of time beside a one-line rule.

The genome build (`genome.genes.lifetime`) chooses, on the 90 days before
the last 90, between the lifetime-value models and their rules, and publishes
`clv_12m`, `p_alive` and `expected_purchases_90d` from the models only where
they came closer in both shopping days and spend. Like every
other model's, this card reports on a window nothing was chosen on: fitted on
the purchases up to 90 days before the store's latest day, the models predict
what each customer spends (and on how many days) in the 90 days after, beside
the rule "the next 90 days repeat the last 90" (the customer's spend and
shopping days in the 90 days before). The card says which came closer, in
money per customer and in how well each ranks customers by what they spent,
and which the build published.

It adds no genes: the build's are the published ones.
"""

import pandas as pd

from genome.errors import InputError
from genome.genes.lifetime import LIFETIME_CHOICE, MODEL, LifetimeChoice, lost_on, validate_out_of_time
from genome.models.tasks import ModelOutput
from genome.store_settings import store_setting

NAME = "lifetime_value"
TITLE = "Lifetime value"
PREDICTS = "what each customer will spend over the next 12 months, and on how many days"
HOLDOUT_DAYS = 90
RULE = "the customer's spend in the 90 days before"


def run_lifetime_card(con, customers: pd.Index) -> ModelOutput:
    try:
        report = validate_out_of_time(con, holdout_days=HOLDOUT_DAYS)
    except (ValueError, ArithmeticError, IndexError, KeyError) as exc:
        raise InputError(f"too little purchase history before the last {HOLDOUT_DAYS} days to judge the "
                         f"lifetime-value models out of time ({exc})") from None
    choice = LifetimeChoice.from_json(store_setting(con, LIFETIME_CHOICE))
    if choice is None:
        raise InputError("the genome was built before the lifetime-value genes were chosen out of time: run "
                         "`genome build` again")
    fallback = con.execute("SELECT avg(clv_fallback::INTEGER) FROM customer_genes").fetchone()[0] or 0.0
    metrics = {
        "customers": report.customers,
        "value_mae": report.value_mae, "value_mae_rule": report.value_mae_recent,
        "value_rank": report.value_rank, "value_rank_rule": report.value_rank_recent,
        "days_mae": report.mae, "days_mae_rule": report.mae_recent, "days_mae_whole_history": report.mae_naive,
        "aggregate_error": report.aggregate_error, "rule": RULE,
        "closer": "model" if report.value_mae < report.value_mae_recent else "rule",
        "published": choice.published,
        "validation": {"until": choice.judged_until, "value_mae": choice.value_mae,
                       "value_mae_rule": choice.value_mae_rule, "days_mae": choice.days_mae,
                       "days_mae_rule": choice.days_mae_rule, "reason": choice.reason,
                       "lost_on": lost_on(choice)},
    }
    card = {
        "name": NAME, "title": TITLE, "predicts": PREDICTS, "kind": "value", "horizon_days": HOLDOUT_DAYS,
        "train_cutoff": None, "evaluation_cutoff": report.calibration_end.isoformat(), "scored_as_of": None,
        "training_window": f"purchases up to {report.calibration_end:%Y-%m-%d}, judged on the "
                           f"{HOLDOUT_DAYS} days after",
        "features": ["repeat shopping days", "days from first to last", "days since first", "spend per day"],
        "training_customers": report.customers, "metrics": metrics,
        "scored_customers": int(len(customers)), "fallback_share": float(fallback),
        "fallback": "customers without a purchase get what comparable newcomers spent, marked as an estimate",
        "status": "published" if choice.published == MODEL else "baseline published",
    }
    return ModelOutput(card, [], pd.DataFrame(index=customers))
