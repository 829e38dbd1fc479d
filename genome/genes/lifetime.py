"""Lifetime-value genes from BG/NBD (how many purchases) and Gamma-Gamma (worth each).

Fitted on the store's own purchase history in weeks, same-day purchases
merged. Customers the models cannot score get a fallback, marked as such:
- no purchase yet: what comparable customers actually spent in the last 12
  months (those already known a year ago without a purchase by then);
- one-time buyers when the fitted spend model has no finite mean (q <= 1, a
  heavy tail): their expected purchases valued at the average spend per
  shopping day customers actually showed;
- models that fail to fit (too little data): everyone falls back to their own
  last-12-months spend.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
from scipy.stats import spearmanr

from genome.clv import BetaGeo, GammaGamma, calibration_holdout, discounted_purchases
from genome.errors import InputError
from genome.genes.definition import Gene, rounded
from genome.today import genome_today
from store.engine import Engine

# The value tiers from highest to lowest (clv_tier), the order they are listed in.
CLV_TIERS = ("top", "high", "mid", "low")
FAMILY = "lifetime_value"
ANNUAL_DISCOUNT = 0.10
WEEKS = 52
MIN_REPEAT_BUYERS = 30
# Four parameters need far fewer customers than a large base holds (the
# published CDNOW fit used 2,357); a fixed-seed sample keeps the fit quick
# and the build reproducible.
FIT_SAMPLE = 200_000

LIFETIME_GENES = (
    Gene("clv_12m", FAMILY, "Expected value of the customer's purchases over the next 12 months "
         "(BG/NBD x Gamma-Gamma, monthly steps, discounted 10% a year).", "number",
         "bg_nbd_gamma_gamma(52 weeks in 12 monthly steps)",
         unit="USD", source="models", sensitivity="financial"),
    Gene("p_alive", FAMILY, "Probability the customer is still active (BG/NBD).", "number",
         "bg_nbd.probability_alive", unit="probability", source="models"),
    Gene("expected_purchases_90d", FAMILY, "Expected purchase days in the next 90 days (BG/NBD).", "number",
         "bg_nbd.expected_purchases(90 days)", unit="purchases", source="models"),
    Gene("historical_value", FAMILY, "Money spent so far, all time.", "number", "sum(amount) of purchases",
         unit="USD", source="events", fill="0"),
    Gene("historical_value_rank", FAMILY, "Share of customers who have spent less so far (0 to 1).", "number",
         "percent_rank() over historical_value", unit="share", source="events"),
    Gene("value_decile", FAMILY, "Decile of clv_12m across customers: 10 is the most valuable tenth.", "number",
         "ntile(10) over clv_12m", unit="decile", source="models"),
    Gene("clv_fallback", FAMILY, "clv_12m is a fallback, not a model score (no purchase yet, or no fit).",
         "flag", "customer not scorable by the models", source="models"),
    Gene("clv_tier", FAMILY, "Value tier from clv_12m: top (top 10%), high (next 20%), mid, low.", "category",
         "top / high / mid / low by clv_12m rank", source="models"),
)

# Sums of money are compensated (fsum): a plain sum depends on the order rows arrive in, and a build that reads
# the events in partitions must give the same cents as one that reads them at once. They are read at a
# millionth (`MONEY`), so every engine hands the models the very same numbers and the fit, which amplifies
# the last bit of a double, comes out the same.
MONEY = 6
RFM_SQL = f"""
WITH days AS (
  SELECT cust, CAST(local_time AS DATE) AS day, {rounded('fsum(amount)', MONEY)} AS amount
  FROM {{events}} WHERE event_type = 'purchase' AND amount IS NOT NULL
  GROUP BY cust, day
)
SELECT cust,
       count(*) - 1 AS frequency,
       date_diff('day', min(day), max(day)) / 7 AS recency,
       date_diff('day', min(day), CAST($as_of AS DATE)) / 7 AS t,
       CASE WHEN count(*) > 1 THEN ({rounded('fsum(amount)', MONEY)} - arg_min(amount, day)) / (count(*) - 1)
            ELSE 0 END AS monetary,
       {rounded('fsum(amount)', MONEY)} AS total
FROM days GROUP BY cust ORDER BY cust
"""

# What customers known a year ago, who had not bought by then, spent since.
NEWCOMER_VALUE_SQL = """
WITH known AS (
  SELECT cust,
         min(occurred_at) AS first_seen,
         min(occurred_at) FILTER (WHERE event_type = 'purchase') AS first_purchase,
         coalesce(fsum(amount) FILTER (WHERE event_type = 'purchase' AND days_ago <= 365), 0) AS spend_365d
  FROM {events} GROUP BY cust
)
SELECT avg(spend_365d) FROM known
WHERE first_seen < $as_of - INTERVAL 365 DAY
  AND (first_purchase IS NULL OR first_purchase >= $as_of - INTERVAL 365 DAY)
