"""How the segment builder shows things: the audience strip, the value chart, the drag component's look, the
keyboard path. The page (`app_pages/segments.py`) decides what to show and when."""

import altair as alt
import pandas as pd
import streamlit as st

from genome.errors import RuleError
from genome.formatting import money, money_short, share
from genome.segments.builder import MUST, Builder, default_condition, shown_as
from genome.segments.index import GenomeIndex
from genome.segments.preview import Figures
from genome.segments.rules import InSegment, event_count
from ui import state
from ui.builder_state import COMPARISONS
from ui.text import error

AUDIENCE_STRIP = "seg_audience_strip"
# The audience stays in view while the marketer scrolls down to the conditions. The keyed container carries
# the class st-key-<key>; its wrapper is what the page lays out, so the wrapper is what sticks. Only a style
# element: it takes no room on the page.
STICKY_STRIP = f"""<style>
[data-testid="stLayoutWrapper"]:has(> .st-key-{AUDIENCE_STRIP}) {{
  position: sticky; top: 3.75rem; z-index: 990; background: var(--background-color, #ffffff);
  border-bottom: 1px solid rgba(49, 51, 63, 0.12); padding-bottom: 0.25rem; }}
</style>"""
# The drag component: compact chips that wrap, so the drop zones and the palette fit on one screen.
DRAG_STYLE = """
.sortable-component { font-size: 14px; }
.sortable-container { padding: 0; }
.sortable-container-header { font-size: 14px; font-weight: 600; padding: 8px 0 3px 0; }
.sortable-container-body { display: flex; flex-wrap: wrap; align-items: flex-start; min-height: 40px; }
.sortable-item, .sortable-item:hover { font-size: 13px; line-height: 1.3; padding: 4px 10px; margin: 3px;
  border-radius: 14px; width: auto; height: auto; }
"""


def draw_figures(slot, figures: Figures) -> None:
    """The audience in four figures, in a strip that stays at the top of the screen."""
    low, high = figures.mean_interval
    with slot.container(horizontal=True, gap="medium", key=AUDIENCE_STRIP):
        st.metric("Audience", f"{figures.count:,}", help="exact count over the whole genome", width="content")
        st.metric("Share of base", share(figures.share), help=f"of {figures.total:,} customers", width="content")
        st.metric("Expected 12-month value", money_short(figures.value_total), width="content",
                  help=f"{money(figures.value_total)}; 95% interval {money(figures.value_low)} to "
                       f"{money(figures.value_high)}")
        st.metric("Mean per customer", money_short(figures.value_mean), width="content",
                  help=f"{money(figures.value_mean, cents=True)}; 95% interval {money(low, cents=True)} to "
                       f"{money(high, cents=True)}")


def value_chart(figures: Figures) -> alt.Chart:
    """Expected 12-month value: the audience's spread over the value bins beside the whole base's.

    A Vega-Lite chart, not plotly: it draws the same bars with a small
    fraction of the code a browser must load, and many marketers open this
    page at once.
    """
    bins = [money_short(lo) + ("+" if i == len(figures.edges) - 2 else "") for i, lo in enumerate(figures.edges[:-1])]
    rows = [{"bin": b, "order": i, "who": who, "customers": int(n), "share": int(n) / max(total, 1)}
            for who, counts, total in (("whole base", figures.base_histogram, figures.total),
                                       ("audience", figures.histogram, figures.count))
            for i, (b, n) in enumerate(zip(bins, counts))]
    return alt.Chart(pd.DataFrame(rows)).mark_bar().encode(
        x=alt.X("bin:N", sort=alt.SortField("order"), title="expected 12-month value from"),
        xOffset=alt.XOffset("who:N", sort=["whole base", "audience"]),
        y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of customers"),
        color=alt.Color("who:N", scale=alt.Scale(domain=["whole base", "audience"], range=["#c7c7c7", "#2f6f5e"]),
                        legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("who:N", title="of"), alt.Tooltip("bin:N", title="value from"),
                 alt.Tooltip("customers:Q", format=","), alt.Tooltip("share:Q", format=".1%")])


def _add_gene(builder: Builder, index: GenomeIndex) -> None:
    """The Add button's work, done before the rerun so the picker can be emptied for the next gene."""
    gene, target = st.session_state.get(state.SEG_ADD_GENE), st.session_state.get(state.SEG_ADD_TO)
    if gene is None or target not in builder.containers:
        return
    builder.add(target, default_condition(gene, index.base.genes[gene], index.column(gene)), base=gene)
    st.session_state[state.SEG_ADD_GENE] = None


def add_more(builder: Builder, index: GenomeIndex, found: list[str], saved_names: list[str]) -> None:
    """The keyboard path: add a gene, a group, an event window or a saved segment."""
    labels = index.base.labels
    gene_col, to_col, add_col = st.columns([3, 2, 1], vertical_alignment="bottom")
    gene = gene_col.selectbox("Add a gene", found, key=state.SEG_ADD_GENE, index=None,
                              format_func=lambda g: shown_as(g, labels),
                              placeholder="type to search the genes above")
    to_col.selectbox("to", list(builder.containers), key=state.SEG_ADD_TO)
    add_col.button("Add", key="seg_add", disabled=gene is None, on_click=_add_gene, args=(builder, index))
    kind_col, group_col = st.columns([3, 1], vertical_alignment="bottom")
    kind = kind_col.selectbox("New group holds", ["any", "all", "none"], key="seg_group_kind",
                              format_func=lambda k: {"any": "any of its genes", "all": "all of its genes",
                                                     "none": "none of its genes"}[k])
    if group_col.button("Add group", key="seg_add_group"):
        builder.add_group(kind)
        st.rerun()
    with st.form("seg_event_form", border=False):
        st.markdown("**Behaviour in a window** (e.g. bought running shoes 2+ times in the last 30 days)")
        e1, e2, e3 = st.columns(3)
        event_type = e1.selectbox("Event", ["purchase", "view", "cart", "return", "store_visit", "email_click",
                                            "ticket"], key="seg_event_type")
        category = e2.text_input("Category (optional)", key="seg_event_category")
        op = e3.selectbox("Count", COMPARISONS, key="seg_event_op")
        w1, w2, w3, w4 = st.columns(4)
        times = w1.number_input("times", min_value=0, value=1, step=1, key="seg_event_times")
        start = w2.number_input("from days ago", min_value=0, value=0, step=1, key="seg_event_from")
        end = w3.number_input("to days ago", min_value=0, value=30, step=1, key="seg_event_to")
        into = w4.selectbox("into", list(builder.containers), key="seg_event_into")
        if st.form_submit_button("Add the window"):
            try:
                builder.add(into, event_count(event_type, op, int(times), int(start), int(end),
                                              **({"category": category.strip()} if category.strip() else {})))
                st.rerun()
            except RuleError as exc:
                error(exc)
    seg_col, seg_add = st.columns([4, 1], vertical_alignment="bottom")
    other = seg_col.selectbox("Member of a saved segment", saved_names, index=None, key="seg_member_of",
                              placeholder="no saved segments yet" if not saved_names else "choose a segment")
    if seg_add.button("Add", key="seg_add_member", disabled=other is None):
        builder.add(MUST, InSegment(other))
        st.rerun()
