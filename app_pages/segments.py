"""Segment builder: drag genes into containers and see the audience and its value at once."""

import plotly.graph_objects as go
import streamlit as st
from streamlit_sortables import sort_items

from genome.genes.catalog import families, gene_catalog
from genome.segments.builder import FIXED, MUST, Builder, NotBuildable, default_condition, from_rule, palette
from genome.segments.export import AD_PLATFORM_MINIMUM, export_audience
from genome.segments.library import (compare_versions, latest_version, members_of, rule_of, save_segment,
                                     segment_table, versions)
from genome.segments.preview import lift, preview, sample
from genome.segments.rules import Between, Compare, Flag, InSegment, OneOf, RuleError, TopPercent, event_count
from genome.segments.text import condition_text, parse, to_text
from genome.segments.trace import near_misses, trace
from store.meta import list_exports, list_segments
from store.settings import get_settings
from ui import state
from ui.roles import may, refusal
from ui.segments import genome_index, metadata
from ui.store import cursor, store_path

PALETTE = "Genes"
PALETTE_SIZE = 16
COMPARISONS = [">=", ">", "<=", "<", "=", "!="]

st.title("Segment builder")
con = cursor()
index = genome_index() if con is not None else None
if index is None:
    st.info("There is no genome to segment yet: run `genome demo` (or `genome ingest`) and `genome build`.",
            icon=":material/science:")
    st.stop()

builder: Builder = st.session_state.setdefault(state.SEG_BUILDER, Builder())