"""


def _sample(n: int) -> np.ndarray:
    if n <= FIT_SAMPLE:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=FIT_SAMPLE, replace=False))


def _scores(rfm: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T, m = rfm["frequency"].astype(float), rfm["recency"], rfm["t"], rfm["monetary"]
    repeat = (x > 0) & (m > 0)
    try:
        if repeat.sum() < MIN_REPEAT_BUYERS:
            raise InputError("too few repeat buyers to fit lifetime-value models")
        sample = _sample(len(x))
        bg = BetaGeo(penalizer=0.001).fit(x[sample], t_x[sample], T[sample])
        repeaters = np.flatnonzero(repeat)[_sample(int(repeat.sum()))]
        gg = GammaGamma(penalizer=0.001).fit(x[repeaters], m[repeaters])
    except (ValueError, ArithmeticError):
        spend = rfm["spend_365d"]
        return spend, np.full(len(x), np.nan), np.full(len(x), np.nan), np.ones(len(x), dtype=bool)
    weekly = (1 + ANNUAL_DISCOUNT) ** (1 / WEEKS) - 1
    purchases = discounted_purchases(bg, x, t_x, T, horizon=WEEKS, discount_rate=weekly, time_unit="W",
                                     step=WEEKS / 12)
    spend = gg.expected_average_value(x, np.where(repeat, m, 0.0))
    # With q <= 1 the fitted spend distribution has no finite mean, and the formula turns
    # negative for customers with no repeat purchase: they get the average spend per
    # shopping day that customers actually showed instead, and are marked as a fallback.
    unscored = ~(np.isfinite(spend) & (spend > 0))
    if unscored.any():
        observed = rfm["total"] / (x + 1)
        spend = np.where(unscored, float(np.mean(observed)) if len(observed) else 0.0, spend)
    return spend * purchases, bg.probability_alive(x, t_x, T), bg.expected_purchases(90 / 7, x, t_x, T), unscored


def lifetime_values(engine: Engine, as_of, *, events: str = "_ev") -> None:
    """Table `_lifetime` (by `cust` of `_customer_index`) with the lifetime-value genes, on `engine`.

    `events` is the prepared event relation (`_ev` columns) of every customer: the models are fitted and
    ranked across all customers, also when the rest of the build works a partition at a time. The per-customer
    summaries come to Python for the fit (four numbers a customer); the rest stays on the engine.
    """
    summary = engine.arrow(f"""
        SELECT r.*, coalesce(s.spend_365d, 0) AS spend_365d FROM ({RFM_SQL.format(events=events)}) r
        LEFT JOIN (SELECT cust, {rounded('fsum(amount)', MONEY)} AS spend_365d FROM {events}
                   WHERE event_type = 'purchase' AND days_ago <= 365 GROUP BY cust) s USING (cust)
        ORDER BY cust
    """, {"as_of": as_of})
    # engines differ in the numeric types they give (DuckDB doubles, Spark decimals): the fit reads floats
    rfm = {name: np.asarray(summary[name].to_numpy(zero_copy_only=False), dtype=np.int64 if name == "cust" else float)
           for name in summary.column_names}
    n = len(rfm["cust"])
    value, alive, expected, failed = _scores(rfm) if n else (np.array([]),) * 4
    engine.register("_lifetime_scores", pa.table({
        "cust": pa.array(rfm["cust"], pa.int64()),
        "clv_12m": np.round(np.asarray(value, dtype=float), 2),
        "p_alive": np.round(np.asarray(alive, dtype=float), 4),
        "expected_purchases_90d": np.round(np.asarray(expected, dtype=float), 3),
        "historical_value": np.round(rfm["total"], 2),
        "model_failed": np.asarray(failed, dtype=bool),
    }))
    newcomer = engine.arrow(NEWCOMER_VALUE_SQL.format(events=events), {"as_of": as_of}).column(0)[0].as_py() or 0.0
    engine.table("_lifetime", f"""
        WITH scored AS (
          SELECT c.cust,
                 CASE WHEN s.cust IS NULL THEN {rounded('$newcomer', 2)}
                      ELSE coalesce(nullif(s.clv_12m, 'NaN'::DOUBLE), 0) END AS clv_12m,
                 nullif(s.p_alive, 'NaN'::DOUBLE) AS p_alive,
                 nullif(s.expected_purchases_90d, 'NaN'::DOUBLE) AS expected_purchases_90d,
                 coalesce(s.historical_value, 0) AS historical_value,
                 s.cust IS NULL OR s.model_failed AS clv_fallback
          FROM _customer_index c LEFT JOIN _lifetime_scores s USING (cust)
        )
        SELECT *,
               {rounded('percent_rank() OVER (ORDER BY historical_value)', 4)} AS historical_value_rank,
               ntile(10) OVER (ORDER BY clv_12m, cust) AS value_decile,
               CASE WHEN percent_rank() OVER (ORDER BY clv_12m) >= 0.9 THEN '{CLV_TIERS[0]}'
                    WHEN percent_rank() OVER (ORDER BY clv_12m) >= 0.7 THEN '{CLV_TIERS[1]}'
                    WHEN percent_rank() OVER (ORDER BY clv_12m) >= 0.3 THEN '{CLV_TIERS[2]}'
                    ELSE '{CLV_TIERS[3]}' END AS clv_tier
        FROM scored
    """, {"newcomer": float(newcomer)})
    engine.drop("_lifetime_scores")


@dataclass(frozen=True)
class HoldoutReport:
    """BG/NBD and Gamma-Gamma scored out of time: fitted before `calibration_end`, judged after it, beside the
    one-line rules "the next window repeats the last one of the same length" (shopping days, spend)."""

    calibration_end: datetime
    holdout_weeks: float
    customers: int
    predicted_total: float
    actual_total: int
    aggregate_error: float  # (predicted - actual) / actual
    mae: float  # per customer, repeat purchase days in the holdout
    mae_naive: float  # per customer, extrapolating each customer's calibration rate
    mae_recent: float  # per customer, shopping days in the window of the same length before calibration_end
    value_mae: float  # per customer, money spent in the holdout (expected purchases x expected value)
    value_mae_recent: float  # the same for the spend in the window of the same length before calibration_end
    value_rank: float  # Spearman correlation of the predicted value with what was spent
    value_rank_recent: float  # the same for the recent spend


def validate_out_of_time(con, holdout_days: int = 180) -> HoldoutReport:
    """Fit on all purchases up to `holdout_days` before the last event; predict the rest."""
    end = genome_today(con)
    calibration_end = end - timedelta(days=holdout_days)
    purchases = con.execute("""
        SELECT customer_id, occurred_at, amount FROM customer_events
        WHERE event_type = 'purchase' AND amount IS NOT NULL
    """).df()
    table = calibration_holdout(purchases, "customer_id", "occurred_at", "amount",
                                calibration_end=calibration_end, observation_end=end, time_unit="W")
    x, t_x, T = table["frequency"].to_numpy(float), table["recency"].to_numpy(), table["T"].to_numpy()
    weeks = float(table["duration_holdout"].iloc[0])
    model = BetaGeo(penalizer=0.001).fit(x, t_x, T)
    predicted = model.expected_purchases(weeks, x, t_x, T)
    actual = table["frequency_holdout"].to_numpy()
    naive = np.where(T > 0, (x + 1) / np.maximum(T, 1e-9) * weeks, 0.0)
    repeat = (x > 0) & (table["monetary_value"].to_numpy() > 0)
    spend = GammaGamma(penalizer=0.001).fit(x[repeat], table["monetary_value"].to_numpy()[repeat]) \
        .expected_average_value(x, np.where(repeat, table["monetary_value"].to_numpy(), 0.0))
    value = predicted * spend
    when = purchases["occurred_at"]
    before = purchases[(when <= calibration_end) & (when > calibration_end - timedelta(days=holdout_days))]
    after = purchases[(when > calibration_end) & (when <= end)]
    recent_days = before.assign(day=before["occurred_at"].dt.floor("D")).groupby("customer_id")["day"].nunique() \
        .reindex(table.index, fill_value=0).to_numpy(float)
    recent_spend = before.groupby("customer_id")["amount"].sum().reindex(table.index, fill_value=0).to_numpy()
    spent = after.groupby("customer_id")["amount"].sum().reindex(table.index, fill_value=0).to_numpy()
    return HoldoutReport(
        calibration_end=calibration_end, holdout_weeks=weeks, customers=len(table),
        predicted_total=float(predicted.sum()), actual_total=int(actual.sum()),
        aggregate_error=float(predicted.sum() / max(actual.sum(), 1) - 1),
        mae=float(np.abs(predicted - actual).mean()), mae_naive=float(np.abs(naive - actual).mean()),
        mae_recent=float(np.abs(recent_days - actual).mean()),
        value_mae=float(np.abs(value - spent).mean()), value_mae_recent=float(np.abs(recent_spend - spent).mean()),
        value_rank=float(spearmanr(value, spent)[0]), value_rank_recent=float(spearmanr(recent_spend, spent)[0]),
    )
