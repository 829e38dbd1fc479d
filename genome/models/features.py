"""Model features: genome-style genes computed as of a cut-off, and what happened after it.

Models learn from the past and are judged on the future, so every feature is
computed from events strictly before the cut-off (the same definitions as the
genome's recency, frequency, value, discount, channel, engagement and habit
genes), and every outcome from events in a window that starts at the cut-off.
Moving the cut-off back in time gives training and evaluation sets that never
see their own future.

Grain: `customer_features` — one row per customer_id with at least one event
before the cut-off; `category_counts` — one row per such customer, one column
per category; `outcomes` — one row per customer_id with an event in the window.
"""

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from genome.genes.build import COUPON_SQL, DISCOUNT_SQL, events_relation, local_zone_of
from genome.genes.definition import sql_literal
from genome.today import built_today, genome_today

# The events relation (till lines take their product's category) and the local time are filled in per store.
EVENTS, LOCAL = "__EVENTS__", "__LOCAL__"
# Parts of the day in which a customer is reached online (hours in the store's zone).
DAY_PARTS = ("night", "morning", "afternoon", "evening")
DAY_PART_SQL = (f"CASE WHEN hour({LOCAL}) < 6 OR hour({LOCAL}) >= 22 THEN 'night' "
                f"WHEN hour({LOCAL}) < 12 THEN 'morning' WHEN hour({LOCAL}) < 17 THEN 'afternoon' "
                "ELSE 'evening' END")
_AMOUNT = "coalesce(try_cast(json_extract_string(e.attributes, '$.{}') AS DOUBLE), 0)"
PURCHASE_CHANNELS = ("store", "web", "app", "wholesale")
# Events a customer chooses to make online: when they happen says when the customer is reachable.
ONLINE = "('view', 'search', 'cart', 'email_open', 'email_click', 'post', 'review')"
# Counts of one kind of event in a recent window: feature -> (event type, days).
EVENT_COUNTS = {
    "returns_365d": ("return", 365), "views_30d": ("view", 30), "views_90d": ("view", 90),
    "carts_30d": ("cart", 30), "searches_30d": ("search", 30), "store_visits_90d": ("store_visit", 90),
    "email_opens_90d": ("email_open", 90), "email_clicks_90d": ("email_click", 90),
    "tickets_365d": ("ticket", 365), "posts_365d": ("post", 365), "reviews_365d": ("review", 365),
}

EVENT_ROWS_SQL = f"""
SELECT i.customer_id, e.event_type, e.channel, e.category, e.product_id, e.amount, e.occurred_at,
       CAST(e.occurred_at AS DATE) AS day,
       date_diff('day', e.occurred_at, $cutoff) AS days_ago,
       {DAY_PART_SQL} AS day_part,
       CASE WHEN e.event_type = 'purchase' THEN {DISCOUNT_SQL} END AS discount,
       CASE WHEN e.event_type = 'purchase' THEN {COUPON_SQL} END AS coupon,
       CASE WHEN e.event_type = 'purchase' THEN {_AMOUNT.format('discount_amount')} END AS discount_amount
FROM {EVENTS} e JOIN identifiers i ON i.identifier = e.anchor
"""

