"""Past campaigns for the demo, each with a known true effect: the ground truth the campaign reports are checked on.

Part of the synthetic generator, run on a demo store after its customers are
resolved. Each campaign e-mails a random audience on a day in the last months
of the data, holds out a share of it at random, and gives treated recipients
a chance (the campaign's own, sometimes zero) of one extra purchase in the
next 14 days, sometimes with the campaign's coupon. That chance differs by
customer, as it does in life: customers who have not bought for two months
respond most, customers who bought in the last fortnight (who would have
bought anyway) least, so there is an uplift for a model to learn. It writes what a retailer
would have: receipts, hold-outs, clicks, redemptions and the extra purchases,
as one more event source; and, apart, the truth: the campaign's true effect
on its own recipients (the sample average effect, from both potential
outcomes of every recipient, including what other campaigns did to them).
Product code never reads the truth; tests compare the reports with it.
"""

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

WINDOW_DAYS = 14
SHARES = (0.1, 0.2, 0.3, 0.5)
NAMES = ("spring-tv", "summer-grill", "back-to-school", "autumn-boots", "black-friday", "winter-coats",
         "running-club", "new-parents", "gamer-week", "home-office", "travel-light", "kitchen-refresh")


GOALS = ("purchase", "revenue")
MESSAGE_COST = 0.05  # what the demo retailer pays per e-mail sent, in USD


@dataclass(frozen=True)
class SimulatedCampaigns:
    events: Path  # the event source file
    plans: Path  # the campaign calendar a retailer would export: one row per campaign, no effects
    truth: Path  # truth_campaigns: one row per campaign
    campaigns: list[str]


def _audience(rng, people: np.ndarray, low: int, high: int) -> np.ndarray:
    size = int(min(len(people), rng.integers(low, high + 1)))
    return np.sort(rng.choice(len(people), size=size, replace=False))


def simulate_campaigns(con: duckdb.DuckDBPyConnection, folder: Path, *, campaigns: int, seed: int,
                       sizes: tuple[int, int] = (400, 1200), max_effect: float = 0.06,
                       prefix: str = "") -> SimulatedCampaigns:
    """Simulate `campaigns` past e-mail campaigns over the store's e-mailable customers; write their events and
    their truth under `folder`. Their names start with `prefix` (a second simulation over one store needs its
    own)."""
    rng = np.random.default_rng(seed)
    people = con.execute("SELECT customer_id, min(value) FROM identifiers WHERE kind = 'email' "
                         "GROUP BY customer_id ORDER BY customer_id").fetchall()
    ids = np.array([p[0] for p in people], dtype=object)
    emails = np.array([p[1] for p in people], dtype=object)
    end = con.execute("SELECT max(occurred_at) FROM events WHERE event_type = 'purchase'").fetchone()[0]
    # the products the extra purchases are of: the same ones for the same store, whatever the scan order
    products = con.execute("SELECT DISTINCT product_id, category FROM events WHERE event_type = 'purchase' "
                           "AND product_id IS NOT NULL ORDER BY ALL LIMIT 2000").fetchall() or [(None, None)]
    plans, drawn = [], []
    for c in range(campaigns):
        name = prefix + NAMES[c % len(NAMES)] + (f"-{c // len(NAMES) + 1}" if c >= len(NAMES) else "")
        sent_at = (end - timedelta(days=int(rng.integers(WINDOW_DAYS + 1, 200)))).replace(
            hour=9, minute=0, second=0, microsecond=0) + timedelta(minutes=int(rng.integers(0, 120)))
        share = float(rng.choice(SHARES))
        effect = float(rng.uniform(0, max_effect)) if rng.random() > 0.2 else 0.0  # a fifth do nothing
        coupon = f"{name.split('-')[0].upper()[:6]}{c:03d}" if rng.random() < 0.5 else None
        who = _audience(rng, ids, *sizes)
        held = rng.random(who.size) < share
        variant = np.where(rng.random(who.size) < 0.5, "a", "b")
        plans.append({"campaign_id": name, "sent_at": sent_at, "holdout_share": share, "effect": effect,
                      "coupon": coupon, "recipients": int(who.size), "goal": GOALS[c % len(GOALS)]})
        drawn.append((who, held, variant))
    responsiveness = _responsiveness(con, plans, [ids[who] for who, _, _ in drawn])
    sends, extras = [], []
    for plan, (who, held, variant), weight in zip(plans, drawn, responsiveness, strict=True):
        name, sent_at, share = plan["campaign_id"], plan["sent_at"], plan["holdout_share"]
        # both potential outcomes: every recipient's extra purchase is drawn, only the treated ones happen; the
        # campaign's effect is its audience's average chance
        chance = np.minimum(1.0, plan["effect"] * weight / weight.mean())
        extra = rng.random(who.size) < chance
        amount = np.round(rng.lognormal(3.7, 0.6, who.size), 2) * extra
        offset = rng.uniform(0, WINDOW_DAYS, who.size)
        for k, i in enumerate(who):
            sends.append((name, ids[i], emails[i], sent_at, bool(held[k]), f"{name}-{variant[k]}", share))
            if extra[k]:
                extras.append((name, ids[i], emails[i], sent_at + timedelta(days=float(offset[k])),
                               float(amount[k]), bool(held[k])))
    sends_frame = pd.DataFrame(sends, columns=["campaign_id", "customer_id", "email", "sent_at", "held", "variant",
                                               "share"])
    extras_frame = pd.DataFrame(extras, columns=["campaign_id", "customer_id", "email", "at", "amount", "held"])
    truth = _truth(con, plans, sends_frame, extras_frame)
    events = _events(rng, plans, sends_frame, extras_frame, products)
    (folder / "events" / "campaigns").mkdir(parents=True, exist_ok=True)
    (folder / "truth").mkdir(parents=True, exist_ok=True)
    events_path = folder / "events" / "campaigns" / "part-0000.parquet"
    truth_path = folder / "truth" / "truth_campaigns.parquet"
    plans_path = folder / "campaigns.csv"
    pq.write_table(events, events_path)
    pq.write_table(pa.Table.from_pandas(truth, preserve_index=False), truth_path)
    pd.DataFrame([{"name": p["campaign_id"], "goal": p["goal"], "channel": "email",
                   "sent_on": p["sent_at"].date().isoformat(), "holdout_share": p["holdout_share"],
                   "window_days": WINDOW_DAYS, "message_cost": MESSAGE_COST} for p in plans]
                 ).to_csv(plans_path, index=False)
    return SimulatedCampaigns(events_path, plans_path, truth_path, [p["campaign_id"] for p in plans])


