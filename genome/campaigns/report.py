"""Campaign reports: one campaign's results as managers read them, and the portfolio across campaigns.

The headline is the CUPED lift on the campaign's goal (pre-period spend takes
out variance the campaign did not cause, as GrowthBook reports it), with the
plain lift beside it. Incremental revenue is the CUPED revenue lift per
recipient times the treated recipients, with its interval; the return on
cost is (incremental revenue - cost) / cost. A campaign without a control
group is reported by what its recipients did, and says plainly that its lift
cannot be measured. What `genome campaign report NAME --json` prints is
exactly `campaign_report`; the Reports page shows the same dictionary.
"""

import math
import re
from dataclasses import asdict

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlmodel import Session

from genome.access import require
from genome.campaigns.kept import DEFAULT_WINDOW, campaign_outcomes, campaigns_named, kept_is_current
from genome.campaigns.library import latest_campaign, list_campaigns
from genome.campaigns.measure import GOALS, OUTCOMES, Measurement, measure
from genome.campaigns.stats import SRM_ALERT, Z95
from genome.errors import InputError
from genome.formatting import money
from genome.genes.catalog import catalog_relation
from genome.genes.lifetime import CLV_TIERS
from genome.models.card_view import plain_sentence
from genome.models.published import model_cards
from genome.models.uplift import NAME as UPLIFT
from genome.segments.audience import genome
from genome.segments.figures import lift_rows

SMALL_CONTROL = 100  # recipients: below this a control group's mean moves by chance with a few customers

def _lift_dict(lift) -> dict:
    return asdict(lift) | {"significant": lift.significant}


def amount(outcome: str, value: float) -> str:
    """A lift as people read it: shares in percentage points, revenue in money per recipient."""
    return f"{value * 100:+.2f} points" if outcome != "revenue" else f"{value:+,.2f} per recipient"


def summary(report: dict) -> list[str]:
    """The report's headline in two sentences, the same on the page, in the PDF and in the shell."""
    head = report.get("headline")
    if not head:
        return []
    o = head["outcome"]
    relative = "" if head["relative"] is None else (
        f" ({head['relative']:+.1%}, 95% interval {head['relative_low']:+.1%} to {head['relative_high']:+.1%})")
    verdict = "a clear result" if head["significant"] else "not distinguishable from no effect"
    if head["significant"] and head["relative"] is not None and head["relative_low"] < 0 < head["relative_high"]:
        # the delta method divides by the control's mean: a small, noisy one leaves the ratio unsized
        verdict += ", though its relative size is uncertain (the control group's mean is small)"
    cost = "" if report["cost"] is None else f"; cost {money(report['cost'], cents=True)}" + (
        "" if report["return_on_cost"] is None else f", return on cost {report['return_on_cost']:+,.0%}")
    return [f"Lift on {head['in_words']} (CUPED): {amount(o, head['absolute'])}, 95% interval "
            f"{amount(o, head['absolute_low'])} to {amount(o, head['absolute_high'])}{relative}: {verdict}.",
            f"Incremental revenue {money(report['incremental_revenue'])} (95% interval "
            f"{money(report['incremental_revenue_low'])} to {money(report['incremental_revenue_high'])}){cost}."]


def _headline(m: Measurement, goal: str) -> dict | None:
    if goal not in m.cuped_lifts:
        return None
    return {"outcome": goal, "in_words": GOALS[goal]} | _lift_dict(m.cuped_lifts[goal])


