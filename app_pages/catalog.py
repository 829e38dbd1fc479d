"""Gene catalog: browse thousands of genes, open one to see what it means and what it is worth."""

import plotly.express as px
import streamlit as st

from genome.genes.catalog import (
    GenomeNotBuilt, families, gene_catalog, gene_definition, gene_distribution, genome_built, value_lift,
)
from ui import state
from ui.store import cursor

SENSITIVITY_FILTERS = {"All genes": None, "Only sensitive": True, "Hide sensitive": False}

st.title("Gene catalog")
con = cursor()
if con is None:
    st.info("No customer store yet: create one with `genome demo` or load files with `genome ingest`.", icon=":material/inbox:")
    st.stop()
family_list = families(con) if genome_built(con) else None
if family_list is None or family_list.empty:
    st.info("The genome has not been built yet. Run `genome build` to compute every gene for every customer.",
            icon=":material/science:")
    st.stop()

left, middle, right, order_col = st.columns([3, 2, 2, 1])
search = left.text_input("Search name or description", key=state.CATALOG_SEARCH,
                         placeholder="e.g. running, weekend, coupon")
family = middle.selectbox("Family", ["All families", *family_list["family"]], key=state.CATALOG_FAMILY)
types = right.multiselect("Type", ["flag", "number", "category"], default=["flag", "number", "category"],
                          key=state.CATALOG_TYPES)
order = order_col.selectbox("Sort by", ["coverage", "name"], key=state.CATALOG_ORDER)
sensitivity = st.radio("Sensitivity", list(SENSITIVITY_FILTERS), horizontal=True, key=state.CATALOG_SENSITIVITY)

try:
    genes = gene_catalog(
        con, search=search.strip() or None, family=None if family == "All families" else family,
        types=types, sensitive=SENSITIVITY_FILTERS[sensitivity], order=order,
    )
except GenomeNotBuilt as exc:
    st.info(str(exc), icon=":material/science:")
    st.stop()

st.caption(f"{len(genes):,} of {int(family_list['genes'].sum()):,} genes · "
           f"built as of {genes['as_of'].iloc[0]:%d %b %Y}" if len(genes) else "No gene matches these filters.")
if genes.empty:
    st.stop()

shown = genes.assign(sensitivity=genes["sensitivity"].map(lambda s: f"⚠️ {s}" if isinstance(s, str) else ""))
selection = st.dataframe(
    shown[["name", "family", "type", "coverage", "sensitivity", "description"]],
    hide_index=True, height=320, key=state.CATALOG_TABLE, on_select="rerun", selection_mode="single-row",
    column_config={"coverage": st.column_config.ProgressColumn("coverage", format="percent", min_value=0,
                                                               max_value=1)},
)
# Keyboard users pick from a list; a click on a table row picks the same gene.
rows = selection.selection.rows if selection and selection.selection else []
picked = genes["name"].iloc[rows[0]] if rows else None
names = list(genes["name"])
if picked is not None and st.session_state.get(state.CATALOG_OPEN) != picked:
    st.session_state[state.CATALOG_OPEN] = picked
if st.session_state.get(state.CATALOG_OPEN) not in names:
    st.session_state[state.CATALOG_OPEN] = names[0]
name = st.selectbox("Open gene", names, key=state.CATALOG_OPEN)

gene = gene_definition(con, name)
st.divider()
st.subheader(f"`{gene['name']}`")
if isinstance(gene["sensitivity"], str):
    st.warning(f"Sensitive gene ({gene['sensitivity']}): use only with a documented purpose and consent.",
               icon=":material/warning:")
st.write(gene["description"])
cols = st.columns(4)
cols[0].metric("Coverage", f"{gene['coverage']:.1%}")
cols[1].metric("Customers carrying it", f"{gene['carriers']:,}")
cols[2].metric("Type", gene["type"] + (f" ({gene['unit']})" if gene["unit"] else ""))
cols[3].metric("Family", gene["family"])
with st.expander("Definition", expanded=False):
    st.markdown(f"**Source:** {gene['source']} · **owner:** {gene['owner']} · **version:** {gene['version']}")
    if isinstance(gene["inputs"], str):
        st.markdown("**Combines:** " + ", ".join(f"`{i}`" for i in gene["inputs"].split(",")))
    st.code(gene["expression"], language="sql")

left, right = st.columns(2)
with left:
    st.markdown("**Distribution across customers**")
    distribution = gene_distribution(con, name)
    if distribution.empty:
        st.info("No customer has a value for this gene yet.")
    else:
        figure = px.bar(distribution, x="label", y="customers")
        figure.update_layout(margin=dict(t=10, b=10), xaxis_title=None)
        st.plotly_chart(figure, key="catalog_distribution")
with right:
    st.markdown("**How it relates to value**")
    lift = value_lift(con, name)
    figure = px.bar(lift, x="group", y="mean_clv_12m", text_auto=".2f",
                    labels={"mean_clv_12m": "mean expected 12-month value ($)", "group": ""})
    figure.update_layout(margin=dict(t=10, b=10))
    st.plotly_chart(figure, key="catalog_value")
    carriers = lift.set_index("group")
    if {"carriers", "non-carriers"} <= set(carriers.index):
        ratio = carriers.loc["carriers", "mean_clv_12m"] / max(carriers.loc["non-carriers", "mean_clv_12m"], 1e-9)
        st.caption(f"Carriers are worth {ratio:.2f}× the expected 12-month value of non-carriers.")
