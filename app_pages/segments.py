"""Segment builder: drag genes into containers and see the audience and its value at once."""

import streamlit as st
from streamlit_sortables import sort_items

from genome.consent import CONSENT_SOURCES
from genome.consent_changes import waiting
from genome.errors import GenomeError, RuleError
from genome.formatting import money
from genome.genes.labels import family_label
from genome.segments.builder import FIXED, Builder, condition_from_inputs, palette, shown_as
from genome.segments.export import sensitive_genes, special_reads
from genome.segments.library import members_of, segment_table
from genome.segments.preview import Figures, preview, sample
from genome.segments.rules import OneOf, genes_in
from genome.segments.text import parse, to_text
from ui import state
from ui.builder_state import catch_up, condition_key, draw_inputs, shown_items, take_drop
from ui.builder_view import DRAG_STYLE, STICKY_STRIP, add_more, draw_figures, value_chart
from ui.segment_tabs import load_rule, render_tabs
from ui.segments import genome_index, metadata
from ui.store import require_store
from ui.text import code, error, md

PALETTE = "Genes"
PALETTE_SIZE = 12


def count(rule) -> tuple[object, Figures | None]:
    """The audience of `rule` (mask and figures), or None after saying why it cannot be counted."""
    try:
        with st.spinner("Counting the audience…"):  # event windows scan events on first use
            mask = index.mask(rule, members=members)
            return mask, preview(index, mask, with_lift=0 < int(mask.sum()) < index.size,
                                 rule_genes=frozenset(genes_in(rule)))
    except GenomeError as exc:
        error(exc)
        return None, None


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
    desk_waiting = len(waiting(meta))  # consent decisions recorded at the desk, not yet in the store

# --- the audience first: computed before any widget is drawn, so the browser shows it at once ------------------
catch_up(builder, index)
rule = builder.rule()
st.html(STICKY_STRIP)
figures_slot = st.empty()
mask, figures = count(rule)
if figures is not None:
    draw_figures(figures_slot, figures)

# --- building ---------------------------------------------------------------------------------------------------
build_col, preview_col = st.columns([3, 2], gap="large")
with build_col:
    search_col, family_col = st.columns([3, 2])
    search = search_col.text_input("Find genes", key=state.SEG_SEARCH, placeholder="e.g. baby, coupon, weekend")
    family = family_col.selectbox("Family", ["All families", *index.families()], key=state.SEG_FAMILY,
                                  format_func=lambda f: f if f == "All families" else family_label(f))
    found = index.find_genes(search, family=None if family == "All families" else family)
    if builder.expert is not None:
        st.info("This rule nests groups deeper than the containers show, so it is applied as text: edit it "
                "below, or start over in the containers.", icon=":material/account_tree:")
        if st.button("Start over in the containers", key="seg_start_over"):
            st.session_state[state.SEG_BUILDER] = Builder()
            st.rerun()
    else:
        placed = {label for items in builder.containers.values() for label in items}
        offered = palette([(g, index.family_of(g)) for g in found], placed, size=PALETTE_SIZE)
        # the drop zones first, then the genes to drag: both on the first screen; the component shows text as is
        arrangement = [{"header": name, "items": [shown_as(label, labels) for label in items]}
                       for name, items in builder.containers.items()]
        arrangement += [{"header": f"{PALETTE} · {family_label(family)}", "items": [shown_as(g, labels) for g in genes]}
                        for family, genes in offered] or [{"header": PALETTE, "items": []}]
        offered_count = sum(len(genes) for _, genes in offered)
        st.caption(f"Drag genes from the **{PALETTE}** groups ({len(found):,} match; {offered_count} shown, closest "
                   "names first) into a container above them. Without a mouse: *Add a gene* below."
                   if found else "No gene matches the search: try another word or family.")
        # The component keeps its own arrangement per key: a new arrangement from here (search, keyboard,
        # text) needs a new key, or the browser would go on showing the old one.
        st.session_state[state.SEG_SORTABLES] = key = state.sortables_key(arrangement)
        st.session_state[state.SEG_SORTABLES_SENT] = arrangement
        dropped = sort_items(arrangement, multi_containers=True, direction="horizontal", custom_style=DRAG_STYLE,
                             key=key)
        take_drop(builder, index, dropped, shown_items(index, builder))

        # settings for every placed condition, right under the drop zones
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
                    draw_inputs(label, condition, index)
                    changed = condition_from_inputs(
                        condition, lambda part, default, label=label: st.session_state.get(
                            condition_key(label, part), default))
                    if changed is not None:
                        builder.set_condition(label, changed)
                    elif isinstance(condition, OneOf):
                        st.warning("Pick at least one value.")
                    else:
                        st.warning("The range runs from the lower to the higher value.")
                if row[2].button("", icon=":material/close:", key=condition_key(label, "remove"),
                                 help=f"Remove {md(label)}"):
                    builder.remove(label)
                    st.rerun()
            if container not in FIXED and st.button(f"Remove {container}", key=f"seg_remove_{container}"):
                builder.remove_group(container)
                st.rerun()

        adding = st.expander("Add a gene, a group, an event window or a saved segment", icon=":material/add:",
                             key=state.SEG_ADDING, on_change="rerun")
        if adding.open:  # drawn only when opened: the page opens faster for everyone at once
            with adding:
                add_more(builder, index, found, saved_names)

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
        examples = [code(e) for e in index.rule_examples]
        text = st.text_area("Edit as text (experts)", key=state.SEG_TEXT, height=80,
                            help=("For example " + " or ".join(examples) + "." if examples else
                                  "Gene names joined by AND, OR and NOT, as the rule above is written."))
        if st.form_submit_button("Apply text"):
            try:
                typed = parse(text)
                index.mask(typed, members=members)  # unknown genes and segments are refused here, not shown
                load_rule(typed)
                st.rerun()
            except RuleError as exc:
                st.error(f"Not applied, the builder is unchanged: {md(exc)}.", icon=":material/error:")

