"""Home: the store at a glance, or how to create one."""

import plotly.express as px
import streamlit as st

from genome.overview import store_overview
from ui.store import require_store
from ui.text import MISSING

st.title("Customer Genome")
st.caption("One explainable genome per customer, from every channel they use.")

con = require_store()

overview = store_overview(con)
if overview.is_empty:
    st.info("The store exists but holds no events yet. Load files with `genome ingest FILE...`.", icon=":material/inbox:")
    st.stop()

cols = st.columns(5)
cols[0].metric("Customers", f"{overview.customers:,}")
cols[1].metric("Events", f"{overview.events:,}")
cols[2].metric("First event", f"{overview.first_event:%Y-%m-%d}")
cols[3].metric("Last event", f"{overview.last_event:%Y-%m-%d}")
cols[4].metric("Quarantined rows", f"{overview.quarantined:,}")
if overview.genome_today is None:
    st.info("The genome has not been built yet: run `genome build`.", icon=":material/science:")
else:
    newer = overview.activity_today is not None and overview.activity_today > overview.genome_today
    st.caption(f"The genome's today is {overview.genome_today:%d %b %Y %H:%M} UTC: every \"last 30 days\" and "
               "\"days since\" counts from it"
               + (f". Activity up to {overview.activity_today:%d %b %Y} has arrived since: run `genome build` "
                  "to bring the genome up to it." if newer else "."))
st.caption(
    f"{overview.identifiers:,} identifiers resolved into customers · "
    f"{overview.refused_links:,} identity links refused as shared or over the cap · "
    f"{overview.files_ingested:,} files ingested"
)

# one colour per channel in both charts
colours = dict(zip(sorted(overview.events_by_channel["channel"]), px.colors.qualitative.Safe))
left, right = st.columns(2)
with left:
    st.subheader("Events per channel")
    figure = px.bar(overview.events_by_channel, x="channel", y="events", color="channel",
                    color_discrete_map=colours)
    figure.update_layout(showlegend=False, margin=dict(t=10, b=10))
    st.plotly_chart(figure, key="home_channels")
with right:
    st.subheader("Events per month")
    figure = px.area(overview.events_by_month, x="month", y="events", color="channel", color_discrete_map=colours)
    figure.update_layout(margin=dict(t=10, b=10))
    st.plotly_chart(figure, key="home_months")

left, right = st.columns(2)
with left:
    st.subheader("Why rows were quarantined")
    if overview.quarantine_reasons.empty:
        st.success("No row has been quarantined.")
    else:
        st.dataframe(overview.quarantine_reasons[["rows", "reason"]], hide_index=True, key="home_reasons",
                     column_config={"rows": st.column_config.NumberColumn(format="localized", width="small")},
                     placeholder=MISSING)
with right:
    st.subheader("Consent (latest decision per customer)")
    if overview.consent.empty:
        st.info("No consent events yet: customers without consent are never marketed to.")
    else:
        st.dataframe(overview.consent, hide_index=True, key="home_consent",
                     column_config={c: st.column_config.NumberColumn(format="localized")
                                    for c in ("granted", "refused")}, placeholder=MISSING)
