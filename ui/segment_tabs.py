"""The segment builder's lower half: save, saved segments, why in or out, export.

Kept apart from the page so the page stays the builder and its preview.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from genome.customers import resolve_customer
from genome.errors import GenomeError
from genome.formatting import money
from genome.segments.builder import for_rule
from genome.segments.export import AD_PLATFORM_MINIMUM, PURPOSES, export_audience, export_file_name, free_path
from genome.segments.index import GenomeIndex
from genome.segments.library import (
    compare_versions,
    definition,
    latest_version,
    rule_of,
    save_segment,
    segment_table,
    versions,
)
from genome.segments.trace import near_misses, trace
from store.meta import list_exports, list_segments, utc
from store.settings import get_settings
from ui import state
from ui.roles import current_actor, current_role, may, refusal
from ui.segments import metadata
from ui.store import store_path
from ui.text import MISSING, code, error, md

PASS, FAIL = "✔ holds", "✘ fails"


def load_rule(rule) -> None:
    """Show `rule` in the builder: in the containers, or held as text when it nests deeper than they show."""
    st.session_state[state.SEG_BUILDER] = for_rule(rule)
    # The conditions' inputs keep what they showed last, on this side and in the browser, which sends it back with
    # the next action: new keys make new inputs, or an old threshold would win over the new rule's (and be saved).
    st.session_state[state.CONDITION_GENERATION] = st.session_state.get(state.CONDITION_GENERATION, 0) + 1
    for key in [k for k in st.session_state if str(k).startswith(state.CONDITION_PREFIX)]:
        del st.session_state[key]


def render_tabs(con, index: GenomeIndex, rule, members) -> None:
    tabs = st.tabs(list(TABS), key=state.SEG_TAB, on_change="rerun")
    for tab, draw in zip(tabs, TABS.values()):
        if tab.open:  # only the open tab is drawn: the page opens faster for everyone at once
            with tab:
                draw(con, index, rule, members)


def _save(con, index, rule, members) -> None:
    # A role that may not save sees why and no form: a disabled form would still say who "saves" it.
    if not may("save_segments"):
        st.info(refusal("save_segments", "Saving segments"), icon=":material/lock:")
        return
    with st.form("seg_save_form"):
        name = st.text_input("Segment name", key=state.SEG_SAVE_NAME, max_chars=120)
        description = st.text_input("Description", key=state.SEG_SAVE_DESCRIPTION, max_chars=500)
        st.caption(f"Saved by {md(current_actor())}, as its owner and in the audit log.")
        if not st.form_submit_button("Save as new version", type="primary"):
            return
        if not name.strip():
            st.error("A segment needs a name.")
            return
        try:
            with metadata() as meta, st.spinner("Computing and storing the audience…"):
                latest = latest_version(meta, name.strip())
                latest_number = latest.version if latest else None  # read while the session is open
                saved = save_segment(meta, con, name=name, rule=rule, owner=current_actor(), role=current_role(),
                                     description=description.strip())
                number, size = saved.version, saved.size
        except GenomeError as exc:
            error(exc)
            return
        if number == latest_number:
            st.info(f"Nothing changed since {md(name.strip())} v{number}: the same rule on the same genome, so no "
                    "new version.", icon=":material/info:")
        else:
            st.success(f"Saved {md(name.strip())} v{number}: {size:,} customers.")


def _saved(con, index: GenomeIndex, rule, members) -> None:
    with metadata() as meta:
        rows = segment_table(meta)
        if not rows:
            st.info("No saved segments yet: build one above and save it.", icon=":material/bookmark:")
            return
        st.dataframe([{"segment": r.name, "version": r.version, "customers": r.size, "share": r.share,
                       "expected 12-month value": money(r.value_total), "computed (UTC)": _when(r.computed_at),
                       "rule": r.rule_text} for r in rows], hide_index=True, key="seg_saved_table",
                     column_config={"customers": st.column_config.NumberColumn(format="localized"),
                                    "share": st.column_config.NumberColumn(format="percent")}, placeholder=MISSING)
        chosen = st.selectbox("Segment", [r.name for r in rows], key=state.SEG_SAVED)
        history = versions(meta, chosen)
        numbers = [v.version for v in history]
        if len(numbers) == 1:
            st.caption(f"{md(chosen)} has one version: {code(history[0].rule_text or '(everyone)')}. Save it again "
                       "with a change to compare who enters and who leaves.")
            _definition_download(meta, index, chosen, history[0])
            return
        left, right, act = st.columns([1, 1, 2], vertical_alignment="bottom")
        # keyed by the latest version: a newly saved version is compared with the one before it
        before = left.selectbox("Compare version", numbers, index=max(len(numbers) - 2, 0),
                                key=f"seg_before::{chosen}::{numbers[-1]}")
        after = right.selectbox("with version", numbers, index=len(numbers) - 1,
                                key=f"seg_after::{chosen}::{numbers[-1]}")
        if act.button("Load this version into the builder", key="seg_load_version"):
            try:
                load_rule(rule_of(next(v for v in history if v.version == after)))
                st.rerun()
            except GenomeError as exc:
                error(exc)
        change = compare_versions(meta, con, chosen, before, after)
        cols = st.columns(4)
        cols[0].metric("Enter", f"{len(change.entered):,}")
        cols[1].metric("Leave", f"{len(change.left):,}")
        cols[2].metric("Stay", f"{change.stayed:,}")
        cols[3].metric("Value change", money(change.value_change))
        st.caption(f"v{before}: {code(change.before.rule_text or '(everyone)')} → v{after}: "
                   f"{code(change.after.rule_text or '(everyone)')}")
        _definition_download(meta, index, chosen, change.after)


def _when(moment) -> str:
    """A stored time as people read it, in UTC."""
    return f"{utc(moment):%Y-%m-%d %H:%M}"


def _definition_download(meta, index: GenomeIndex, name: str, version) -> None:
    shared = definition(meta, name, labels=index.base.labels, version=version.version)
    st.download_button(f"Download the definition of v{version.version} (JSON)",
                       json.dumps(shared, indent=2, ensure_ascii=False), icon=":material/download:",
                       file_name=export_file_name(name, version.version, "definition", "json",
                                                  utc(version.computed_at)),
                       mime="application/json", key="seg_definition_download", on_click="ignore")


def _why(con, index: GenomeIndex, rule, members) -> None:
    identifier = st.text_input("Customer", key=state.SEG_WHY,
                               placeholder="e-mail, phone, loyalty id or customer id",
                               help="Any identifier the customer has: an e-mail, a phone number in any format, a "
                                    "loyalty id, a customer reference or the customer id.")
    if identifier.strip():
        try:
            customer_id = resolve_customer(con, identifier, region=get_settings().phone_region)
            steps = trace(index, rule, customer_id, members=members)
            inside = steps[0].passed
            st.markdown(f"Customer {md(customer_id)} is **{'in' if inside else 'out of'}** the audience.")
            st.dataframe([{"condition": "  " * s.depth + s.text, "holds": PASS if s.passed else FAIL,
                           "customer's value": s.value} for s in steps], hide_index=True, key="seg_trace",
                           placeholder=MISSING)
        except GenomeError as exc:
            error(exc)
    misses = near_misses(index, rule, members=members)
    if misses:
        st.markdown("**Near misses**: customers who fail only this condition")
        st.dataframe([{"condition": m.condition, "customers": m.customers} for m in misses], hide_index=True,
                     key="seg_near_misses",
                     column_config={"customers": st.column_config.NumberColumn(format="localized")},
                     placeholder=MISSING)


def _export(con, index, rule, members) -> None:
    if not may("export_audiences"):
        st.info(refusal("export_audiences", "Exporting audiences"), icon=":material/lock:")
        return
    with metadata() as meta:
        rows = segment_table(meta)
        if not rows:
            st.info("Save the segment first: exports are made from saved versions and recorded.",
                    icon=":material/ios_share:")
            return
        left, right = st.columns([3, 1])
        chosen = left.selectbox("Saved segment", [r.name for r in rows], key=state.SEG_EXPORT_SEGMENT)
        numbers = [v.version for v in versions(meta, chosen)]
        version = right.selectbox("Version", numbers[::-1], key=f"{state.SEG_EXPORT_VERSION}::{chosen}::{numbers[-1]}",
                                  format_func=lambda v: f"v{v}" + (" (latest)" if v == numbers[-1] else ""))
        purpose = st.radio("For", list(PURPOSES), horizontal=True, key=state.SEG_EXPORT_PURPOSE,
                           format_func=PURPOSES.get)
        # ad platforms take CSV only
        file_format = st.radio("Format", ["csv", "parquet"], horizontal=True, key=state.SEG_EXPORT_FORMAT) \
            if purpose == "ids" else "csv"
        st.caption(f"Consent is read now: customers without marketing consent are always removed, and for ad "
                   f"platforms also those who refused ad matching. Ad-platform audiences need at least "
                   f"{AD_PLATFORM_MINIMUM} people.")
        allow_sensitive = purpose != "ids" and st.checkbox(
            "Send even if the rule reads special-category genes (children, health, religion, life events…)",
            key="seg_export_allow_sensitive", value=False,
            help="Off by default: targeting ads on such traits is a person's decision, recorded with your name.")
        if st.button("Export", key="seg_export", type="primary",
                     help=f"Recorded in the export log and the audit log as made by {md(current_actor())}."):
            folder = store_path().parent / "exports"
            out = free_path(folder, export_file_name(chosen, version, purpose, file_format, datetime.now(UTC)))
            try:
                with st.spinner("Reading consent and writing the file…"):
                    result = export_audience(meta, con, name=chosen, out=out, by=current_actor(),
                                             role=current_role(), purpose=purpose,
                                             file_format=file_format, version=version,
                                             allow_sensitive=allow_sensitive)
                st.session_state[state.SEG_LAST_EXPORT] = st.session_state[state.SEG_DOWNLOAD] = str(result.path)
                unmatched = f"; {result.unmatched:,} have no e-mail or phone to match on" if result.unmatched else ""
                st.success(f"{result.rows:,} rows for {result.people:,} people of {md(chosen)} v{result.version}; "
                           f"{result.removed_without_consent:,} removed without consent{unmatched}.")
            except GenomeError as exc:
                error(exc)
        past = list_exports(meta)
        names = {segment.id: segment.name for segment in list_segments(meta)}
    if past:
        st.markdown("**Export log**")
        st.dataframe([{"when (UTC)": _when(e.exported_at), "by": e.exported_by, "segment": names.get(e.segment_id),
                       "version": e.version, "for": PURPOSES.get(e.purpose, e.purpose), "format": e.file_format,
                       "rows": e.rows, "people": e.people, "removed without consent": e.removed_without_consent,
                       "file": e.file_name.rsplit("/", 1)[-1]} for e in past], hide_index=True, key="seg_export_log",
                       placeholder=MISSING)
        _downloads([e.file_name for e in past])


TABS = {"Save": _save, "Saved segments": _saved, "Why in or out?": _why, "Export": _export}


def _downloads(files: list[str]) -> None:
    """A download for every export whose file is still on disk; this session's latest is offered first."""
    present = [f for f in dict.fromkeys([st.session_state.get(state.SEG_LAST_EXPORT) or "", *files])
               if f and Path(f).is_file()]
    if not present:
        return
    if st.session_state.get(state.SEG_DOWNLOAD) not in present:
        st.session_state[state.SEG_DOWNLOAD] = present[0]
    picked = Path(st.selectbox("Download an export", present, key=state.SEG_DOWNLOAD,
                               format_func=lambda f: Path(f).name))
    st.download_button(f"Download {picked.name}", data=lambda: picked.read_bytes(), file_name=picked.name,
                       mime="text/csv" if picked.suffix == ".csv" else "application/octet-stream",
                       icon=":material/download:", key="seg_download", on_click="ignore")
