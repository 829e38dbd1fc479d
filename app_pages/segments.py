"""Segment builder: drag genes into containers and see the audience and its value at once."""

import plotly.graph_objects as go
import streamlit as st
from streamlit_sortables import sort_items

from genome.errors import GenomeError, RuleError
from genome.formatting import money, money_short, share
from genome.segments.builder import FIXED, MUST, Builder, default_condition, palette, shown_as
from genome.segments.library import members_of, segment_table
from genome.segments.preview import preview, sample
from genome.segments.rules import Between, Compare, Flag, InSegment, OneOf, TopPercent, event_count
from genome.segments.text import condition_text, parse, to_text
from ui import state
from ui.segment_tabs import load_rule, render_tabs
from ui.segments import genome_index, metadata
from ui.store import require_store
from ui.text import error, md

PALETTE = "Genes"
PALETTE_SIZE = 16
COMPARISONS = [">=", ">", "<=", "<", "=", "!="]

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

# --- building ---------------------------------------------------------------------------------------------------
build_col, preview_col = st.columns([3, 2], gap="large")
with build_col:
    search_col, family_col = st.columns([3, 2])
    search = search_col.text_input("Find genes", key=state.SEG_SEARCH, placeholder="e.g. runner, coupon, weekend")
    family = family_col.selectbox("Family", ["All families", *index.families()], key=state.SEG_FAMILY)
    found = index.find_genes(search, family=None if family == "All families" else family)
    placed = {label for items in builder.containers.values() for label in items}
    offered = palette([(g, index.family_of(g)) for g in found], placed, size=PALETTE_SIZE)
    shown = {shown_as(g, labels): g for g in found} | {shown_as(label, labels): label for label in placed}
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
    dropped = sort_items(arrangement, multi_containers=True, direction="horizontal", key=key)
    arrived = builder.arrange({c["header"]: [shown[i] for i in c["items"] if i in shown] for c in dropped},
                              known=set(found) | placed)
    for gene in arrived:
        builder.set_condition(gene, default_condition(gene, index.base.genes[gene], index.column(gene)))
    summary = st.empty()  # the audience in one line, right under the drop zones (on a phone the preview is far)

    with st.expander("Add a gene, a group, an event window or a saved segment", icon=":material/add:"):
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
                if isinstance(condition, (Compare, Between, TopPercent)):
                    modes = ["at least / at most", "between", "top %"]
                    current = {Compare: 0, Between: 1, TopPercent: 2}[type(condition)]
                    mode = st.radio("mode", modes, index=current, horizontal=True, label_visibility="collapsed",
                                    key=state.condition_key(label, "mode"))
                    if mode == modes[0]:
                        a, b = st.columns([1, 2])
                        op = a.selectbox(f"comparison for {md(label)}", COMPARISONS, label_visibility="collapsed",
                                         index=COMPARISONS.index(condition.op) if isinstance(condition, Compare) else 0,
                                         key=state.condition_key(label, "op"))
                        value = b.number_input(f"threshold for {md(label)}", label_visibility="collapsed",
                                               value=float(getattr(condition, "value", 0.0)),
                                               key=state.condition_key(label, "value"))
                        builder.set_condition(label, Compare(condition.gene, op, value))
                    elif mode == modes[1]:
                        a, b = st.columns(2)
                        low = a.number_input("from", value=float(getattr(condition, "low", 0.0)),
                                             key=state.condition_key(label, "low"))
                        high = b.number_input("to", value=float(getattr(condition, "high", max(low, 0.0))),
                                              key=state.condition_key(label, "high"))
                        if low <= high:
                            builder.set_condition(label, Between(condition.gene, low, high))
                        else:
                            st.warning("The range runs from the lower to the higher value.")
                    else:
                        top = st.number_input("top % of customers by this gene", min_value=0.1, max_value=100.0,
                                              value=float(getattr(condition, "percent", 10.0)),
                                              key=state.condition_key(label, "top"))
                        builder.set_condition(label, TopPercent(condition.gene, top))
                elif isinstance(condition, OneOf):
                    options = [str(v) for v in index.column(condition.gene).values[:500]]
                    picked = st.multiselect("values", options, default=[v for v in condition.values if v in options],
                                            label_visibility="collapsed", key=state.condition_key(label, "values"))
                    if picked:
                        builder.set_condition(label, OneOf(condition.gene, tuple(picked)))
                    else:
                        st.warning("Pick at least one value.")
                elif isinstance(condition, Flag):
                    st.caption("carries this gene")
                else:
                    st.caption(md(condition_text(condition)))
            if row[2].button("", icon=":material/close:", key=state.condition_key(label, "remove"),
                             help=f"Remove {md(label)}"):
                builder.remove(label)
                st.rerun()
        if container not in FIXED and st.button(f"Remove {container}", key=f"seg_remove_{container}"):
            builder.remove_group(container)
            st.rerun()

    rule = builder.rule()
    st.markdown("**Rule**")
    st.code(to_text(rule) or "(everyone)", language=None)
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
with preview_col:
    try:
        with st.spinner("Counting the audience…"):  # event windows scan events on first use
            mask = index.mask(rule, members=members)
            figures = preview(index, mask, with_lift=0 < int(mask.sum()) < index.size)
    except GenomeError as exc:
        error(exc)
        figures = None