# Aggregates in CASE form and distinct days from a per-day pass: DuckDB runs both several
# times faster than FILTER clauses and count(DISTINCT ...) over every event.
FEATURES_SQL = f"""
WITH ev AS ({EVENT_ROWS_SQL} WHERE e.occurred_at < $cutoff /* only */),
per_day AS (
  SELECT customer_id, min(days_ago) AS days_ago, bool_or(event_type = 'purchase') AS bought
  FROM ev GROUP BY customer_id, day),
gaps AS (  -- days between one shopping day and the next: a grocery shopper's rhythm
  SELECT customer_id, lag(days_ago) OVER (PARTITION BY customer_id ORDER BY days_ago DESC) - days_ago AS gap
  FROM per_day WHERE bought),
rhythm AS (
  SELECT customer_id, coalesce(stddev_samp(gap), 0) AS gap_std_days, coalesce(max(gap), 0) AS gap_max_days
  FROM gaps WHERE gap IS NOT NULL GROUP BY customer_id),
ranked AS (
  SELECT customer_id, days_ago, row_number() OVER (PARTITION BY customer_id ORDER BY days_ago) AS k
  FROM per_day WHERE bought),
recent AS (  -- when the last few shopping days were, and in how many weeks of the last quarters: regularity
  SELECT customer_id,
    {", ".join(f"max(CASE WHEN k = {k} THEN days_ago END) AS days_since_{k}{suffix}_last_purchase"
               for k, suffix in ((2, "nd"), (3, "rd"), (5, "th")))},
    count(DISTINCT CASE WHEN days_ago < 91 THEN days_ago // 7 END) AS purchase_weeks_13w,
    count(DISTINCT CASE WHEN days_ago < 182 THEN days_ago // 7 END) AS purchase_weeks_26w,
    count(DISTINCT CASE WHEN days_ago >= 91 AND days_ago < 182 THEN days_ago // 7 END) AS purchase_weeks_prev_13w
  FROM ranked GROUP BY customer_id),
days AS (
  SELECT customer_id,
    count(CASE WHEN bought THEN 1 END) AS purchase_days,
    {", ".join(f"count(CASE WHEN bought AND days_ago < {d} THEN 1 END) AS purchase_days_{d}d"
               for d in (7, 14, 30, 90, 180, 365))},
    count(CASE WHEN days_ago < 30 THEN 1 END) AS active_days_30d,
    count(CASE WHEN days_ago < 90 THEN 1 END) AS active_days_90d
  FROM per_day GROUP BY customer_id),
totals AS (
  SELECT customer_id,
    max(days_ago) AS tenure_days,
    min(days_ago) AS days_since_last_event,
    coalesce(min(CASE WHEN event_type = 'purchase' THEN days_ago END), max(days_ago) + 1)
      AS days_since_last_purchase,
    coalesce(sum(CASE WHEN event_type = 'purchase' THEN amount END), 0) AS spend_total,
    coalesce(sum(CASE WHEN event_type = 'purchase' AND days_ago < 30 THEN amount END), 0) AS spend_30d,
    coalesce(sum(CASE WHEN event_type = 'purchase' AND days_ago < 90 THEN amount END), 0) AS spend_90d,
    coalesce(sum(CASE WHEN event_type = 'purchase' AND days_ago >= 90 AND days_ago < 180 THEN amount END), 0)
      AS spend_prev_90d,
    coalesce(sum(discount_amount) / nullif(sum(CASE WHEN event_type = 'purchase' THEN amount END)
                                           + sum(discount_amount), 0), 0) AS discount_amount_share,
    count(CASE WHEN event_type = 'purchase' THEN 1 END) AS purchase_lines,
    approx_count_distinct(CASE WHEN event_type = 'purchase' THEN product_id END) AS distinct_products,
    approx_count_distinct(CASE WHEN event_type = 'purchase' THEN category END) AS distinct_categories,
    count(CASE WHEN event_type = 'coupon_redemption' THEN 1 END) AS coupon_redemptions,
    count(CASE WHEN event_type = 'coupon_redemption' AND days_ago < 90 THEN 1 END) AS coupon_redemptions_90d,
    coalesce(min(CASE WHEN event_type = 'coupon_redemption' THEN days_ago END), 9999) AS days_since_redemption,
    count(CASE WHEN event_type = 'campaign_receipt' THEN 1 END) AS campaign_receipts,
    count(CASE WHEN event_type = 'campaign_receipt' AND days_ago < 90 THEN 1 END) AS campaign_receipts_90d,
    coalesce(sum(CASE WHEN event_type = 'purchase' AND days_ago < 365 THEN amount END), 0) AS spend_365d,
    coalesce(avg(CASE WHEN event_type = 'purchase' THEN amount END), 0) AS mean_line_value,
    coalesce(avg(CAST(discount AS DOUBLE)), 0) AS discount_share,
    coalesce(avg(CASE WHEN days_ago < 180 THEN CAST(discount AS DOUBLE) END), 0) AS discount_share_180d,
    coalesce(avg(CAST(coupon AS DOUBLE)), 0) AS coupon_share,
    {", ".join(f"count(CASE WHEN event_type = '{kind}' AND days_ago < {d} THEN 1 END) AS {name}"
               for name, (kind, d) in EVENT_COUNTS.items())},
    {", ".join(f"coalesce(avg(CASE WHEN event_type = 'purchase' THEN CAST(channel = '{c}' AS DOUBLE) END), 0) "
               f"AS purchase_share_{c}" for c in PURCHASE_CHANNELS)},
    {", ".join(f"coalesce(avg(CASE WHEN event_type IN {ONLINE} THEN CAST(day_part = '{p}' AS DOUBLE) END), 0) "
               f"AS online_share_{p}" for p in DAY_PARTS)},
    count(CASE WHEN event_type IN {ONLINE} THEN 1 END) AS online_events
  FROM ev GROUP BY customer_id)
SELECT * FROM totals JOIN days USING (customer_id) LEFT JOIN rhythm USING (customer_id)
LEFT JOIN recent USING (customer_id) ORDER BY customer_id
"""