def money(amount: float) -> str:
    """Short enough for a narrow column: $950, $12.3k, $3.1M."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if abs(amount) >= size:
            return f"${amount / size:,.1f}{suffix}"
    return f"${amount:,.0f}"


def load(rule) -> None:
    try:
        st.session_state[state.SEG_BUILDER] = from_rule(rule)
        st.session_state[state.SEG_ERROR] = None
    except NotBuildable as exc:
        st.session_state[state.SEG_ERROR] = str(exc)
        return


# --- building ---------------------------------------------------------------------------------------------------
build_col, preview_col = st.columns([3, 2], gap="large")
with build_col:
    search_col, family_col = st.columns([3, 2])
    search = search_col.text_input("Find genes", key=state.SEG_SEARCH, placeholder="e.g. runner, coupon, weekend")
    family_names = ["All families", *families(con)["family"]]
    family = family_col.selectbox("Family", family_names, key=state.SEG_FAMILY)
    found = gene_catalog(con, search=search.strip() or None, family=None if family == "All families" else family,
                         order="coverage")
    placed = {label for items in builder.containers.values() for label in items}
    term = search.strip().lower()
    # the gene typed first, then names starting with it, then the rest by coverage
    pairs = list(zip(found["name"], found["family"]))
    ranked = sorted(pairs, key=lambda p: (p[0] != term, not p[0].startswith(term), term not in p[0])) \
        if term else pairs
    offered = palette(ranked, placed, size=PALETTE_SIZE)
    arrangement = [{"header": f"{PALETTE} · {family}", "items": genes} for family, genes in offered] or \
        [{"header": PALETTE, "items": []}]
    arrangement += [{"header": name, "items": list(items)} for name, items in builder.containers.items()]
    offered_count = sum(len(genes) for _, genes in offered)
    st.caption(f"Drag genes from the **{PALETTE}** groups ({len(found):,} match; {offered_count} shown by family, "
               "closest names first) into a container. Without a mouse: *Add a gene* below."
               if len(found) else "No gene matches the search: try another word or family.")
    # The component keeps its own arrangement per key: a new arrangement from here (search, keyboard,
    # text) needs a new key, or the browser would go on showing the old one.
    st.session_state[state.SEG_SORTABLES] = key = state.sortables_key(arrangement)
    dropped = sort_items(arrangement, multi_containers=True, direction="horizontal", key=key)
    arrived = builder.arrange({c["header"]: c["items"] for c in dropped}, known=set(found["name"]) | placed)
    for gene in arrived:
        builder.set_condition(gene, default_condition(gene, index.base.genes[gene], index.column(gene)))

    with st.expander("Add a gene, a group, an event window or a saved segment", icon=":material/add:"):
        gene_col, to_col, add_col = st.columns([3, 2, 1], vertical_alignment="bottom")
        gene = gene_col.selectbox("Add a gene", list(found["name"]), key=state.SEG_ADD_GENE, index=None,
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
                    st.error(str(exc))
        with metadata() as meta:
            saved_names = [row.name for row in segment_table(meta)]
        seg_col, seg_add = st.columns([4, 1], vertical_alignment="bottom")
        other = seg_col.selectbox("Member of a saved segment", saved_names, index=None, key="seg_member_of",
                                  placeholder="no saved segments yet" if not saved_names else "choose a segment")
        if seg_add.button("Add", key="seg_add_member", disabled=other is None):
            builder.add(MUST, InSegment(other))
            st.rerun()

    # settings for every placed condition
    for container, labels in builder.containers.items():
        if not labels:
            continue
        heading = container if container in FIXED else f"{container} ({builder.group_kinds[container]} of)"
        st.markdown(f"**{heading}**")
        for label in labels:
            condition = builder.condition(label)
            row = st.columns([3, 5, 1], vertical_alignment="center")
            row[0].markdown(f"`{label}`")
            with row[1]:
                if isinstance(condition, (Compare, Between, TopPercent)):
                    modes = ["at least / at most", "between", "top %"]
                    current = {Compare: 0, Between: 1, TopPercent: 2}[type(condition)]
                    mode = st.radio("mode", modes, index=current, horizontal=True, label_visibility="collapsed",
                                    key=state.condition_key(label, "mode"))
                    values = index.column(condition.gene)
                    if mode == modes[0]:
                        a, b = st.columns([1, 2])
                        op = a.selectbox(f"comparison for {label}", COMPARISONS, label_visibility="collapsed",
                                         index=COMPARISONS.index(condition.op) if isinstance(condition, Compare) else 0,
                                         key=state.condition_key(label, "op"))
                        value = b.number_input(f"threshold for {label}", label_visibility="collapsed",
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
                        share = st.number_input("top % of customers by this gene", min_value=0.1, max_value=100.0,
                                                value=float(getattr(condition, "percent", 10.0)),
                                                key=state.condition_key(label, "top"))
                        builder.set_condition(label, TopPercent(condition.gene, share))
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
                    st.caption(condition_text(condition))
            if row[2].button("", icon=":material/close:", key=state.condition_key(label, "remove"),
                             help=f"Remove {label}"):
                builder.remove(label)
                st.rerun()
        if container not in FIXED and st.button(f"Remove {container}", key=f"seg_remove_{container}"):
            builder.remove_group(container)
            st.rerun()

    rule = builder.rule()
    st.markdown("**Rule**")
    st.code(to_text(rule) or "(everyone)", language=None)
    with st.form("seg_text_form", border=False):
        text = st.text_area("Edit as text (experts)", value=to_text(rule), key=state.SEG_TEXT, height=80,
                            help="e.g. weekend_runner AND clv_12m >= 200 AND NOT lapsed_90d")
        if st.form_submit_button("Apply text"):
            try:
                load(parse(text))
                st.rerun()
            except RuleError as exc:
                st.session_state[state.SEG_ERROR] = str(exc)
    if st.session_state.get(state.SEG_ERROR):
        st.error(st.session_state[state.SEG_ERROR], icon=":material/error:")

# --- preview ----------------------------------------------------------------------------------------------------
with metadata() as meta, st.spinner("Counting the audience…"):  # event windows scan events on first use
    members = members_of(meta)
    try:
        mask = index.mask(rule, members=members)
    except RuleError as exc:
        preview_col.error(str(exc), icon=":material/error:")
        st.stop()
shown = preview(index, mask)
with preview_col:
    top = st.columns(2)
    top[0].metric("Audience", f"{shown.count:,}", help="exact count over the whole genome")
    top[1].metric("Share of base", f"{shown.share:.1%}", help=f"of {shown.total:,} customers")
    value = st.columns(2)
    value[0].metric("Expected 12-month value", money(shown.value_total),
                    help=f"95% interval ${shown.value_low:,.0f} – ${shown.value_high:,.0f}")
    mean_low, mean_high = shown.mean_interval
    value[1].metric("Mean per customer", money(shown.value_mean),
                    help=f"95% interval ${mean_low:,.2f} – ${mean_high:,.2f}")
    st.caption(f"95% intervals: total ${shown.value_low:,.0f} – ${shown.value_high:,.0f}; "
               f"per customer ${mean_low:,.2f} – ${mean_high:,.2f}")
    labels = [money(low) + ("+" if i == len(shown.edges) - 2 else "") for i, low in enumerate(shown.edges[:-1])]
    figure = go.Figure([
        go.Bar(x=labels, y=(shown.base_histogram / max(shown.total, 1)).tolist(), name="whole base",
               marker_color="#c7c7c7"),
        go.Bar(x=labels, y=(shown.histogram / max(shown.count, 1)).tolist(), name="audience", marker_color="#4c78a8"),
    ])
    figure.update_layout(barmode="overlay", height=260, margin=dict(l=0, r=0, t=30, b=0), yaxis_tickformat=".0%",
                         title="Expected 12-month value (clv_12m)", legend=dict(orientation="h", y=-0.3))
    figure.update_traces(opacity=0.75)
    st.plotly_chart(figure, key="seg_value_histogram", config={"displayModeBar": False})
    st.markdown("**Reachable after consent**")
    st.dataframe({"channel": list(shown.reachable), "customers": list(shown.reachable.values())},
                 hide_index=True, key="seg_reach")
    if 0 < shown.count < shown.total:
        with st.spinner("Finding the genes that over-index…"):
            table = lift(index, mask)
        st.markdown("**Over-indexing genes**")
        st.dataframe(table, hide_index=True, key="seg_lift", column_config={
            "audience_share": st.column_config.NumberColumn("in audience", format="percent"),
            "base_share": st.column_config.NumberColumn("in base", format="percent"),
            "lift": st.column_config.NumberColumn("lift", format="%.1fx")})
    if shown.count:
        st.markdown("**Sample members** (pseudonymous ids)")
        st.write(", ".join(f"`{c}`" for c in sample(index, mask)))
    else:
        st.info("No customer matches every condition: loosen one (see near misses below).", icon=":material/info:")

# --- save, manage, explain, export ------------------------------------------------------------------------------
st.divider()
save_tab, saved_tab, why_tab, export_tab = st.tabs(["Save", "Saved segments", "Why in or out?", "Export"])
with save_tab, st.form("seg_save_form"):
    allowed = may("save_segments")
    if not allowed:
        st.info(refusal("save_segments", "Saving segments"), icon=":material/lock:")
    name = st.text_input("Segment name", key=state.SEG_SAVE_NAME)
    description = st.text_input("Description", key=state.SEG_SAVE_DESCRIPTION)
    owner = st.text_input("Your name", key=state.SEG_OWNER)
    if st.form_submit_button("Save as new version", type="primary", disabled=not allowed):
        if not name.strip() or not owner.strip():
            st.error("A segment needs a name and an owner.")
        else:
            try:
                with metadata() as meta, st.spinner("Computing and storing the audience…"):
                    latest = latest_version(meta, name.strip())
                    latest_number = latest.version if latest else None  # read while the session is open
                    saved = save_segment(meta, con, name=name, rule=rule, owner=owner.strip(),
                                         description=description.strip())
                if saved.version == latest_number:
                    st.info(f"Nothing changed since {name.strip()} v{saved.version}: the same rule on the same "
                            "genome, so no new version.", icon=":material/info:")
                else:
                    st.success(f"Saved {name.strip()} v{saved.version}: {saved.size:,} customers.")
            except RuleError as exc:
                st.error(str(exc))

with saved_tab, metadata() as meta:
    rows = segment_table(meta)
    if not rows:
        st.info("No saved segments yet: build one above and save it.", icon=":material/bookmark:")
    else:
        st.dataframe([{"segment": r.name, "version": r.version, "customers": r.size, "share": r.share,
                       "expected 12-month value": r.value_total, "computed": r.computed_at, "rule": r.rule_text}
                      for r in rows], hide_index=True, key="seg_saved_table",
                     column_config={"share": st.column_config.NumberColumn(format="percent"),
                                    "expected 12-month value": st.column_config.NumberColumn(format="dollar")})
        chosen = st.selectbox("Segment", [r.name for r in rows], key=state.SEG_SAVED)
        history = versions(meta, chosen)
        numbers = [v.version for v in history]
        left, right, act = st.columns([1, 1, 2], vertical_alignment="bottom")
        # keyed by the latest version: a newly saved version is compared with the one before it
        before = left.selectbox("Compare version", numbers, index=max(len(numbers) - 2, 0),
                                key=f"seg_before::{chosen}::{numbers[-1]}")
        after = right.selectbox("with version", numbers, index=len(numbers) - 1,
                                key=f"seg_after::{chosen}::{numbers[-1]}")
        if act.button("Load this version into the builder", key="seg_load_version"):
            load(rule_of(next(v for v in history if v.version == after)))
            st.rerun()
        change = compare_versions(meta, con, chosen, before, after)
        cols = st.columns(4)
        cols[0].metric("Enter", f"{len(change.entered):,}")
        cols[1].metric("Leave", f"{len(change.left):,}")
        cols[2].metric("Stay", f"{change.stayed:,}")
        cols[3].metric("Value change", f"${change.value_change:,.0f}")
        st.caption(f"v{before}: `{change.before.rule_text or '(everyone)'}` → v{after}: "
                   f"`{change.after.rule_text or '(everyone)'}`")

with why_tab:
    customer = st.text_input("Customer id", key=state.SEG_WHY, placeholder="e.g. " + str(index.customer_ids[0]))
    if customer.strip():
        with metadata() as meta:
            try:
                steps = trace(index, rule, customer, members=members_of(meta))
                st.dataframe([{"condition": "  " * s.depth + s.text, "holds": "✅" if s.passed else "❌",
                               "customer's value": s.value} for s in steps], hide_index=True, key="seg_trace")
            except RuleError as exc:
                st.error(str(exc))
    with metadata() as meta:
        misses = near_misses(index, rule, members=members_of(meta))
    if misses:
        st.markdown("**Near misses**: customers who fail only this condition")
        st.dataframe([{"condition": m.condition, "customers": m.customers} for m in misses], hide_index=True,
                     key="seg_near_misses")

with export_tab, metadata() as meta:
    rows = segment_table(meta)
    if not may("export_audiences"):
        st.info(refusal("export_audiences", "Exporting audiences"), icon=":material/lock:")
    elif not rows:
        st.info("Save the segment first: exports are made from saved versions and recorded.",
                icon=":material/ios_share:")
    else:
        chosen = st.selectbox("Saved segment", [r.name for r in rows], key="seg_export_segment")
        purpose = st.radio("For", ["ids", "ad_platform"], horizontal=True, key=state.SEG_EXPORT_PURPOSE,
                           format_func=lambda p: {"ids": "customer ids",
                                                  "ad_platform": "ad platform (SHA-256 of e-mails and phones)"}[p])
        file_format = st.radio("Format", ["csv", "parquet"], horizontal=True, key=state.SEG_EXPORT_FORMAT)
        by = st.text_input("Exported by", key="seg_export_by")
        st.caption(f"Customers without marketing consent are always removed; ad-platform audiences need at least "
                   f"{AD_PLATFORM_MINIMUM} people.")
        if st.button("Export", key="seg_export", disabled=not by.strip()):
            out = store_path().parent / "exports" / f"{chosen.replace('/', '_')}-{purpose}.{file_format}"
            try:
                result = export_audience(meta, con, name=chosen, out=out, by=by, purpose=purpose,
                                         file_format=file_format, region=get_settings().phone_region)
                st.success(f"{result.rows:,} rows for {result.people:,} people; "
                           f"{result.removed_without_consent:,} removed without marketing consent.")
                st.download_button("Download", result.path.read_bytes(), file_name=result.path.name,
                                   key="seg_download")
            except RuleError as exc:
                st.error(str(exc))
        past = list_exports(meta)
        if past:
            st.markdown("**Export log**")
            names = {segment.id: segment.name for segment in list_segments(meta)}
            st.dataframe([{"when": e.exported_at, "by": e.exported_by, "segment": names.get(e.segment_id),
                           "version": e.version, "for": e.purpose, "format": e.file_format, "rows": e.rows,
                           "people": e.people, "removed without consent": e.removed_without_consent,
                           "file": e.file_name} for e in past], hide_index=True, key="seg_export_log")
