"""Campaign reports for managers: the portfolio across campaigns, and one campaign's honest lift."""

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from genome.campaigns.measure import PRE_DAYS
from genome.campaigns.pdf import report_pdf
from genome.campaigns.report import campaign_report, portfolio, portfolio_totals, targeting
from genome.errors import GenomeError
from genome.formatting import money
from genome.genes.labels import label_for
from ui import state
from ui.charts import uplift_curve_figure
from ui.roles import current_user, may, refusal
from ui.segments import metadata
from ui.store import require_store
from ui.text import MISSING, error, md

OUTCOME_WORDS = {"purchase": "bought anything", "revenue": "revenue per recipient",
                 "coupon_redemption": "redeemed the coupon", "click": "clicked"}


def points(share: float | None) -> float | None:
    """A difference of two shares in percentage points, as the report's sentences give it."""
    return None if share is None else share * 100

st.title("Campaign reports")
if not may("read_reports"):
    st.info(refusal("read_reports", "Campaign reports"), icon=":material/lock:")
    st.stop()
con = require_store()
role = current_user().role
with metadata() as meta, st.spinner("Measuring every campaign…"):
    rows = portfolio(con, meta, role=role)
if not rows:
    st.info("No campaigns yet: none is planned, and no receipt or hold-out events are in the store. Load a campaign's "
            "receipts and hold-outs as events (`campaign_receipt`, `campaign_holdout`, with `campaign_id`) and its "
            "plan with `genome campaign import`.", icon=":material/campaign:")
    st.stop()

measured = [r for r in rows if r["measurable"]]
totals = portfolio_totals(rows)
a, b, c, d = st.columns(4)
a.metric("Campaigns measured", f"{totals['measured']:,} of {totals['campaigns']:,}")
b.metric("Incremental revenue", money(totals["incremental_revenue"]),
         help="CUPED revenue lift per recipient × treated recipients, summed over the measured campaigns")
c.metric("Cost", money(totals["cost"]), help="message cost × treated recipients, where the plan records a cost")
d.metric("Return on cost", MISSING if totals["return_on_cost"] is None else f"{totals['return_on_cost']:+,.0%}",
         help="(incremental revenue − cost) / cost over the campaigns with a cost")
if measured:
    clear = totals["incremental_revenue_low"] > 0 or totals["incremental_revenue_high"] < 0
    st.caption(f"95% interval of the incremental revenue: {money(totals['incremental_revenue_low'])} to "
               f"{money(totals['incremental_revenue_high'])}"
               + ("" if totals["return_on_cost"] is None else
                  f"; of the return on cost: {totals['return_on_cost_low']:+,.0%} to "
                  f"{totals['return_on_cost_high']:+,.0%}")
               + ("." if clear else ": not distinguishable from no effect."))

table = pd.DataFrame([{
    "campaign": r["campaign"], "state": r["state"], "goal": OUTCOME_WORDS[r["goal"]], "sent": r["sent"],
    "treated": r["treated"], "control": r["control"], "lift (95% interval)": r["lift_text"],
    "relative lift": float("nan") if r["relative_lift"] is None else r["relative_lift"],
    "clear result": None if r["significant"] is None else ("yes" if r["significant"] else "no"),
    "incremental revenue": r["incremental_revenue"], "cost": r["cost"], "return on cost": r["return_on_cost"],
} for r in rows])
# a planned or unmeasured campaign has no date, groups or lift yet: shown as a dash, not as "None"
for column in ("sent", "lift (95% interval)", "clear result"):
    table[column] = table[column].astype(object).where(table[column].notna(), MISSING)
for column in ("treated", "control"):
    table[column] = pd.to_numeric(table[column])
st.dataframe(table, hide_index=True, width="stretch", key="reports_portfolio", column_config={
    "treated": st.column_config.NumberColumn(format="localized"),
    "control": st.column_config.NumberColumn(format="localized"),
    "lift (95% interval)": st.column_config.TextColumn(help="CUPED lift on the campaign's goal: shares in "
                                                            "percentage points, revenue per recipient"),
    "relative lift": st.column_config.NumberColumn(format="percent", help="empty when the control group's mean is "
                                                   "0 or less: a lift on nothing has no relative size"),
    "incremental revenue": st.column_config.NumberColumn(format="dollar"), "cost": st.column_config.NumberColumn(
        format="dollar"), "return on cost": st.column_config.NumberColumn(format="percent")}, placeholder=MISSING)
