"""Segment builder: drag genes into containers and see the audience and its value at once."""

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_sortables import sort_items

from genome.errors import GenomeError, RuleError
from genome.formatting import money, money_short, share
from genome.segments.builder import FIXED, MUST, Builder, condition_from_inputs, default_condition, palette, \
    shown_as
from genome.segments.library import members_of, segment_table
from genome.segments.preview import Figures, preview, sample
from genome.segments.rules import InSegment, OneOf, event_count
from genome.segments.text import parse, to_text
from ui import state
from ui.builder_state import COMPARISONS, catch_up, draw_inputs, shown_items, take_drop
from ui.segment_tabs import load_rule, render_tabs
from ui.segments import genome_index, metadata
from ui.store import require_store
from ui.text import error, md

PALETTE = "Genes"
PALETTE_SIZE = 16


def count(rule) -> tuple[object, Figures | None]:
    """The audience of `rule` (mask and figures), or None after saying why it cannot be counted."""
    try:
        with st.spinner("Counting the audience…"):  # event windows scan events on first use
            mask = index.mask(rule, members=members)
            return mask, preview(index, mask, with_lift=0 < int(mask.sum()) < index.size)
    except GenomeError as exc:
        error(exc)
        return None, None


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


def draw_figures(slot, figures: Figures) -> None:
    low, high = figures.mean_interval
    with slot.container(horizontal=True, gap="large"):  # wraps on a phone, staying right above the drop zones
        st.metric("Audience", f"{figures.count:,}", help="exact count over the whole genome", width="content")
        st.metric("Share of base", share(figures.share), help=f"of {figures.total:,} customers", width="content")
        st.metric("Expected 12-month value", money_short(figures.value_total), width="content",
                  help=f"{money(figures.value_total)}; 95% interval {money(figures.value_low)} to "
                       f"{money(figures.value_high)}")
        st.metric("Mean per customer", money_short(figures.value_mean), width="content",
                  help=f"{money(figures.value_mean, cents=True)}; 95% interval {money(low, cents=True)} to "
                       f"{money(high, cents=True)}")


st.title("Segment builder")
con = require_store()
index = genome_index()
if index is None:
    st.info("There is no genome to segment yet: run `genome demo` (or `genome ingest`) and `genome build`.",
            icon=":material/science:")
    st.stop()
labels = index.base.labels
builder: Builder = st.session_state.setdefault(state.SEG_BUILDER, Builder())
with metadata() as meta:
    members = members_of(meta)  # resolves IN SEGMENT through the metadata store, one session per run
    saved_names = [row.name for row in segment_table(meta)]

def add_more() -> None:
    """The keyboard path: add a gene, a group, an event window or a saved segment."""
    gene_col, to_col, add_col = st.columns([3, 2, 1], vertical_alignment="bottom")
    gene = gene_col.selectbox("Add a gene", found, key=state.SEG_ADD_GENE, index=None,
                              format_func=lambda g: shown_as(g, labels),
                              placeholder="type to search the genes above")
    target = to_col.selectbox("to", list(builder.containers), key=state.SEG_ADD_TO)
    if add_col.button("Add", key="seg_add", disabled=gene is None):
        builder.add(target, default_condition(gene, index.base.genes[gene], index.column(gene)), base=gene)
        st.rerun()
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


# --- the audience first: computed before any widget is drawn, so the browser shows it at once ------------------
catch_up(builder, index)
rule = builder.rule()
figures_slot = st.empty()
mask, figures = count(rule)
if figures is not None:
    draw_figures(figures_slot, figures)

