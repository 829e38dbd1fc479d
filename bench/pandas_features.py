"""The model features computed with pandas group-bys: the baseline the model benchmarks measure against.

Mirrors `genome.models.features.FEATURES_SQL` column for column; the
benchmarks check the two agree before they print a figure.
"""

import numpy as np
import pandas as pd
import pyarrow as pa

from genome.models.features import DAY_PARTS, EVENT_COUNTS, EVENT_ROWS_SQL, ONLINE, PURCHASE_CHANNELS

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