st.download_button("Download the portfolio (CSV)", table.to_csv(index=False), file_name="campaign-portfolio.csv",
                   mime="text/csv", key="reports_portfolio_csv")

aimed = targeting(con, role=role)
with st.expander("Whom to send to: targeting by uplift against purchase propensity, on campaigns held out",
                 expanded=False):
    if not aimed["known"]:
        st.info(md(aimed["note"]), icon=":material/target:")
    else:
        st.markdown(md(aimed["in_words"]))
        st.table(pd.DataFrame([
            {"sending to the top": f"{aimed['target_share']:.0%} by uplift",
             "extra buyers per 1,000": f"{aimed['extra_buyers_per_1000']['model']:.1f}",
             "Qini (95% interval)": f"{aimed['qini']:.3f} ({aimed['qini_interval'][0]:.3f} to "
                                    f"{aimed['qini_interval'][1]:.3f})"},
            {"sending to the top": f"{aimed['target_share']:.0%} by purchase propensity",
             "extra buyers per 1,000": f"{aimed['extra_buyers_per_1000']['propensity']:.1f}",
             "Qini (95% interval)": f"{aimed['propensity_qini']:.3f} ({aimed['propensity_interval'][0]:.3f} to "
                                    f"{aimed['propensity_interval'][1]:.3f})"},
            {"sending to the top": "everyone",
             "extra buyers per 1,000": f"{aimed['extra_buyers_per_1000_everyone']:.1f}",
             "Qini (95% interval)": "0 (random)"}]).map(md), hide_index=True, border="horizontal")
        if aimed["curve"] is None:
            st.caption("The curves are drawn by the next model fit (`genome models fit`).")
        else:
            st.plotly_chart(uplift_curve_figure(
                aimed["curve"], title=f"Extra buyers per 1,000 customers on {len(aimed['evaluation_campaigns'])} "
                                      f"held-out campaigns ({aimed['evaluation_recipients']:,} recipients)"),
                key="reports_targeting_chart")

names = [r["campaign"] for r in rows]
name = st.selectbox("Campaign", names, key=state.REPORTS_CAMPAIGN,
                    index=names.index(measured[0]["campaign"]) if measured else 0)
try:
    with metadata() as meta, st.spinner("Measuring the campaign…"):
        report = campaign_report(con, meta, name, role=role)
except GenomeError as exc:
    error(exc)
    st.stop()

st.subheader(md(name))
st.caption(f"Goal: {md(report['goal_in_words'])} · {report['window_days']}-day attribution window · "
           + (f"sent {md(report['sent_from'][:10])}" if report.get("sent_from") else md(report["state"])))
for note in report["notes"]:
    st.warning(md(note), icon=":material/info:")
groups = report.get("groups")
if groups:
    left, right = st.columns(2)
    for column, group in ((left, "treated"), (right, "control")):
        g = groups[group]
        if not g["recipients"]:  # nobody held out: there is nothing measured to show, not a zero
            column.metric(f"{group.capitalize()}: bought in the window", MISSING, help=f"nobody in the {group} group")
            column.metric(f"{group.capitalize()}: revenue per recipient", MISSING, help=f"nobody in the {group} group")
            continue
        column.metric(f"{group.capitalize()}: bought in the window", f"{g['response_rate']:.2%}",
                      help=f"{g['responders']:,} of {g['recipients']:,} recipients")
        column.metric(f"{group.capitalize()}: revenue per recipient", money(g["revenue_per_recipient"], cents=True))
if breakdown := report.get("responses_by"):
    st.markdown(f"**Recipients by {md(label_for(breakdown['gene']).lower())}**: who bought and who redeemed the "
                "coupon in the window (without a control group this says who responded, not what the campaign caused)")
    st.dataframe(pd.DataFrame(breakdown["rows"]), hide_index=True, width="stretch", key="reports_breakdown",
                 column_config={"recipients": st.column_config.NumberColumn(format="localized"),
                                "bought": st.column_config.NumberColumn(format="percent"),
                                "redeemed": st.column_config.NumberColumn(format="percent")}, placeholder=MISSING)