# how strongly a recipient responds, by days since their last purchase before the send: lapsed customers are the
# persuadable ones, recent buyers would mostly have bought anyway
LAPSED_DAYS, RECENT_DAYS = 60, 14
RESPONSIVENESS = {"lapsed": 2.5, "between": 1.0, "recent": 0.3}


def _responsiveness(con, plans: list[dict], audiences: list[np.ndarray]) -> list[np.ndarray]:
    """Per campaign, each recipient's responsiveness weight (in audience order), from their purchases before the
    send."""
    sends = pa.table({"campaign": np.repeat(np.arange(len(plans)), [len(a) for a in audiences]),
                      "customer_id": pa.array(np.concatenate(audiences).tolist() if audiences else [], pa.string()),
                      "sent_at": pa.array(np.repeat([p["sent_at"] for p in plans], [len(a) for a in audiences]),
                                          pa.timestamp("us"))})
    cursor = con.cursor()
    try:
        cursor.register("_sends", sends)
        days = cursor.sql("""
            SELECT s.campaign, s.customer_id,
                   date_diff('day', max(e.occurred_at), any_value(s.sent_at)) AS days
            FROM _sends s LEFT JOIN customer_events e ON e.customer_id = s.customer_id
             AND e.event_type = 'purchase' AND e.occurred_at < s.sent_at
            GROUP BY ALL""").fetchall()
    finally:
        cursor.close()
    found = {(c, i): d for c, i, d in days}
    weights = []
    for c, audience in enumerate(audiences):
        d = np.array([found.get((c, i)) for i in audience], dtype=float)  # NaN: never bought
        weights.append(np.where(np.isnan(d) | (d > LAPSED_DAYS), RESPONSIVENESS["lapsed"],
                                np.where(d < RECENT_DAYS, RESPONSIVENESS["recent"], RESPONSIVENESS["between"])))
    return weights


