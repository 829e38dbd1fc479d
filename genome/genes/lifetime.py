"""Lifetime-value genes from BG/NBD (how many purchases) and Gamma-Gamma (worth each), or from one-line rules.

The models are fitted on the store's own purchase history in weeks, same-day
purchases merged, and published only where they beat the rules out of time
(`choose_lifetime`); otherwise the genes hold the rules: four times the last 90
days' spend, the last 90 days' shopping days and a counted chance still active.
Customers get a fallback, marked as such:
- no purchase yet: what comparable customers actually spent in the last 12
  months (those already known a year ago without a purchase by then);
- with the models, one-time buyers when the fitted spend model has no finite
  mean (q <= 1, a heavy tail): their expected purchases valued at the average
  spend per shopping day customers actually showed.
"""

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
from scipy.stats import spearmanr

from genome.clv import BetaGeo, GammaGamma, calibration_holdout, discounted_purchases
from genome.errors import InputError
from genome.genes.definition import Evidence, Gene, rounded
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
# The choice compares two mean errors: a million customers judge it as well as ten, at a tenth of the memory.
CHOICE_SAMPLE = 1_000_000

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
    Gene("value_decile", FAMILY, "Decile of the expected 12-month value across customers: 10 is the most "
         "valuable tenth.", "number",
         "ntile(10) over clv_12m", unit="decile", source="models"),
    Gene("clv_fallback", FAMILY, "The expected 12-month value is an estimate, not a model "
         "score (no purchase yet, or spending the spend model cannot score).",
         "flag", "customer not scorable by the models", source="models"),
    Gene("clv_tier", FAMILY, "Value tier by expected 12-month value: top (top 10%), high "
         "(next 20%), mid, low.", "category",
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


def _fit(x: np.ndarray, t_x: np.ndarray, T: np.ndarray, m: np.ndarray) -> tuple[BetaGeo, GammaGamma]:
    """BG/NBD on every customer and Gamma-Gamma on the repeat buyers; ValueError or ArithmeticError when the
    data cannot carry them."""
    repeat = (x > 0) & (m > 0)
    if repeat.sum() < MIN_REPEAT_BUYERS:
        raise InputError("too few repeat buyers to fit lifetime-value models")
    sample = _sample(len(x))
    bg = BetaGeo(penalizer=0.001).fit(x[sample], t_x[sample], T[sample])
    repeaters = np.flatnonzero(repeat)[_sample(int(repeat.sum()))]
    return bg, GammaGamma(penalizer=0.001).fit(x[repeaters], m[repeaters])


def _spend_per_day(gg: GammaGamma, x: np.ndarray, m: np.ndarray, total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Expected spend per shopping day, and who the spend model could not score.

    With q <= 1 the fitted spend distribution has no finite mean, and the formula turns negative for customers
    with no repeat purchase: they get the average spend per shopping day that customers actually showed
    instead, and are marked as a fallback."""
    spend = gg.expected_average_value(x, np.where((x > 0) & (m > 0), m, 0.0))
    unscored = ~(np.isfinite(spend) & (spend > 0))
    if unscored.any():
        observed = total / (x + 1)
        spend = np.where(unscored, float(np.mean(observed)) if len(observed) else 0.0, spend)
    return spend, unscored


def _scores(rfm: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """12-month value, chance still active, expected shopping days in 90 days and who is unscored; None when
    the models cannot be fitted on this store."""
    x, t_x, T, m = rfm["frequency"].astype(float), rfm["recency"], rfm["t"], rfm["monetary"]
    try:
        bg, gg = _fit(x, t_x, T, m)
    except (ValueError, ArithmeticError):
        return None
    weekly = (1 + ANNUAL_DISCOUNT) ** (1 / WEEKS) - 1
    purchases = discounted_purchases(bg, x, t_x, T, horizon=WEEKS, discount_rate=weekly, time_unit="W",
                                     step=WEEKS / 12)
    spend, unscored = _spend_per_day(gg, x, m, rfm["total"])
    return spend * purchases, bg.probability_alive(x, t_x, T), bg.expected_purchases(90 / 7, x, t_x, T), unscored


# The models are chosen on a window of their own: fitted on the purchases up to 180 days before the genome's
# day and judged on the 90 days after, beside the rules "the next 90 days repeat the 90 before". The last 90
# days stay for the model card, which reports on them and chooses nothing: no purchase after the card's cut
# (the genome's moment less 90 days, to the second) is read, and days count back from that cut. The value
# model stands on the purchase model (expected shopping days times spend per day), so both are published, or
# neither: a value beside a chance still active from another method would contradict it for the same customer.
HORIZON = 90
# `ago`: days before the card's cut. The rule judged reads 90 days; the one published (four times spend_90d)
# reads the genes' 91 (`days_ago <= 90`), so that it equals what the catalog shows.
CHOICE_SQL = f"""
WITH days AS (
  SELECT cust, date_diff('day', CAST(local_time AS DATE), CAST($as_of - INTERVAL {HORIZON} DAY AS DATE)) AS ago,
         {rounded('fsum(amount)', MONEY)} AS amount
  FROM {{events}}
  WHERE event_type = 'purchase' AND amount IS NOT NULL AND occurred_at <= $as_of - INTERVAL {HORIZON} DAY
    AND cust % $every = 0  -- every k-th customer: customer numbers follow their hashed ids, so a fair sample
  GROUP BY cust, CAST(local_time AS DATE)
), summary AS (
  SELECT cust,
         count(*) FILTER (WHERE ago >= {HORIZON}) AS known_days,
         max(ago) FILTER (WHERE ago >= {HORIZON}) AS first_ago,
         min(ago) FILTER (WHERE ago >= {HORIZON}) AS last_ago,
         {rounded(f'fsum(amount) FILTER (WHERE ago >= {HORIZON})', MONEY)} AS known_total,
         arg_max(amount, ago) FILTER (WHERE ago >= {HORIZON}) AS first_amount,
         count(*) FILTER (WHERE ago < {HORIZON}) AS days_after,
         coalesce(fsum(amount) FILTER (WHERE ago < {HORIZON}), 0) AS spend_after,
         count(*) FILTER (WHERE ago >= {HORIZON} AND ago < {2 * HORIZON}) AS days_before,
         coalesce(fsum(amount) FILTER (WHERE ago >= {HORIZON} AND ago < {2 * HORIZON}), 0) AS spend_before
  FROM days GROUP BY cust
)
SELECT cust, known_days - 1 AS frequency, (first_ago - last_ago) / 7 AS recency,
       (first_ago - {HORIZON}) / 7 AS t,
       CASE WHEN known_days > 1 THEN (known_total - first_amount) / (known_days - 1) ELSE 0 END AS monetary,
       known_total AS total, days_after, spend_after, days_before, spend_before
FROM summary WHERE known_days > 0 ORDER BY cust
"""

# The rules as published: a year of the last 90 days' spend (four times spend_90d) and the shopping days of
# the last 90 days, read with the genes' own `days_ago`.
RULE_SQL = f"""
SELECT cust,
       4 * round(coalesce(fsum(amount) FILTER (WHERE event_type = 'purchase' AND days_ago <= {HORIZON}), 0), 2)
         AS rule_value,
       count(DISTINCT CAST(local_time AS DATE)) FILTER (WHERE event_type = 'purchase' AND days_ago <= {HORIZON})
         AS rule_days
FROM {{events}} GROUP BY cust
"""

# The chance still active, counted instead of modelled: of the customers who 90 days ago had last shopped as
# long before, on as many days in the year before, the share who shopped again within those 90 days.
RECENCY_BINS = (7, 14, 30, 60, 90, 180, 365)
FREQUENCY_BINS = (0, 1, 3, 11, 25, 51)


def _bin(expression: str, bounds: tuple[int, ...]) -> str:
    cases = " ".join(f"WHEN {expression} <= {b} THEN {i}" for i, b in enumerate(bounds))
    return f"CASE {cases} ELSE {len(bounds)} END"


ACTIVE_SQL = f"""
WITH days AS (
  SELECT cust, date_diff('day', CAST(local_time AS DATE), CAST($as_of AS DATE)) AS ago
  FROM {{events}} WHERE event_type = 'purchase' GROUP BY cust, CAST(local_time AS DATE)
), earlier AS (
  SELECT {_bin(f'min(ago) FILTER (WHERE ago >= {HORIZON}) - {HORIZON}', RECENCY_BINS)} AS r,
         {_bin(f'count(*) FILTER (WHERE ago >= {HORIZON} AND ago < {HORIZON + 365})', FREQUENCY_BINS)} AS f,
         CASE WHEN count(*) FILTER (WHERE ago < {HORIZON}) > 0 THEN 1.0 ELSE 0.0 END AS came_back
  FROM days GROUP BY cust HAVING count(*) FILTER (WHERE ago >= {HORIZON}) > 0
), by_both AS (SELECT r, f, avg(came_back) AS share FROM earlier GROUP BY r, f),
by_recency AS (SELECT r, avg(came_back) AS share FROM earlier GROUP BY r),
latest AS (
  SELECT cust, {_bin('min(ago)', RECENCY_BINS)} AS r, {_bin('count(*) FILTER (WHERE ago < 365)', FREQUENCY_BINS)} AS f
  FROM days GROUP BY cust
)
SELECT l.cust, coalesce(b.share, o.share, (SELECT avg(came_back) FROM earlier)) AS rule_active
FROM latest l LEFT JOIN by_both b ON b.r = l.r AND b.f = l.f LEFT JOIN by_recency o ON o.r = l.r
"""

MODEL, RULE = "model", "rule"
# The store setting that keeps the last build's choice (read by the lifetime-value card).
LIFETIME_CHOICE = "lifetime_published"


@dataclass(frozen=True)
class LifetimeChoice:
    """What a build published for the lifetime-value genes (`MODEL` or `RULE`), and the figures it chose by.

    The models are published when they come closer than the rules in both shopping days and spend, per
    customer on the choosing window (the 90 days up to `judged_until`); models that could not be judged there
    (`reason`) are not published.
    """

    published: str
    judged_until: str | None = None
    customers: int = 0
    days_mae: float | None = None
    days_mae_rule: float | None = None
    value_mae: float | None = None
    value_mae_rule: float | None = None
    reason: str = ""

    def as_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | None) -> "LifetimeChoice | None":
        """The choice a build recorded; None before one was (or in a form this version does not read)."""
        try:
            return cls(**json.loads(text)) if text else None
        except (TypeError, ValueError):
            return None


def _columns(table: pa.Table) -> dict[str, np.ndarray]:
    # engines differ in the numeric types they give (DuckDB doubles, Spark decimals): the fit reads floats
    return {name: np.asarray(table[name].to_numpy(zero_copy_only=False), dtype=np.int64 if name == "cust" else float)
            for name in table.column_names}


def decide(*, days_mae: float, days_mae_rule: float, value_mae: float, value_mae_rule: float) -> str:
    """`MODEL` when the models came closer than the rules in both shopping days and spend, else `RULE`."""
    return MODEL if days_mae < days_mae_rule and value_mae < value_mae_rule else RULE


def choose_lifetime(engine: Engine, as_of, *, events: str = "_ev") -> LifetimeChoice:
    """The models or the rules, judged on the window before the card's, on every customer of a store with up to
    `CHOICE_SAMPLE` (`_customer_index`), else on every k-th."""
    until = (as_of - timedelta(days=HORIZON)).date().isoformat()
    customers = engine.arrow("SELECT count(*) AS n FROM _customer_index").column(0)[0].as_py()
    every = max(1, -(-customers // CHOICE_SAMPLE))
    c = _columns(engine.arrow(CHOICE_SQL.format(events=events), {"as_of": as_of, "every": every}))
    x, t_x, T, m = c["frequency"], c["recency"], c["t"], c["monetary"]
    try:
        if not len(x):
            raise InputError(f"no purchase before the last {2 * HORIZON} days")
        bg, gg = _fit(x, t_x, T, m)
    except (ValueError, ArithmeticError) as exc:  # InputError, or a fit the data cannot carry
        return LifetimeChoice(published=RULE, judged_until=until, customers=len(x),
                              reason=f"the models could not be judged out of time ({exc})")
    days = bg.expected_purchases(HORIZON / 7, x, t_x, T)
    value = days * _spend_per_day(gg, x, m, c["total"])[0]
    figures = {
        "days_mae": float(np.abs(days - c["days_after"]).mean()),
        "days_mae_rule": float(np.abs(c["days_before"] - c["days_after"]).mean()),
        "value_mae": float(np.abs(value - c["spend_after"]).mean()),
        "value_mae_rule": float(np.abs(c["spend_before"] - c["spend_after"]).mean()),
    }
    return LifetimeChoice(published=decide(**figures), judged_until=until, customers=len(x), **figures)


def lifetime_values(engine: Engine, as_of, *, events: str = "_ev") -> LifetimeChoice:
    """Table `_lifetime` (by `cust` of `_customer_index`) with the lifetime-value genes, on `engine`; returns
    whether they are the models' or the rules'.

    `events` is the prepared event relation (`_ev` columns) of every customer: the models are fitted and
    ranked across all customers, also when the rest of the build works a partition at a time. The per-customer
    summaries come to Python for the fit (four numbers a customer); the rest stays on the engine.
    """
    choice = choose_lifetime(engine, as_of, events=events)
    rfm = _columns(engine.arrow(RFM_SQL.format(events=events), {"as_of": as_of}))
    n = len(rfm["cust"])
    by_model = choice.published == MODEL
    scores = _scores(rfm) if n and by_model else None
    if scores is None and by_model:
        by_model, choice = False, replace(choice, published=RULE,
                                          reason="the models, though they came closer out of time, could not be "
                                                 "fitted on all purchases")
    value, alive, expected, unscored = scores or (np.full(n, np.nan),) * 3 + (np.zeros(n, dtype=bool),)
    engine.register("_lifetime_scores", pa.table({
        "cust": pa.array(rfm["cust"], pa.int64()),
        "clv_12m": np.round(np.asarray(value, dtype=float), 2),
        "p_alive": np.round(np.asarray(alive, dtype=float), 4),
        "expected_purchases_90d": np.round(np.asarray(expected, dtype=float), 3),
        "historical_value": np.round(rfm["total"], 2),
        "unscored": np.asarray(unscored, dtype=bool),
    }))
    engine.table("_lifetime_rules", f"""
        SELECT r.cust, r.rule_value, r.rule_days, {rounded('a.rule_active', 4)} AS rule_active
        FROM ({RULE_SQL.format(events=events)}) r LEFT JOIN ({ACTIVE_SQL.format(events=events)}) a USING (cust)
    """, {"as_of": as_of})
    newcomer = engine.arrow(NEWCOMER_VALUE_SQL.format(events=events), {"as_of": as_of}).column(0)[0].as_py() or 0.0
    clv = "coalesce(nullif(s.clv_12m, 'NaN'::DOUBLE), 0)" if by_model else "coalesce(u.rule_value, 0)"
    alive, expected = ("nullif(s.p_alive, 'NaN'::DOUBLE)", "nullif(s.expected_purchases_90d, 'NaN'::DOUBLE)") \
        if by_model else ("u.rule_active", "CAST(coalesce(u.rule_days, 0) AS DOUBLE)")
    engine.table("_lifetime", f"""
        WITH scored AS (
          SELECT c.cust,
                 CASE WHEN s.cust IS NULL THEN {rounded('$newcomer', 2)} ELSE {clv} END AS clv_12m,
                 CASE WHEN s.cust IS NOT NULL THEN {alive} END AS p_alive,
                 CASE WHEN s.cust IS NOT NULL THEN {expected} END AS expected_purchases_90d,
                 coalesce(s.historical_value, 0) AS historical_value,
                 s.cust IS NULL{' OR s.unscored' if by_model else ''} AS clv_fallback
          FROM _customer_index c LEFT JOIN _lifetime_scores s USING (cust) LEFT JOIN _lifetime_rules u USING (cust)
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
    engine.drop("_lifetime_rules")
    return choice


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


# A rule's value is explained by the purchases it reads.
LAST_90_DAYS = Evidence(f"event_type = 'purchase' AND days_ago <= {HORIZON}", "purchases in the last 90 days")


def lost_on(choice: LifetimeChoice) -> str:
    """What the models did not come closer in, in words ("shopping days", "spend", "shopping days or spend")."""
    lost = [words for words, model, rule in (("shopping days", choice.days_mae, choice.days_mae_rule),
                                             ("spend", choice.value_mae, choice.value_mae_rule))
            if model is not None and rule is not None and model >= rule]
    return " or ".join(lost) or "shopping days and spend"


# Where a rule's description says why it was published; the Customer page shows only what comes before.
WHY = " Published because "


def _why(choice: LifetimeChoice) -> str:
    return choice.reason or (f"out of time (the 90 days to {choice.judged_until}) the models did not come closer "
                             f"than the rules in {lost_on(choice)}")


def lifetime_genes(choice: LifetimeChoice | None) -> dict[str, Gene]:
    """The lifetime-value genes a build published, by name: the rules' own descriptions where the rules won."""
    if choice is None or choice.published == MODEL:
        return {}
    why = f"{WHY}{_why(choice)}."
    return {
        "clv_12m": Gene(
            name="clv_12m", family=FAMILY, description="Expected value of the customer's purchases over the next 12 "
            f"months: four times their spend in the last 90 days.{why}", type="number", expression="4 * spend_90d",
            unit="USD", source="events", sensitivity="financial", evidence=LAST_90_DAYS),
        "clv_fallback": Gene(
            name="clv_fallback", family=FAMILY, description="The expected 12-month value is an estimate for a "
            "customer without a purchase yet (what comparable newcomers spent in their first year).", type="flag",
            expression="customer without a purchase", source="events"),
        "p_alive": Gene(
            name="p_alive", family=FAMILY, description="Chance the customer is still active: of the customers who, "
            "90 days earlier, had last shopped as long before and on as many days in the year before, the share who "
            f"shopped again within those 90 days (unknown where no customer had shopped by then).{why}", type="number",
            expression="share who came back, by days since last purchase and shopping days in a year",
            unit="probability", source="events"),
        "expected_purchases_90d": Gene(
            name="expected_purchases_90d", family=FAMILY, description="Expected purchase days in the next 90 days: "
            f"the customer's shopping days in the last 90.{why}", type="number",
            expression="count(DISTINCT shopping day) in the last 90 days", unit="purchases", source="events",
            evidence=LAST_90_DAYS),
    }