CATEGORY_COUNTS_SQL = f"""
WITH ev AS ({EVENT_ROWS_SQL} WHERE e.occurred_at < $cutoff AND e.category IS NOT NULL
                        AND e.event_type IN ('purchase', 'view', 'cart'))
SELECT customer_id, category,
       count(*) FILTER (WHERE event_type = 'purchase') AS purchases,
       count(*) FILTER (WHERE event_type = 'purchase' AND days_ago < 90) AS purchases_90d,
       count(*) FILTER (WHERE event_type = 'purchase' AND days_ago < 30) AS purchases_30d,
       count(*) FILTER (WHERE event_type <> 'purchase' AND days_ago < 90) AS interest_90d,
       count(DISTINCT day) FILTER (WHERE event_type = 'purchase') AS days_bought,
       -- 1 when bought today, falling with the days since; 0 when never bought
       coalesce(1.0 / (1 + min(days_ago) FILTER (WHERE event_type = 'purchase')), 0) AS recency
FROM ev GROUP BY ALL
"""
# Per-category values as columns "<value>:<category>" (`category_counts`).
CATEGORY_VALUES = ("purchases", "purchases_90d", "purchases_30d", "interest_90d", "days_bought", "recency")

# Ties are broken by name so the same events always give the same label.
OUTCOMES_SQL = f"""
WITH ev AS ({EVENT_ROWS_SQL} WHERE e.occurred_at >= $cutoff AND e.occurred_at < $until),
per_channel AS (
  SELECT customer_id, arg_max(channel, (n, channel)) AS top_channel
  FROM (SELECT customer_id, channel, count(*) AS n FROM ev WHERE event_type = 'purchase' GROUP BY ALL)
  GROUP BY customer_id),
per_category AS (
  SELECT customer_id, arg_max(category, (n, category)) AS top_category
  FROM (SELECT customer_id, category, count(*) AS n FROM ev
        WHERE event_type = 'purchase' AND category IS NOT NULL GROUP BY ALL)
  GROUP BY customer_id),
per_part AS (
  SELECT customer_id, arg_max(day_part, (n, day_part)) AS top_day_part
  FROM (SELECT customer_id, day_part, count(*) AS n FROM ev WHERE event_type IN {ONLINE} GROUP BY ALL)
  GROUP BY customer_id),
totals AS (
  SELECT customer_id,
         count(DISTINCT day) FILTER (WHERE event_type = 'purchase') AS purchase_days,
         count(*) FILTER (WHERE event_type = 'purchase') AS purchase_lines,
         count(*) FILTER (WHERE event_type = 'purchase' AND discount) AS discount_lines,
         count(*) FILTER (WHERE event_type = 'coupon_redemption') AS coupon_redemptions,
         count(*) FILTER (WHERE event_type = 'campaign_receipt') AS campaign_receipts,
         coalesce(sum(amount) FILTER (WHERE event_type = 'purchase'), 0) AS spend
  FROM ev GROUP BY customer_id)
SELECT * FROM totals
LEFT JOIN per_channel USING (customer_id) LEFT JOIN per_category USING (customer_id)
LEFT JOIN per_part USING (customer_id)
ORDER BY customer_id
"""

# A till line with nothing bought and nothing paid (a coupon or markdown line on a placeholder product) is not a
# purchase of its product: recommending it, or counting it as a hit, would be noise.
PURCHASED_PRODUCTS_SQL = f"""
WITH ev AS ({EVENT_ROWS_SQL} WHERE e.occurred_at >= $since AND e.occurred_at < $until
                        AND e.event_type = 'purchase' AND e.product_id IS NOT NULL
                        AND NOT (e.quantity = 0 AND coalesce(e.amount, 0) = 0))
SELECT customer_id, product_id, count(*) AS lines, max(occurred_at) AS last_bought, min(occurred_at) AS first_bought
FROM ev GROUP BY ALL
ORDER BY customer_id, product_id  -- the recommenders sample rows: the same store gives the same model every time
"""


def store_as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    """The moment models predict from: the genome's today as built, else the latest activity (`genome.today`)."""
    return genome_today(con, built_today(con))


def scoring_cutoff(as_of: datetime) -> datetime:
    """Features for scoring include every event: the cut-off is just after the latest one."""
    return as_of + timedelta(seconds=1)