if figures is not None:
    low, high = figures.mean_interval
    summary.markdown(f"**Audience: {figures.count:,} customers** ({share(figures.share)} of base) · expected "
                     f"12-month value {money(figures.value_total)}")
    with preview_col:
        top = st.columns(2)
        top[0].metric("Audience", f"{figures.count:,}", help="exact count over the whole genome")
        top[1].metric("Share of base", share(figures.share), help=f"of {figures.total:,} customers")
        value = st.columns(2)
        value[0].metric("Expected 12-month value", money_short(figures.value_total),
                        help=f"{money(figures.value_total)}; 95% interval {money(figures.value_low)} to "
                             f"{money(figures.value_high)}")
        value[1].metric("Mean per customer", money_short(figures.value_mean),
                        help=f"{money(figures.value_mean, cents=True)}; 95% interval {money(low, cents=True)} to "
                             f"{money(high, cents=True)}")
        st.caption(f"Total {money(figures.value_total)} (95% interval {money(figures.value_low)} to "
                   f"{money(figures.value_high)}); per customer {money(figures.value_mean, cents=True)} "
                   f"({money(low, cents=True)} to {money(high, cents=True)})")
        bins = [money_short(lo) + ("+" if i == len(figures.edges) - 2 else "") for i, lo in enumerate(figures.edges[:-1])]
        chart = go.Figure([
            go.Bar(x=bins, y=(figures.base_histogram / max(figures.total, 1)).tolist(), name="whole base",
                   marker_color="#c7c7c7", customdata=figures.base_histogram.tolist(),
                   hovertemplate="%{x}: %{customdata:,} customers (%{y:.1%})<extra>whole base</extra>"),
            go.Bar(x=bins, y=(figures.histogram / max(figures.count, 1)).tolist(), name="audience",
                   marker_color="#4c78a8", customdata=figures.histogram.tolist(),
                   hovertemplate="%{x}: %{customdata:,} customers (%{y:.1%})<extra>audience</extra>"),
        ])
        chart.update_layout(barmode="overlay", height=260, margin=dict(l=0, r=0, t=30, b=0), yaxis_tickformat=".0%",
                            title="Expected 12-month value (clv_12m)", legend=dict(orientation="h", y=-0.3))
        chart.update_traces(opacity=0.75)
        st.plotly_chart(chart, key="seg_value_histogram", config={"displayModeBar": False})
        st.markdown("**Reachable after consent** (read from the latest decisions)")
        st.dataframe({"channel": list(figures.reachable), "customers": list(figures.reachable.values())},
                     hide_index=True, key="seg_reach")
        if figures.lift:
            st.markdown("**Over-indexing genes**")
            st.dataframe([{"gene": labels.get(r["gene"], r["gene"]), "name": r["gene"], **{k: r[k] for k in (
                "audience_share", "base_share", "lift")}} for r in figures.lift], hide_index=True, key="seg_lift",
                column_config={
                    "audience_share": st.column_config.NumberColumn("in audience", format="percent"),
                    "base_share": st.column_config.NumberColumn("in base", format="percent"),
                    "lift": st.column_config.NumberColumn("lift", format="%.1fx")})
        if figures.count:
            st.markdown("**Sample members** (pseudonymous ids)")
            st.dataframe({"customer_id": sample(index, mask)}, hide_index=True, key="seg_sample")
        else:
            st.info("No customer matches every condition: loosen one (see near misses below).", icon=":material/info:")

# --- save, manage, explain, export ------------------------------------------------------------------------------
st.divider()
render_tabs(con, index, rule, members)
