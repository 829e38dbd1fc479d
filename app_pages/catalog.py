"""Gene catalog: browse thousands of genes, open one to see what it means and what it is worth."""

import hashlib

import plotly.express as px
import streamlit as st

from genome.errors import GenomeError
from genome.formatting import money
from genome.genes.catalog import (
    families,
    gene_catalog,
    gene_definition,
    gene_distribution,
    genome_built,
    hidden_count,
    value_comparison,
)
from genome.genes.labels import family_label
from ui import state
from ui.store import require_store
from ui.text import MISSING, axis_text, error, md, plot_text

SENSITIVITY_FILTERS = {"All genes": None, "Only sensitive": True, "Hide sensitive": False}

st.title("Gene catalog")
con = require_store()
family_list = families(con) if genome_built(con) else None
if family_list is None or family_list.empty:
    st.info("The genome has not been built yet. Run `genome build` to compute every gene for every customer.",
            icon=":material/science:")
    st.stop()

left, middle, right, order_col = st.columns([3, 2, 3, 1.4])  # room for the three type chips and "coverage"
search = left.text_input("Search name, label or description", key=state.CATALOG_SEARCH,
                         placeholder="e.g. running, weekend, coupon")
family = middle.selectbox("Family", ["All families", *family_list["family"]], key=state.CATALOG_FAMILY,
                          format_func=lambda f: f if f == "All families" else family_label(f))
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

list_col, gene_col = st.columns([8, 4], gap="medium")  # the opened gene sits beside the list, where the click was
with list_col:
    left_out = hidden_count(con)
    st.caption(f"{len(genes):,} of {int(family_list['genes'].sum()):,} genes · built as of "
               f"{genes['as_of'].iloc[0]:%d %b %Y} · click a gene to open it"
               + (f" · {left_out:,} more left out because they tell nobody apart (no carriers, the same for "
                  "everyone, or a duplicate): `genome genes --hidden`" if left_out else ""))
    shown = genes.assign(label=[("⚠ " if isinstance(s, str) else "") + label
                                for label, s in zip(genes["label"], genes["sensitivity"])],
                         family=genes["family"].map(family_label))
    # a new list is a new table: a row picked in the old list must not open a gene of the new one
    filters = repr((search, family, types, sensitivity, order)).encode()
    selection = st.dataframe(
        shown[["label", "name", "family", "coverage"]],
        hide_index=True, height=460, key=f"{state.CATALOG_TABLE}::{hashlib.sha1(filters).hexdigest()[:10]}",
        on_select="rerun", selection_mode=["single-row", "single-cell"],
        # widths that fit the list's column on a 1400-pixel screen, coverage included; a cut label shows whole on hover
        column_config={"label": st.column_config.TextColumn("gene", width=215, help="⚠ marks a sensitive gene"),
                       "name": st.column_config.TextColumn("technical name", width=140),
                       "family": st.column_config.TextColumn("family", width=105),
                       "coverage": st.column_config.ProgressColumn("coverage", format="percent", min_value=0,
                                                                   max_value=1, width=75)}, placeholder=MISSING)
    # Keyboard users pick from a list; a click on a row or any of its cells picks the same gene.
    chosen = selection.selection if selection else None
    rows = list(chosen.rows) + [cell[0] for cell in chosen.cells] if chosen else []
    picked = names[rows[0]] if rows and rows[0] < len(names) else None
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
    unit = f" in {md(gene['unit'])}" if gene["unit"] else ""  # outside md(), which trims its text
    st.caption(f"Technical name: {md(gene['name'])} · {gene['type']}{unit} · family: "
               f"{md(family_label(gene['family']))}")
    if isinstance(gene["sensitivity"], str):
        st.warning(f"Sensitive gene ({md(gene['sensitivity'])}): use only with a documented purpose and consent.",
                   icon=":material/warning:")
    st.markdown(md(gene["description"]))
    # type and family are words, read in the caption above: the tiles are for figures
    top = st.columns(2)
    top[0].metric("Coverage", f"{gene['coverage']:.1%}")
    top[1].metric("Customers carrying it", f"{gene['carriers']:,}")
    definition = st.expander("Definition", key=state.CATALOG_DEFINITION, on_change="rerun")
    if definition.open:
        with definition:
            st.markdown(f"**Source:** {md(gene['source'])} · **owner:** {md(gene['owner'])} · "
                        f"**version:** {gene['version']}")
            if isinstance(gene["inputs"], str):
                st.markdown("**Combines:** " + ", ".join(md(i) for i in gene["inputs"].split(",")))
            # a definition over every category is hundreds of lines: it scrolls in its box, the page stays short
            long = len(gene["expression"]) > 3_000 or gene["expression"].count("\n") > 30
            st.code(gene["expression"], language="sql", wrap_lines=True, height=480 if long else "content")

    st.markdown("**Distribution across customers**")
    distribution = gene_distribution(con, name)
    if distribution.empty:
        st.info("No customer has a value for this gene yet.")
    else:
        shown = distribution.assign(value=distribution["label"].map(plot_text),
                                    label=distribution["label"].map(axis_text))
        figure = px.bar(shown, x="label", y="customers", hover_data={"value": True, "label": False})
        figure.update_layout(margin=dict(t=10, b=10), xaxis_title=None, height=280)
        st.plotly_chart(figure, key="catalog_distribution")
    st.markdown("**How it relates to value**")
    comparison = value_comparison(con, name)
    st.markdown(md(comparison.sentence))
    if not comparison.groups.empty:
        groups = comparison.groups.assign(value=comparison.groups["group"].map(plot_text),
                                          group=comparison.groups["group"].map(axis_text),
                                          shown=comparison.groups["mean_value"].map(money))
        figure = px.bar(groups, y="group", x="mean_value", text="shown", orientation="h",
                        hover_data={"value": True, "group": False},
                        labels={"mean_value": "mean expected 12-month value ($)", "group": ""})
        figure.update_traces(textposition="outside", cliponaxis=False)
        figure.update_layout(margin=dict(t=10, b=10, r=60), height=80 + 32 * len(groups),
                             yaxis={"autorange": "reversed"})
        st.plotly_chart(figure, key="catalog_value")