if head := report.get("headline"):
    first, second = report["summary"]
    st.markdown(f"**{md(first)}** {md(second)}")
    st.caption(f"CUPED: each recipient's outcome less what their spend in the {PRE_DAYS} days before the send "
               "predicts of it, so chance differences between the groups before the campaign do not count as "
               "lift; the mean difference is the same in expectation and the interval narrower. The groups' "
               "figures above are plain, so their difference can differ from the CUPED lift.")
    days = list(range(1, report["window_days"] + 1))
    response = go.Figure([go.Scatter(x=days, y=report["daily"][g], mode="lines+markers", name=g)
                          for g in ("treated", "control")])
    response.update_layout(title="Share who bought, by day since the send", yaxis_tickformat=".1%", height=340,
                           xaxis_title="day", margin=dict(l=10, r=10, t=40, b=10))
    st.plotly_chart(response, width="stretch", key="reports_cumulative")
    outcomes = list(report["lifts"])
    # shares (percentage points) and money per recipient on scales of their own: one axis would flatten the shares
    forest = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.18,
                           subplot_titles=("on shares (points)", "on revenue per recipient"))
    for kind, colour in (("plain", "#9aa5a0"), ("cuped", "#2f6f5e")):
        for col, group in ((1, [o for o in outcomes if o != "revenue"]), (2, ["revenue"])):
            lifts = [report["lifts"][o][kind] for o in group]
            scale = 100 if col == 1 else 1
            forest.add_trace(go.Scatter(
                x=[x["absolute"] * scale for x in lifts], y=[OUTCOME_WORDS[o] for o in group], mode="markers",
                name="CUPED" if kind == "cuped" else "plain", legendgroup=kind, showlegend=col == 1,
                marker=dict(size=10, color=colour),
                error_x=dict(type="data", symmetric=False,
                             array=[(x["absolute_high"] - x["absolute"]) * scale for x in lifts],
                             arrayminus=[(x["absolute"] - x["absolute_low"]) * scale for x in lifts])),
                row=1, col=col)
    forest.add_vline(x=0, line_dash="dot", row=1, col=1)
    forest.add_vline(x=0, line_dash="dot", row=1, col=2)
    forest.update_layout(title="Lift with its 95% interval", height=300, margin=dict(l=10, r=10, t=60, b=10))
    st.plotly_chart(forest, width="stretch", key="reports_lift")
    if report["variants"]:
        st.markdown("**Per variant** (each against the whole control group, plain lift)")
        st.dataframe(pd.DataFrame([{
            "variant": v["variant"], "recipients": v["recipients"], "bought": v["response_rate"],
            "revenue per recipient": v["revenue_per_recipient"],
            **{column: points(v["lifts"].get("purchase", {}).get(key)) for column, key in (
                ("lift on buying (points)", "absolute"), ("95% low", "absolute_low"),
                ("95% high", "absolute_high"))}} for v in report["variants"]]),
            hide_index=True, width="stretch", key="reports_variants",
            column_config={"recipients": st.column_config.NumberColumn(format="localized"),
                           "bought": st.column_config.NumberColumn(format="percent"),
                           "revenue per recipient": st.column_config.NumberColumn(format="%.2f"),
                           **{c: st.column_config.NumberColumn(format="%+.2f")
                              for c in ("lift on buying (points)", "95% low", "95% high")}}, placeholder=MISSING)
    if report["over_index"]:
        st.markdown("**Genes that over-index among responders** (treated recipients who bought, against all treated "
                    "recipients; the genome is built after the campaign, so the purchase itself can show here)")
        st.dataframe(pd.DataFrame(report["over_index"]), hide_index=True, width="stretch", key="reports_genes",
                     column_config={"audience_share": st.column_config.NumberColumn("among responders",
                                                                                    format="percent"),
                                    "base_share": st.column_config.NumberColumn("among treated", format="percent"),
                                    "lift": st.column_config.NumberColumn(format="%.2f×")}, placeholder=MISSING)
    flat = pd.DataFrame([{"campaign": name, "outcome": o, "method": kind, **report["lifts"][o][kind]}
                         for o in outcomes for kind in ("plain", "cuped")])
    st.download_button("Download this campaign's report (PDF)", report_pdf(report),
                       file_name=f"campaign-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.pdf", mime="application/pdf",
                       key="reports_campaign_pdf")
    st.download_button("Download this campaign's lifts (CSV)", flat.to_csv(index=False),
                       file_name=f"campaign-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.csv", mime="text/csv",
                       key="reports_campaign_csv")