# --- building ---------------------------------------------------------------------------------------------------
build_col, preview_col = st.columns([3, 2], gap="large")
with build_col:
    search_col, family_col = st.columns([3, 2])
    search = search_col.text_input("Find genes", key=state.SEG_SEARCH, placeholder="e.g. runner, coupon, weekend")
    family = family_col.selectbox("Family", ["All families", *index.families()], key=state.SEG_FAMILY)
    found = index.find_genes(search, family=None if family == "All families" else family)
    placed = {label for items in builder.containers.values() for label in items}
    offered = palette([(g, index.family_of(g)) for g in found], placed, size=PALETTE_SIZE)
    # the component shows headers and items as plain text
    arrangement = [{"header": f"{PALETTE} · {family}", "items": [shown_as(g, labels) for g in genes]}
                   for family, genes in offered] or [{"header": PALETTE, "items": []}]
    arrangement += [{"header": name, "items": [shown_as(label, labels) for label in items]}
                    for name, items in builder.containers.items()]
    offered_count = sum(len(genes) for _, genes in offered)
    st.caption(f"Drag genes from the **{PALETTE}** groups ({len(found):,} match; {offered_count} shown by family, "
               "closest names first) into a container. Without a mouse: *Add a gene* below."
               if found else "No gene matches the search: try another word or family.")
    # The component keeps its own arrangement per key: a new arrangement from here (search, keyboard,
    # text) needs a new key, or the browser would go on showing the old one.
    st.session_state[state.SEG_SORTABLES] = key = state.sortables_key(arrangement)
    st.session_state[state.SEG_SORTABLES_SENT] = arrangement
    dropped = sort_items(arrangement, multi_containers=True, direction="horizontal", key=key)
    take_drop(builder, index, dropped, shown_items(index, builder))

    adding = st.expander("Add a gene, a group, an event window or a saved segment", icon=":material/add:",
                         key=state.SEG_ADDING, on_change="rerun")
    if adding.open:  # drawn only when opened: the page opens faster for everyone at once
        with adding:
            add_more()

    # settings for every placed condition
    for container, items in builder.containers.items():
        if not items:
            continue
        heading = container if container in FIXED else f"{container} ({builder.group_kinds[container]} of)"
        st.markdown(f"**{md(heading)}**")
        for label in items:
            condition = builder.condition(label)
            row = st.columns([3, 5, 1], vertical_alignment="center")
            gene_name = getattr(condition, "gene", None)
            if gene_name is not None:
                row[0].markdown(f"{md(index.base.label(gene_name))}  \n:gray[{md(label)}]")
            else:
                row[0].markdown(md(label))
            with row[1]:
                draw_inputs(label, condition)
                changed = condition_from_inputs(
                    condition, lambda part, default, label=label: st.session_state.get(
                        state.condition_key(label, part), default))
                if changed is not None:
                    builder.set_condition(label, changed)
                elif isinstance(condition, OneOf):
                    st.warning("Pick at least one value.")
                else:
                    st.warning("The range runs from the lower to the higher value.")
            if row[2].button("", icon=":material/close:", key=state.condition_key(label, "remove"),
                             help=f"Remove {md(label)}"):
                builder.remove(label)
                st.rerun()
        if container not in FIXED and st.button(f"Remove {container}", key=f"seg_remove_{container}"):
            builder.remove_group(container)
            st.rerun()

    if builder.rule() != rule:  # the drop or an input changed the rule after the first count: count again
        rule = builder.rule()
        mask, figures = count(rule)
        if figures is not None:
            draw_figures(figures_slot, figures)
    st.markdown("**Rule**")
    st.text(to_text(rule) or "(everyone)")  # plain text: the rule holds values from the data
    # The text box shows the rule whenever the rule changes (drops, thresholds, a loaded version); what the
    # marketer typed stays while it is being corrected.
    if st.session_state.get(state.SEG_TEXT_SHOWN) != to_text(rule):
        st.session_state[state.SEG_TEXT] = st.session_state[state.SEG_TEXT_SHOWN] = to_text(rule)
    with st.form("seg_text_form", border=False):
        text = st.text_area("Edit as text (experts)", key=state.SEG_TEXT, height=80,
                            help="e.g. weekend_runner AND clv_12m >= 200 AND NOT lapsed_90d")
        if st.form_submit_button("Apply text"):
            try:
                typed = parse(text)
                index.mask(typed, members=members)  # unknown genes and segments are refused here, not shown
                load_rule(typed)
                st.rerun()
            except RuleError as exc:
                where = f" (position {exc.position})" if exc.position else ""
                st.error(f"Not applied{md(where)}: {md(exc)}. The builder is unchanged.", icon=":material/error:")

# --- preview ----------------------------------------------------------------------------------------------------
if figures is not None:
    low, high = figures.mean_interval
    with preview_col:
        st.caption(f"Total {money(figures.value_total)} (95% interval {money(figures.value_low)} to "
                   f"{money(figures.value_high)}); per customer {money(figures.value_mean, cents=True)} "
                   f"({money(low, cents=True)} to {money(high, cents=True)})")
        st.markdown("**Expected 12-month value**: the audience against the whole base")
        st.altair_chart(value_chart(figures), key="seg_value_histogram", height=260)
        st.markdown("**Reachable after consent** (read from the latest decisions)")
        st.table({"channel": list(figures.reachable), "customers": [f"{n:,}" for n in figures.reachable.values()]},
                 hide_index=True, border="horizontal")
        if figures.lift:
            st.markdown("**Over-indexing genes**")
            st.table({"gene": [md(labels.get(r["gene"], r["gene"])) for r in figures.lift],
                      "name": [md(r["gene"]) for r in figures.lift],
                      "in audience": [f"{r['audience_share']:.1%}" for r in figures.lift],
                      "in base": [f"{r['base_share']:.1%}" for r in figures.lift],
                      "lift": [f"{r['lift']:.1f}×" for r in figures.lift]}, hide_index=True, border="horizontal")
        if figures.count:
            st.markdown("**Sample members** (pseudonymous ids)")
            st.table({"customer id": [md(c) for c in sample(index, mask)]}, hide_index=True, border="horizontal")
        else:
            st.info("No customer matches every condition: loosen one (see near misses below).", icon=":material/info:")

# --- save, manage, explain, export ------------------------------------------------------------------------------
st.divider()
render_tabs(con, index, rule, members)