def for_store(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """`sql` over this store's events as genes read them, with hours in its local zone."""
    zone = local_zone_of(con)
    local = "e.occurred_at" if zone == "UTC" else f"timezone({sql_literal(zone)}, timezone('UTC', e.occurred_at))"
    return sql.replace(EVENTS, events_relation(con)).replace(LOCAL, local)


# customer_features for some customers only: their events alone are read (a campaign's recipients at its send)
_ONLY = "/* only */"
_ONLY_SOME = "AND i.customer_id IN (SELECT customer_id FROM _feature_customers)"


def customer_features(con: duckdb.DuckDBPyConnection, cutoff: datetime, *,
                      customers: pd.Index | None = None) -> pd.DataFrame:
    """Numeric features per customer known before `cutoff`, indexed by customer_id; of `customers` only, when
    given (those without an event before the cut-off have no row)."""
    if customers is None:
        frame = con.execute(for_store(con, FEATURES_SQL), {"cutoff": cutoff}).df()
    else:
        cursor = con.cursor()
        try:
            cursor.register("_feature_customers", pa.table({"customer_id": pa.array(
                [str(c) for c in customers], pa.string())}))
            frame = cursor.execute(for_store(cursor, FEATURES_SQL.replace(_ONLY, _ONLY_SOME)),
                                   {"cutoff": cutoff}).df()
        finally:
            cursor.close()
    # in customer order: the query's rows come in whatever order its threads finish, and boosted trees fitted on
    # the same rows in another order differed in the third decimal of their ROC AUC from one fit to the next
    frame = frame.set_index("customer_id").sort_index()
    frame = frame.fillna({"gap_std_days": 0, "gap_max_days": 0, "purchase_weeks_13w": 0, "purchase_weeks_26w": 0,
                          "purchase_weeks_prev_13w": 0})
    for k in ("2nd", "3rd", "5th"):  # fewer shopping days than that: as long ago as the customer's history
        frame[f"days_since_{k}_last_purchase"] = frame[f"days_since_{k}_last_purchase"].fillna(frame["tenure_days"] + 1)
    frame["mean_gap_days"] = np.where(frame["purchase_days"] > 1,
                                      (frame["tenure_days"] - frame["days_since_last_purchase"])
                                      / np.maximum(frame["purchase_days"] - 1, 1), frame["tenure_days"])
    # how late the next shopping day is against the customer's own rhythm (1 = due today)
    frame["overdue_ratio"] = frame["days_since_last_purchase"] / np.maximum(frame["mean_gap_days"], 1)
    frame["gap_regularity"] = frame["gap_std_days"] / np.maximum(frame["mean_gap_days"], 1)
    # the last 90 days against the 90 before: rising or fading
    frame["spend_trend_90d"] = (frame["spend_90d"] - frame["spend_prev_90d"]) / \
        np.maximum(frame["spend_90d"] + frame["spend_prev_90d"], 1)
    frame["basket_trend_90d"] = (2 * frame["purchase_days_90d"] - frame["purchase_days_180d"]) / \
        np.maximum(frame["purchase_days_180d"], 1)
    frame["purchase_days_30_90d"] = frame["purchase_days_90d"] - frame["purchase_days_30d"]
    frame["spend_per_day"] = frame["spend_total"] / np.maximum(frame["purchase_days"], 1)
    frame["redemptions_per_campaign"] = frame["coupon_redemptions"] / np.maximum(frame["campaign_receipts"], 1)
    # Sums of money come out of parallel aggregation in whatever order the threads add them, so their last bits
    # differ from one query to the next, and now and then a tree split with them: rounded to a millionth, the same
    # store gives the same features and the same fit every time.
    return frame.astype("float64").round(6)


def category_counts(con: duckdb.DuckDBPyConnection, cutoff: datetime, customers: pd.Index,
                    categories: list[str]) -> pd.DataFrame:
    """Purchases (all time, last 90 and 30 days), browsing interest, shopping days with the category and how
    recently it was bought, per category: one column each."""
    long = con.execute(for_store(con, CATEGORY_COUNTS_SQL), {"cutoff": cutoff}).df()
    parts = []
    for value in CATEGORY_VALUES:
        wide = long.pivot_table(index="customer_id", columns="category", values=value, aggfunc="sum", fill_value=0)
        wide = wide.reindex(index=customers, columns=categories, fill_value=0).fillna(0)
        wide.columns = [f"{value}:{c}" for c in categories]
        parts.append(wide)
    return pd.concat(parts, axis=1).astype("float64")


def outcomes(con: duckdb.DuckDBPyConnection, cutoff: datetime, days: int) -> pd.DataFrame:
    """What each customer did in the `days` from `cutoff`: purchases, discount lines, top channel, category, part."""
    return con.execute(for_store(con, OUTCOMES_SQL), {"cutoff": cutoff, "until": cutoff + timedelta(days=days)}
                       ).df().set_index("customer_id")


def purchased_products(con: duckdb.DuckDBPyConnection, since: datetime | None, until: datetime) -> pd.DataFrame:
    """One row per customer and product bought in [since, until): lines, when first and last bought."""
    since = since or datetime(1900, 1, 1)
    return con.execute(for_store(con, PURCHASED_PRODUCTS_SQL), {"since": since, "until": until, "cutoff": until}).df()


def purchase_categories(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        f"SELECT DISTINCT category FROM {events_relation(con)} WHERE event_type = 'purchase' "
        "AND category IS NOT NULL ORDER BY 1").fetchall()]
