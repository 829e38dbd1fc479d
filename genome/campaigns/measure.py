"""Measuring a campaign from the store's events: who was treated, who was held out, and what each did after.

A campaign is whatever the events say it is: `campaign_receipt` events mark
its treated recipients and `campaign_holdout` events its control group, each
with `attributes.campaign_id` (and `holdout_share`, `variant` when known), so
campaigns sent by this product and campaigns loaded from elsewhere are
measured alike. A recipient's window starts at their receipt or hold-out and
lasts `window_days`; the 90 days before it give the pre-period spend CUPED
uses. A customer found in both groups of one campaign is left out (counted).

Grain of `recipient_outcomes`: one row per recipient (customer_id).
"""

from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from genome.campaigns.stats import Lift, cuped, lift, sample_ratio_p
from genome.errors import InputError

GOALS = {"purchase": "buying anything", "revenue": "revenue per recipient",
         "coupon_redemption": "redeeming the campaign's coupon", "click": "clicking in the campaign's e-mail"}
PRE_DAYS = 90

# The events are read once and their identifiers resolved to customers once: the campaign's receipts and
# hold-outs, and in the time span its windows cover (pre-period included), the purchases and returns, and the
# coupon redemptions and clicks that name it. Resolving each part on its own (three joins with `identifiers`)
# made this take 2.5 s for a million recipients; one join over all of them, a third less.
# Money is summed as decimals (to a millionth, amounts up to 10^12): sums of doubles depend on the order DuckDB's
# threads meet the rows, so one campaign measured twice could differ in the last digit.
OUTCOMES_SQL = """
WITH marked AS (
    SELECT anchor, occurred_at, event_type, json_extract_string(attributes, '$.variant') AS variant,
           try_cast(json_extract_string(attributes, '$.holdout_share') AS DOUBLE) AS holdout_share
    FROM events
    WHERE event_type IN ('campaign_receipt', 'campaign_holdout')
      AND json_extract_string(attributes, '$.campaign_id') = $campaign),
span AS (SELECT min(occurred_at) AS first_send, max(occurred_at) AS last_send FROM marked),
found AS (
    SELECT anchor, occurred_at, event_type, variant, holdout_share, NULL::DECIMAL(18, 6) AS amount FROM marked
    UNION ALL
    SELECT e.anchor, e.occurred_at, e.event_type, NULL, NULL, e.amount::DECIMAL(18, 6) FROM events e, span
    WHERE e.event_type IN ('purchase', 'return')
      AND e.occurred_at >= first_send - to_days($pre_days) AND e.occurred_at < last_send + to_days($window)
    UNION ALL
    SELECT e.anchor, e.occurred_at, e.event_type, NULL, NULL, NULL FROM events e, span
    WHERE e.event_type IN ('coupon_redemption', 'email_click')
      AND e.occurred_at >= first_send AND e.occurred_at < last_send + to_days($window)
      AND json_extract_string(e.attributes, '$.campaign_id') = $campaign),
resolved AS MATERIALIZED (
    SELECT i.customer_id, f.occurred_at, f.event_type, f.variant, f.holdout_share, f.amount
    FROM found f JOIN identifiers i ON i.identifier = f.anchor),
sends AS (
    SELECT customer_id, min(occurred_at) AS sent_at,
           bool_or(event_type = 'campaign_receipt') AS got, bool_or(event_type = 'campaign_holdout') AS held,
           any_value(variant) AS variant, any_value(holdout_share) AS holdout_share
    FROM resolved WHERE event_type IN ('campaign_receipt', 'campaign_holdout')
    GROUP BY customer_id),
responses AS (
    SELECT s.customer_id,
           count(*) FILTER (WHERE e.event_type = 'purchase' AND e.occurred_at >= s.sent_at) AS purchases,
           coalesce(sum(e.amount) FILTER (WHERE e.event_type = 'purchase' AND e.occurred_at >= s.sent_at), 0)
             - coalesce(sum(e.amount) FILTER (WHERE e.event_type = 'return' AND e.occurred_at >= s.sent_at), 0)
             AS revenue,
           count(*) FILTER (WHERE e.event_type = 'coupon_redemption' AND e.occurred_at >= s.sent_at) AS redemptions,
           count(*) FILTER (WHERE e.event_type = 'email_click' AND e.occurred_at >= s.sent_at) AS clicks,
           coalesce(sum(e.amount) FILTER (WHERE e.event_type = 'purchase' AND e.occurred_at < s.sent_at), 0)
             AS pre_spend,
           -- whole days since the send (not calendar days crossed: 13.5 days after a 09:00 send is day 13)
           min(floor(epoch(e.occurred_at - s.sent_at) / 86400))
             FILTER (WHERE e.event_type = 'purchase' AND e.occurred_at >= s.sent_at) AS first_purchase_day
    FROM sends s
    JOIN resolved e
      ON e.customer_id = s.customer_id
     AND e.occurred_at >= s.sent_at - to_days($pre_days)
     AND e.occurred_at < s.sent_at + to_days($window)
     AND e.event_type IN ('purchase', 'return', 'coupon_redemption', 'email_click')
    GROUP BY s.customer_id)
SELECT s.customer_id, s.got AND NOT s.held AS treated, s.got AND s.held AS both, s.variant, s.holdout_share,
       s.sent_at, coalesce(r.purchases, 0) AS purchases, coalesce(r.revenue, 0)::DOUBLE AS revenue,
       coalesce(r.redemptions, 0) AS redemptions, coalesce(r.clicks, 0) AS clicks,
       coalesce(r.pre_spend, 0)::DOUBLE AS pre_spend, r.first_purchase_day
FROM sends s LEFT JOIN responses r USING (customer_id)
ORDER BY s.customer_id
"""


