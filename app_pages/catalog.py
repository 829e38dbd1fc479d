"""Gene catalog: browse thousands of genes, open one to see what it means and what it is worth."""

import plotly.express as px
import streamlit as st

from genome.errors import GenomeError
from genome.formatting import money
from genome.genes.catalog import families, gene_catalog, gene_definition, gene_distribution, genome_built, \
    value_comparison
from ui import state
from ui.store import require_store
from ui.text import error, md, plot_text

SENSITIVITY_FILTERS = {"All genes": None, "Only sensitive": True, "Hide sensitive": False}

st.title("Gene catalog")
con = require_store()
family_list = families(con) if genome_built(con) else None
if family_list is None or family_list.empty:
    st.info("The genome has not been built yet. Run `genome build` to compute every gene for every customer.",
            icon=":material/science:")
    st.stop()

left, middle, right, order_col = st.columns([3, 2, 2, 1])
search = left.text_input("Search name, label or description", key=state.CATALOG_SEARCH,
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
except GenomeError as exc:
    error(exc)
    st.stop()

if genes.empty:
    st.info("No gene matches these filters: try another word, family or type.", icon=":material/search_off:")
    st.stop()

names = list(genes["name"])
typed = search.strip().lower()
exact = next((n for n, label in zip(genes["name"], genes["label"]) if typed in (n, label.lower())), None)
# An exact name or label opens that gene; a new search opens it once, then clicks and the list decide.
if exact is not None and st.session_state.get(state.CATALOG_SEARCHED) != typed:
    st.session_state[state.CATALOG_OPEN] = exact
st.session_state[state.CATALOG_SEARCHED] = typed

list_col, gene_col = st.columns([5, 6], gap="large")  # the opened gene sits beside the list, where the click was
with list_col:
    st.caption(f"{len(genes):,} of {int(family_list['genes'].sum()):,} genes · built as of "
               f"{genes['as_of'].iloc[0]:%d %b %Y}")
    shown = genes.assign(sensitivity=genes["sensitivity"].map(lambda s: f"⚠ {s}" if isinstance(s, str) else ""))
    selection = st.dataframe(
        shown[["label", "name", "family", "type", "coverage", "sensitivity"]],
        hide_index=True, height=460, key=state.CATALOG_TABLE, on_select="rerun", selection_mode="single-row",
        column_config={"label": st.column_config.TextColumn("gene"),
                       "name": st.column_config.TextColumn("technical name"),
                       "coverage": st.column_config.ProgressColumn("coverage", format="percent", min_value=0,
                                                                   max_value=1)},
    )
    # Keyboard users pick from a list; a click on a table row picks the same gene.
    rows = selection.selection.rows if selection and selection.selection else []
    picked = names[rows[0]] if rows else None
    if picked is not None and st.session_state.get(state.CATALOG_PICKED) != picked:
        st.session_state[state.CATALOG_OPEN] = picked
    st.session_state[state.CATALOG_PICKED] = picked
    if st.session_state.get(state.CATALOG_OPEN) not in names:
        st.session_state[state.CATALOG_OPEN] = names[0]
    labels = dict(zip(genes["name"], genes["label"]))
    name = st.selectbox("Open gene", names, key=state.CATALOG_OPEN, format_func=lambda n: f"{labels[n]} · {n}")

with gene_col:
    gene = gene_definition(con, name)
    st.subheader(md(gene["label"]))
    st.caption(f"Technical name: {md(gene['name'])}")
    if isinstance(gene["sensitivity"], str):
        st.warning(f"Sensitive gene ({md(gene['sensitivity'])}): use only with a documented purpose and consent.",
                   icon=":material/warning:")
    st.markdown(md(gene["description"]))
    cols = st.columns(4)
    cols[0].metric("Coverage", f"{gene['coverage']:.1%}")
    cols[1].metric("Customers carrying it", f"{gene['carriers']:,}")
    cols[2].metric("Type", gene["type"] + (f" ({gene['unit']})" if gene["unit"] else ""))
    cols[3].metric("Family", gene["family"])
    with st.expander("Definition", expanded=False):
        st.markdown(f"**Source:** {md(gene['source'])} · **owner:** {md(gene['owner'])} · "
                    f"**version:** {gene['version']}")
        if isinstance(gene["inputs"], str):
            st.markdown("**Combines:** " + ", ".join(md(i) for i in gene["inputs"].split(",")))
        st.code(gene["expression"], language="sql")

    st.markdown("**Distribution across customers**")
    distribution = gene_distribution(con, name)
    if distribution.empty:
        st.info("No customer has a value for this gene yet.")
    else:
        figure = px.bar(distribution.assign(label=distribution["label"].map(plot_text)), x="label", y="customers")
        figure.update_layout(margin=dict(t=10, b=10), xaxis_title=None, height=280)
        st.plotly_chart(figure, key="catalog_distribution")
    st.markdown("**How it relates to value**")
    comparison = value_comparison(con, name)
    st.markdown(md(comparison.sentence))
    if not comparison.groups.empty:
        groups = comparison.groups.assign(group=comparison.groups["group"].map(plot_text),
                                          shown=comparison.groups["mean_value"].map(money))
        figure = px.bar(groups, x="group", y="mean_value", text="shown",
                        labels={"mean_value": "mean expected 12-month value ($)", "group": ""})
        figure.update_layout(margin=dict(t=10, b=10), height=260)
        st.plotly_chart(figure, key="catalog_value")