def _truth(con, plans: list[dict], sends: pd.DataFrame, extras: pd.DataFrame) -> pd.DataFrame:
    """Per campaign, the sample average effect on its recipients: on buying anything in the window (an extra
    purchase turns a non-buyer into a buyer) and on revenue per recipient (the extra purchase's amount)."""
    cursor = con.cursor()
    try:
        cursor.register("_sends", pa.Table.from_pandas(sends[["campaign_id", "customer_id", "sent_at"]],
                                                       preserve_index=False))
        organic = cursor.sql(f"""
            SELECT s.campaign_id, s.customer_id, count(e.event_id) AS purchases
            FROM _sends s LEFT JOIN customer_events e ON e.customer_id = s.customer_id
             AND e.event_type = 'purchase' AND e.occurred_at >= s.sent_at
             AND e.occurred_at < s.sent_at + INTERVAL {WINDOW_DAYS} DAY
            GROUP BY ALL""").df()
    finally:
        cursor.close()
    rows = sends.merge(organic, on=["campaign_id", "customer_id"])
    # other campaigns' extra purchases that happened (to their treated) inside this campaign's window
    happened = extras[~extras["held"]]
    spill = rows[["campaign_id", "customer_id", "sent_at"]].merge(
        happened[["campaign_id", "customer_id", "at"]].rename(columns={"campaign_id": "other"}), on="customer_id")
    spill = spill[(spill["other"] != spill["campaign_id"]) & (spill["at"] >= spill["sent_at"])
                  & (spill["at"] < spill["sent_at"] + pd.Timedelta(days=WINDOW_DAYS))]
    spilled = spill.groupby(["campaign_id", "customer_id"]).size().rename("spilled").reset_index()
    rows = rows.merge(spilled, on=["campaign_id", "customer_id"], how="left").fillna({"spilled": 0})
    own = extras.groupby(["campaign_id", "customer_id"])["amount"].sum().rename("extra").reset_index()
    rows = rows.merge(own, on=["campaign_id", "customer_id"], how="left").fillna({"extra": 0.0})
    # the store is read before the simulated events are ingested: `purchases` are the organic ones
    bought_anyway = (rows["purchases"] > 0) | (rows["spilled"] > 0)
    rows["response_effect"] = ((rows["extra"] > 0) & ~bought_anyway).astype(float)
    effects = rows.groupby("campaign_id").agg(true_response_lift=("response_effect", "mean"),
                                              true_revenue_lift=("extra", "mean"),
                                              treated=("held", lambda h: int((~h).sum())),
                                              control=("held", "sum")).reset_index()
    plan = pd.DataFrame(plans)
    return plan.merge(effects, on="campaign_id")


def _events(rng, plans: list[dict], sends: pd.DataFrame, extras: pd.DataFrame, products) -> pa.Table:
    """Receipts and hold-outs, clicks, the treated's extra purchases and their coupon redemptions, as source rows."""
    coupons = {p["campaign_id"]: p["coupon"] for p in plans}
    sent = {p["campaign_id"]: p["sent_at"] for p in plans}
    rows = []

    def add(at, event_type, email, channel, attributes, amount=None, product=(None, None)):
        # ids carry the campaign's name: another simulation over the same store makes other ids
        campaign = json.loads(attributes)["campaign_id"]
        rows.append({"event_id": f"campaign-{campaign}-{len(rows):08d}",
                     "occurred_at": at.isoformat(timespec="seconds"), "channel": channel,
                     "event_type": event_type, "email": email, "product_id": product[0],
                     "category": product[1], "amount": None if amount is None else f"{amount:.2f}",
                     "quantity": None if amount is None else "1", "currency": None if amount is None else "USD",
                     "attributes": attributes})

    for s in sends.itertuples(index=False):
        attributes = {"campaign_id": s.campaign_id, "holdout_share": s.share}
        if s.held:
            add(s.sent_at, "campaign_holdout", s.email, "email", json.dumps(attributes))
        else:
            add(s.sent_at, "campaign_receipt", s.email, "email", json.dumps(attributes | {"variant": s.variant}))
            if rng.random() < 0.04:  # some click without buying anything
                add(s.sent_at + timedelta(hours=float(rng.uniform(1, 48))), "email_click", s.email, "email",
                    json.dumps({"campaign_id": s.campaign_id}))
    for x in extras[~extras["held"]].itertuples(index=False):
        product = products[int(rng.integers(len(products)))]
        coupon = coupons[x.campaign_id]
        clicked = max(x.at - timedelta(minutes=5), sent[x.campaign_id])  # never before the e-mail arrived
        add(clicked, "email_click", x.email, "email", json.dumps({"campaign_id": x.campaign_id}))
        add(x.at, "purchase", x.email, "web", json.dumps({"campaign_id": x.campaign_id} |
                                                         ({"coupon": coupon} if coupon else {})),
            amount=x.amount, product=product)
        if coupon:
            add(x.at, "coupon_redemption", x.email, "web",
                json.dumps({"campaign_id": x.campaign_id, "coupon_code": coupon}))
    frame = pd.DataFrame(rows)
    for column in ("customer_ref", "phone", "loyalty_id", "device_id", "store_id", "city", "text"):
        frame[column] = None
    return pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None), preserve_index=False)