_FOUND = """
SELECT json_extract_string(attributes, '$.campaign_id') AS campaign, min(occurred_at) AS first_send,
       count(*) FILTER (WHERE event_type = 'campaign_receipt') AS receipts,
       count(*) FILTER (WHERE event_type = 'campaign_holdout') AS holdouts
FROM events
WHERE event_type IN ('campaign_receipt', 'campaign_holdout') AND json_extract_string(attributes, '$.campaign_id') <> ''
GROUP BY 1 ORDER BY 2 DESC, 1
"""


def campaigns_found(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every campaign the events name: its first send, receipts and hold-outs (grain: one row per campaign)."""
    return [{"campaign": c, "first_send": f, "receipts": r, "holdouts": h}
            for c, f, r, h in con.execute(_FOUND).fetchall()]


def recipient_outcomes(con: duckdb.DuckDBPyConnection, campaign_id: str, *, window_days: int) -> pa.Table:
    """One row per recipient of `campaign_id`: group, variant, and what they did in the window and before it."""
    if window_days < 1:
        raise InputError(f"an attribution window is at least 1 day; got {window_days}")
    cursor = con.cursor()
    try:
        return cursor.sql(OUTCOMES_SQL, params={"campaign": campaign_id, "window": int(window_days),
                                             "pre_days": PRE_DAYS}).to_arrow_table()
    finally:
        cursor.close()


@dataclass(frozen=True)
class Group:
    recipients: int
    responders: int  # bought anything in the window
    revenue: float
    redemptions: int
    clickers: int

    @property
    def response_rate(self) -> float:
        return self.responders / self.recipients if self.recipients else 0.0

    @property
    def revenue_per_recipient(self) -> float:
        return self.revenue / self.recipients if self.recipients else 0.0


@dataclass(frozen=True)
class Measurement:
    """A campaign's results: per group, lifts (plain and CUPED) per outcome, the sample-ratio check."""

    campaign_id: str
    window_days: int
    sent_from: object  # the first and last send in the events
    sent_to: object
    treated: Group
    control: Group
    in_both_groups: int
    holdout_share: float | None  # planned, from the events; None when they do not say
    lifts: dict[str, Lift]  # outcome -> plain lift
    cuped_lifts: dict[str, Lift]  # outcome -> CUPED lift (pre-period spend)
    sample_ratio_p: float | None
    daily: dict[str, list[float]]  # group -> cumulative share who bought, by day of the window
    variants: dict[str, dict] = field(default_factory=dict)  # variant -> its group and its lift on each outcome
    revenue_cap: float | None = None  # revenue per recipient above this size was capped to it for the lifts
    revenue_capped: int = 0  # recipients whose revenue was capped

    @property
    def measurable(self) -> bool:
        return self.treated.recipients >= 2 and self.control.recipients >= 2


OUTCOMES = ("purchase", "revenue", "coupon_redemption", "click")


# Revenue per recipient is heavy-tailed: one wholesale order can outweigh a campaign's whole effect and swing its
# lift either way. As GrowthBook's percentile capping does, revenue (and the pre-period spend CUPED uses) is capped
# in size at the 99th percentile of the campaign's recipients before lifts are computed; the cap is reported.
CAP_PERCENTILE = 0.99


def capped(values: np.ndarray, *, at: float = CAP_PERCENTILE) -> tuple[np.ndarray, float]:
    """`values` with sizes above their `at` quantile brought down to it (refunds, negative, likewise), and the cap."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return values, 0.0
    cap = float(np.quantile(np.abs(values), at))
    return np.sign(values) * np.minimum(np.abs(values), cap), cap


def _outcome_arrays(rows: dict[str, np.ndarray], revenue: np.ndarray) -> dict[str, np.ndarray]:
    return {"purchase": (rows["purchases"] > 0).astype(float), "revenue": revenue,
            "coupon_redemption": (rows["redemptions"] > 0).astype(float), "click": (rows["clicks"] > 0).astype(float)}


def _group(rows: dict[str, np.ndarray], part: slice) -> Group:
    return Group(part.stop - part.start, int(np.count_nonzero(rows["purchases"][part])),
                 float(rows["revenue"][part].sum()), int(np.count_nonzero(rows["redemptions"][part])),
                 int(np.count_nonzero(rows["clicks"][part])))


def _cumulative_share(first_day: np.ndarray, window_days: int) -> list[float]:
    """Share of a group who had bought by the end of each day of the window (first purchase day, NaN: none)."""
    if first_day.size == 0:
        return [0.0] * window_days
    days = first_day[~np.isnan(first_day)].astype(np.int64)  # 0 .. window_days - 1 by the query's window
    bought = np.cumsum(np.bincount(days, minlength=window_days)[:window_days])
    return [float(n / first_day.size) for n in bought]


def measure(con: duckdb.DuckDBPyConnection, campaign_id: str, *, window_days: int = 14,
            outcomes: pa.Table | None = None) -> Measurement:
    """The campaign's results as its events tell them (or as `outcomes`, its `recipient_outcomes` when the caller
    has them already); lifts only when both groups have at least two people."""
    table = recipient_outcomes(con, campaign_id, window_days=window_days) if outcomes is None else outcomes
    if table.num_rows == 0:
        raise InputError(f"no campaign {campaign_id!r} in the store: no receipt or hold-out event names it")
    both = np.asarray(table.column("both").to_numpy(zero_copy_only=False), bool)
    keep = ~both
    # variants as small integer codes: a million recipients' variant names as Python strings took a tenth of a
    # second to make and as long again to compare
    encoded = pc.dictionary_encode(table.column("variant")).combine_chunks()
    variant_codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)[keep]
    variant_names = encoded.dictionary.to_pylist()
    treated = np.asarray(table.column("treated").to_numpy(zero_copy_only=False), bool)[keep]
    # recipients in one order, control first and then the treated variant by variant, so that every group below is
    # a slice of the arrays and not a copy: picking groups out by masks took a third of a second for a million
    group_key = np.where(treated, variant_codes.astype(np.int64) + 2, 0)
    order = np.argsort(group_key, kind="stable")
    group_key, pick = group_key[order], np.flatnonzero(keep)[order]
    rows = {name: table.column(name).to_numpy(zero_copy_only=False)[pick]
            for name in ("purchases", "revenue", "redemptions", "clicks", "pre_spend", "first_purchase_day")}
    n_control = int(np.searchsorted(group_key, 1))
    n_treated = group_key.size - n_control
    control, treated_part = slice(0, n_control), slice(n_control, group_key.size)
    revenue, cap = capped(rows["revenue"])
    outcomes = _outcome_arrays(rows, revenue)
    pre = capped(rows["pre_spend"])[0]
    lifts, adjusted = {}, {}
    if n_control >= 2 and n_treated >= 2:
        for name, y in outcomes.items():
            lifts[name] = lift(y[treated_part], y[control])
            z = cuped(y, pre)
            adjusted[name] = lift(z[treated_part], z[control], relative_to=float(y[control].mean()))
    # arrow and numpy throughout: a million recipients as Python objects took seconds
    shares = pc.drop_null(table.column("holdout_share")).to_numpy()
    share = float(np.median(shares)) if shares.size else None
    srm = sample_ratio_p(n_treated, n_control, share) if share else None
    first = np.asarray(rows["first_purchase_day"], dtype=float)  # no purchase in the window: NaN
    daily = {group: _cumulative_share(first[part], window_days)
             for group, part in (("treated", treated_part), ("control", control))}
    variants = {}
    for code in np.unique(variant_codes[treated & (variant_codes >= 0)]):
        if not variant_names[code]:
            continue
        part = slice(*(int(i) for i in np.searchsorted(group_key, [code + 2, code + 3])))
        variants[variant_names[code]] = {
            "group": _group(rows, part),
            "lifts": {name: lift(y[part], y[control]) for name, y in outcomes.items()}
            if part.stop - part.start >= 2 and n_control >= 2 else {}}
    variants = dict(sorted(variants.items()))
    sent = pc.min_max(table.column("sent_at"))
    return Measurement(campaign_id, window_days, sent["min"].as_py(), sent["max"].as_py(),
                       _group(rows, treated_part), _group(rows, control), int(both.sum()), share, lifts, adjusted, srm,
                       daily, variants, cap, int((np.abs(rows["revenue"].astype(float)) > cap).sum()))