def _over_index(con: duckdb.DuckDBPyConnection, rows: pa.Table, *, top: int = 10) -> list[dict]:
    """Flag genes more common among treated responders (bought in the window) than among all treated recipients.
    The genome is built after the campaign, so a gene the response itself set (a purchase) can show here."""
    treated = rows.filter(pc.and_(rows.column("treated"), pc.invert(rows.column("both"))))
    responded = pc.greater(treated.column("purchases"), 0)
    n, total = int(pc.sum(responded).as_py() or 0), treated.num_rows
    if n == 0 or n == total:
        return []
    cursor = con.cursor()
    try:
        flags = [r[0] for r in cursor.execute(f"SELECT name FROM {catalog_relation(cursor)} WHERE type = 'flag' "
                                              "AND coverage > 0 ORDER BY name").fetchall()]
        cursor.register("_treated", pa.table({"customer_id": treated.column("customer_id"), "responded": responded}))
        # each flag's carriers among responders and the rest, counted by DuckDB in one grouped pass: fetching the
        # flags as columns for numpy took 2 s for a million recipients, this a quarter of that
        counts = ", ".join('count_if(g."' + f.replace('"', '""') + '")' for f in flags)  # catalog names, quoted
        found = cursor.execute(f"SELECT t.responded, count(*), {counts} FROM _treated t "
                               "JOIN customer_genes g USING (customer_id) GROUP BY t.responded").fetchall()
    finally:
        cursor.close()
    groups = {bool(row[0]): np.asarray(row[1:], dtype=np.int64) for row in found}
    nobody = np.zeros(len(flags) + 1, dtype=np.int64)
    responders, others = groups.get(True, nobody), groups.get(False, nobody)
    inside, carriers = responders[1:], responders[1:] + others[1:]
    return lift_rows(flags, inside, carriers, int(responders[0]), int(responders[0] + others[0]), top=top)


BREAKDOWN_GENE = "clv_tier"  # recipients without a control group are shown by value tier