# --- preview ----------------------------------------------------------------------------------------------------
if figures is not None:
    low, high = figures.mean_interval
    with preview_col:
        st.caption(f"Total {money(figures.value_total)} (95% interval {money(figures.value_low)} to "
                   f"{money(figures.value_high)}); per customer {money(figures.value_mean, cents=True)} "
                   f"({money(low, cents=True)} to {money(high, cents=True)})")
        st.markdown("**Expected 12-month value**: the audience against the whole base")
        st.altair_chart(value_chart(figures), key="seg_value_histogram", height=260)
        st.markdown("**Reachable after consent** (the decisions in the store)")
        st.table({"channel": list(figures.reachable), "customers": [f"{n:,}" for n in figures.reachable.values()]},
                 hide_index=True, border="horizontal")
        if desk_waiting:
            st.caption(f"{desk_waiting:,} consent decision{'s' if desk_waiting > 1 else ''} recorded at the service "
                       "desk since the store was last written (`genome ingest` or `genome build`) "
                       f"{'are' if desk_waiting > 1 else 'is'} not counted here yet; exports and sends read "
                       f"{'them' if desk_waiting > 1 else 'it'} at once.")
        with metadata() as meta:
            reads = special_reads(meta, con, rule, labels=labels)
        if reads:
            st.warning("This rule reads special categories (" + "; ".join(
                f"{md(what)}: {md(kind.replace('_', ' '))}" for what, kind in reads.items()) + "): saved, it is "
                "not sent to ad platforms unless a person decides so when exporting.", icon=":material/shield:")
        if figures.count and not any(figures.reachable.values()):
            st.info("Nobody in this audience can be reached yet: none of them has granted marketing consent on a "
                    f"channel. Consent comes from {CONSENT_SOURCES}.", icon=":material/block:")
        if figures.lift:
            st.markdown("**Over-indexing genes** (beside those in the rule; ⚠ marks a special category)")
            special = sensitive_genes(con, [r["gene"] for r in figures.lift])
            st.table({"gene": [md(("⚠ " if r["gene"] in special else "") + labels.get(r["gene"], r["gene"])
                                  + (f" ({special[r['gene']].replace('_', ' ')})" if r["gene"] in special else ""))
                               for r in figures.lift],
                      "in audience": [f"{r['audience_share']:.1%}" for r in figures.lift],
                      "in base": [f"{r['base_share']:.1%}" for r in figures.lift],
                      "lift": [f"{r['lift']:.1f}×" for r in figures.lift]}, hide_index=True, border="horizontal")
        if figures.count:
            st.markdown("**Sample members** (pseudonymous ids)")
            st.table({"customer id": [md(c) for c in sample(index, mask)]}, hide_index=True, border="horizontal")
        else:
            st.info("No customer matches every condition: loosen one (the \"Why in or out?\" tab below lists the "
                    "near misses, customers who fail only one condition).", icon=":material/info:")

# --- save, manage, explain, export ------------------------------------------------------------------------------
st.divider()
render_tabs(con, index, rule, members)