def _responses_by(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> dict | None:
    """Treated recipients per value tier: how many bought and redeemed the campaign's coupon in the window. What
    can be said of a campaign without a control group: who responded, not what the campaign caused."""
    if BREAKDOWN_GENE not in genome(con).genes:
        return None
    cursor = con.cursor()
    try:
        cursor.register("_responses", rows.select(["customer_id", "treated", "purchases", "redemptions"]))
        found = cursor.execute(f"""
            SELECT coalesce(g.{BREAKDOWN_GENE}, 'unknown') AS value, count(*) AS recipients,
                   avg(CASE WHEN r.purchases > 0 THEN 1 ELSE 0 END) AS bought,
                   avg(CASE WHEN r.redemptions > 0 THEN 1 ELSE 0 END) AS redeemed
            FROM _responses r LEFT JOIN customer_genes g USING (customer_id)
            WHERE r.treated GROUP BY ALL""").fetchall()
    finally:
        cursor.close()
    # highest tier first, as a manager reads them; customers without a tier last
    found.sort(key=lambda row: CLV_TIERS.index(row[0]) if row[0] in CLV_TIERS else len(CLV_TIERS))
    return {"gene": BREAKDOWN_GENE, "rows": [{"value": v, "recipients": n, "bought": b, "redeemed": r}
                                             for v, n, b, r in found]}


def campaign_report(con: duckdb.DuckDBPyConnection, s: Session, name: str, *, role: str,
                    with_genes: bool = True, found: set[str] | None = None, current: bool | None = None) -> dict:
    """Everything a manager reads about campaign `name`, for `role` (which must allow reading reports); the genes
    that over-index among responders unless `with_genes` is False. `found` (the campaigns the events name) and
    `current` (whether the build's kept outcomes are current) are for callers that report many campaigns."""
    require(role, "read_reports", doing="Reading campaign reports")
    plan = latest_campaign(s, name)
    window = plan.window_days if plan else DEFAULT_WINDOW
    goal = plan.goal if plan else "purchase"
    # the recipients' outcomes say whether the events name the campaign at all: no scan of every campaign first
    rows = (campaign_outcomes(con, name, window_days=window, current=current)
            if found is None or name in found else None)
    if rows is None or rows.num_rows == 0:
        if plan is None:
            raise InputError(f"no campaign {name!r}: neither planned here nor named by any receipt or hold-out")
        note = (f"Sent {plan.send_on:%Y-%m-%d %H:%M} UTC: its receipts and hold-outs join the store's events at the "
                "next `genome ingest` or `genome build`, and its responses are measured from then."
                if plan.state in ("sent", "measured") and plan.send_on else
                f"Not sent yet ({plan.state}): nothing to measure.")
        return {"campaign": name, "state": plan.state, "goal": goal, "goal_in_words": GOALS[goal],
                "window_days": window, "measurable": False, "notes": [note]}
    m = measure(con, name, window_days=window, outcomes=rows)
    treated, control = m.treated, m.control
    report = {
        "campaign": name, "state": plan.state if plan else "sent", "goal": goal, "goal_in_words": GOALS[goal],
        "window_days": window, "sent_from": str(m.sent_from), "sent_to": str(m.sent_to),
        "holdout_share": m.holdout_share, "in_both_groups": m.in_both_groups, "measurable": m.measurable,
        "revenue_cap": m.revenue_cap, "revenue_capped": m.revenue_capped,
        "groups": {g: asdict(x) | {"response_rate": x.response_rate, "revenue_per_recipient": x.revenue_per_recipient}
                   for g, x in (("treated", treated), ("control", control))},
        "notes": [],
    }
    if not m.measurable:
        report["notes"].append("This campaign has no control group: its recipients' responses are shown, but its "
                               "lift cannot be measured without one.")
        report["responses_by"] = _responses_by(con, rows)
        return report
    revenue = m.cuped_lifts["revenue"]
    cost = plan.message_cost * treated.recipients if plan else None
    incremental = revenue.absolute * treated.recipients
    report |= {
        "headline": _headline(m, goal),
        "lifts": {o: {"plain": _lift_dict(m.lifts[o]), "cuped": _lift_dict(m.cuped_lifts[o])} for o in OUTCOMES},
        "sample_ratio": {"p_value": m.sample_ratio_p,
                         "alert": m.sample_ratio_p is not None and m.sample_ratio_p < SRM_ALERT},
        "incremental_revenue": incremental,
        "incremental_revenue_low": revenue.absolute_low * treated.recipients,
        "incremental_revenue_high": revenue.absolute_high * treated.recipients,
        "cost": cost,
        "return_on_cost": (incremental - cost) / cost if cost else None,
        "daily": m.daily,
        "variants": [{"variant": v, **asdict(d["group"]), "response_rate": d["group"].response_rate,
                      "revenue_per_recipient": d["group"].revenue_per_recipient,
                      "lifts": {o: _lift_dict(x) for o, x in d["lifts"].items()}} for v, d in m.variants.items()],
        "over_index": _over_index(con, rows) if with_genes else None,
    }
    report["summary"] = summary(report)
    if report["sample_ratio"]["alert"]:
        report["notes"].append(f"Sample ratio mismatch (p = {m.sample_ratio_p:.2g}): the groups are not the planned "
                               f"{m.holdout_share:.0%} hold-out; do not trust this lift until the split is explained.")
    if m.revenue_capped:
        report["notes"].append(
            f"Revenue lifts count each recipient's revenue up to {m.revenue_cap:,.2f} (the 99th percentile of "
            f"recipients; {m.revenue_capped:,} larger ones capped), so one large order cannot swing them; the groups' "
            "revenue per recipient is as it was.")
    if m.in_both_groups:
        report["notes"].append(f"{m.in_both_groups:,} customers were in both groups and are left out.")
    if control.recipients < SMALL_CONTROL:
        report["notes"].append(f"The control group has only {control.recipients:,} recipients: its intervals are "
                               "wide, and a few customers move the lift.")
    if cost is None:
        report["notes"].append("No plan records this campaign's cost: the return on cost is not known.")
    return report


def natural_order(name: str) -> list:
    """Campaign "2" before "10": the numbers in a name are compared as numbers (text and numbers alternate)."""
    return [int(part) if i % 2 else part.lower() for i, part in enumerate(re.split(r"(\d+)", name))]


def portfolio(con: duckdb.DuckDBPyConnection, s: Session, *, role: str) -> list[dict]:
    """One row per campaign, sent or planned: state, recipients, headline lift, incremental revenue, cost, return."""
    require(role, "read_reports", doing="Reading campaign reports")
    current = kept_is_current(con)  # checked once for every campaign's report
    found = campaigns_named(con, current=current)
    names = found | {c.name for c in list_campaigns(s)}
    rows = []
    for name in sorted(names, key=natural_order):
        r = campaign_report(con, s, name, role=role, with_genes=False, found=found, current=current)
        head = r.get("headline") or {}
        rows.append({"campaign": name, "state": r["state"], "goal": r["goal"], "sent": r.get("sent_from"),
                     "treated": r.get("groups", {}).get("treated", {}).get("recipients"),
                     "control": r.get("groups", {}).get("control", {}).get("recipients"),
                     "lift_text": None if not head else (
                         f"{amount(head['outcome'], head['absolute'])} ({amount(head['outcome'], head['absolute_low'])}"
                         f" to {amount(head['outcome'], head['absolute_high'])})"),
                     "lift": head.get("absolute"), "lift_low": head.get("absolute_low"),
                     "lift_high": head.get("absolute_high"), "relative_lift": head.get("relative"),
                     "significant": head.get("significant"),
                     "incremental_revenue": r.get("incremental_revenue"),
                     "incremental_revenue_low": r.get("incremental_revenue_low"),
                     "incremental_revenue_high": r.get("incremental_revenue_high"), "cost": r.get("cost"),
                     "return_on_cost": r.get("return_on_cost"), "measurable": r["measurable"]})
    return rows


def portfolio_totals(rows: list[dict]) -> dict:
    """Incremental revenue and return on cost summed over the measured campaigns, with 95% intervals: the campaigns'
    estimates are independent, so their variances add. A sum of noisy estimates is noisy; the interval says how."""
    measured = [r for r in rows if r["measurable"]]
    costed = [r for r in measured if r["cost"]]

    def total(group: list[dict]) -> tuple[float, float]:
        spread = math.sqrt(sum(((r["incremental_revenue_high"] - r["incremental_revenue_low"]) / (2 * Z95)) ** 2
                               for r in group))
        return sum(r["incremental_revenue"] for r in group), Z95 * spread

    revenue, half = total(measured)
    costed_revenue, costed_half = total(costed)
    cost = sum(r["cost"] for r in costed)
    return {"campaigns": len(rows), "measured": len(measured), "incremental_revenue": revenue,
            "incremental_revenue_low": revenue - half, "incremental_revenue_high": revenue + half, "cost": cost,
            "return_on_cost": (costed_revenue - cost) / cost if cost else None,
            "return_on_cost_low": (costed_revenue - costed_half - cost) / cost if cost else None,
            "return_on_cost_high": (costed_revenue + costed_half - cost) / cost if cost else None}


def targeting(con: duckdb.DuckDBPyConnection, *, role: str) -> dict:
    """Targeting by uplift against targeting by purchase propensity on campaigns the uplift model never learnt
    from, as its model card measured it (`genome.models.uplift`): the Qini coefficients with their intervals, extra
    buyers per 1,000 customers when sending to the top share by each, and the curves on the same scale (None for a
    model fitted before they were: the next fit draws them). Says why when it is not known (no models fitted, too
    few past campaigns)."""
    require(role, "read_reports", doing="Reading campaign reports")
    card = next((c for c in model_cards(con) if c["name"] == UPLIFT), None)
    if card is None:
        return {"known": False, "note": "No uplift model yet: fit the models (`genome models fit`) once past campaigns "
                                        "with a control group are in the store."}
    if card.get("status") == "not fitted":
        return {"known": False, "note": f"The uplift model could not be fitted: {card['reason']}."}
    m = card["metrics"]
    return {"known": True, "published": card.get("status") == "published", "in_words": plain_sentence(card),
            "qini": m["qini"], "qini_interval": m["qini_interval"], "propensity_qini": m["propensity_qini"],
            "propensity_interval": m["propensity_interval"], "difference_interval": m["model_minus_propensity"],
            "target_share": m["target_share"], "extra_buyers_per_1000": m["extra_buyers_per_1000"],
            "extra_buyers_per_1000_everyone": m["extra_buyers_per_1000_everyone"],
            "evaluation_campaigns": m["evaluation_campaigns"], "evaluation_recipients": m["evaluation_recipients"],
            "curve": m.get("curve_per_1000"), "fitted_at": str(card["fitted_at"])}
