"""Creative studio: the asset library, and a template's messages as chosen recipients would get them."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from genome.creative.assembly import coverage, messages
from genome.creative.library import KINDS, asset_dir_for, current_assets, file_of
from genome.creative.phone import PHONE_HEIGHT, PHONE_WIDTH, inline_picture, phone_document
from genome.creative.templates import list_templates, load_template, sms_length
from genome.errors import GenomeError
from genome.segments.library import saved_version, segment_table, stored_members
from genome.service.lookup import find_customers
from store.settings import get_settings
from ui import state
from ui.asset_form import asset_editor
from ui.roles import may, refusal
from ui.segments import metadata
from ui.store import require_store, store_path
from ui.text import MISSING, error, md

st.title("Creative studio")
if not may("edit_creatives"):
    st.info(refusal("edit_creatives", "The creative studio"), icon=":material/lock:")
    st.stop()
con = require_store()
folder = asset_dir_for(store_path())
templates = list_templates(get_settings().creative_dir)

with metadata() as meta:
    assets = current_assets(meta)
    library = [{"asset": a.name, "version": a.version, "kind": KINDS[a.kind], "channels": a.channels,
                "rule (who may get it)": a.rule or "everyone (fallback)", "priority": a.priority,
                "text": a.text, "owner": a.owner} for a in assets]
    saved = [row.name for row in segment_table(meta)]

# only the open tab is drawn: the coverage of a large segment is not computed unless asked for
preview, matrix, shelf = st.tabs(["Preview", "Coverage", "Asset library"], key=state.STUDIO_TAB, on_change="rerun")


EMPTY_LIBRARY = ("The asset library is empty: add assets {where}, or load a library folder with "
                 "`genome creative load FOLDER --as USER` (the synthetic demo's, `assets/`, names the demo's own "
                 "categories in its rules, so it loads on the demo store only).")


def _library() -> None:
    if not library:
        st.info(EMPTY_LIBRARY.format(where="below"), icon=":material/photo_library:")
    else:
        st.caption(f"{len(library)} assets valid today, latest versions; pictures are kept by content hash in "
                   f"{md(folder)}")
        st.dataframe(pd.DataFrame(library), hide_index=True, width="stretch", key="studio_library", placeholder=MISSING)
    st.markdown("**Add or change an asset**")
    st.caption("Marketers and administrators change the library. Every save is a new version, kept with who saved "
               "it; messages use the latest version valid on the day. The rule is checked against the genome like "
               "a segment's, and a picture by what its file holds.")
    asset_editor(con, folder)


def _coverage() -> None:
    if not library:  # every template names assets: without them there is nothing to choose between
        st.info(EMPTY_LIBRARY.format(where="in the Asset library tab"), icon=":material/photo_library:")
    elif not templates or not saved:
        st.info("Coverage needs a template and a saved segment.", icon=":material/grid_on:")
    else:
        left, middle, right = st.columns(3)
        covered = left.selectbox("Template", list(templates), key=state.STUDIO_COVERAGE_TEMPLATE)
        segment_name = middle.selectbox("Saved segment", saved, key=state.STUDIO_COVERAGE_SEGMENT)
        on = right.radio("Channel", ["email", "sms", "push"], horizontal=True, key=state.STUDIO_COVERAGE_CHANNEL)
        try:
            with metadata() as meta, st.spinner("Choosing every recipient's assets…"):
                everyone = stored_members(meta, saved_version(meta, segment_name)[1]).column("customer_id").to_pylist()
                matrix_of = coverage(meta, con, load_template(templates[covered]), everyone, channel=on)
        except GenomeError as exc:
            error(exc)
        else:
            st.caption(f"{matrix_of.recipients:,} recipients · {matrix_of.only_fallbacks:.0%} get only fallbacks")
            names = sorted({a for slot in matrix_of.shares.values() for a in slot})
            figure = go.Figure(go.Heatmap(
                z=[[matrix_of.shares[slot].get(a, 0) for a in names] for slot in matrix_of.shares],
                x=names, y=list(matrix_of.shares), colorscale="Greens", zmin=0, zmax=1,
                text=[[f"{matrix_of.shares[slot].get(a, 0):.0%}" if a in matrix_of.shares[slot] else ""
                       for a in names] for slot in matrix_of.shares], texttemplate="%{text}",
                hovertemplate="%{y}: %{x}, %{z:.1%} of recipients<extra></extra>"))
            figure.update_layout(height=120 + 45 * len(matrix_of.shares), margin=dict(l=10, r=10, t=10, b=10),
                                 xaxis=dict(tickangle=-30))
            st.plotly_chart(figure, width="stretch", key="studio_coverage_chart")
            if matrix_of.never_chosen:
                st.warning("Never chosen for this segment: " + ", ".join(md(a) for a in matrix_of.never_chosen),
                           icon=":material/visibility_off:")
            for x, y, both in matrix_of.overlaps:
                st.caption(f"{md(x)} and {md(y)} have the same priority and both take in {both:,} recipients: "
                           "they are split A/B between them.")


def _preview() -> None:
    if not library:
        st.info(EMPTY_LIBRARY.format(where="in the Asset library tab"), icon=":material/photo_library:")
        return
    if not templates:
        st.info(f"No templates in {md(get_settings().creative_dir / 'templates')}: add a template file there "
                "(`genome creative check FILE` checks it).", icon=":material/draft:")
        return
    left, middle, right = st.columns([1, 1, 2])
    name = left.selectbox("Template", list(templates), key=state.STUDIO_TEMPLATE)
    channel = middle.radio("Channel", ["email", "sms", "push"], horizontal=True, key=state.STUDIO_CHANNEL)
    source = right.radio("Recipients", ["a sample of a saved segment", "one customer"], horizontal=True,
                         key=state.STUDIO_SOURCE)
    try:
        template = load_template(templates[name])
    except GenomeError as exc:
        error(exc)
        return
    if source == "one customer":
        text = st.text_input("Find a customer", key=state.STUDIO_CUSTOMER,
                             placeholder="e-mail, phone, loyalty id or customer id")
        found = find_customers(con, text, reveal=may("reveal_contacts"),
                               region=get_settings().phone_region) if text.strip() else []
        if text.strip() and len(found) != 1:
            st.warning(f"{len(found)} customers match {md(text.strip())}: give one exact identifier.",
                       icon=":material/person_search:")
        recipients = [found[0].customer_id] if len(found) == 1 else []
    else:
        if not saved:
            st.info("Save a segment in the Segment builder first: a sample of its members is shown here.",
                    icon=":material/bookmark:")
            return
        segment = st.selectbox("Saved segment", saved, key=state.STUDIO_SEGMENT)
        with metadata() as meta:
            members = stored_members(meta, saved_version(meta, segment)[1]).column("customer_id").to_pylist()
        # the same sample every time for the same members: three spread across the list
        recipients = [members[i * len(members) // 3] for i in range(min(3, len(members)))]
    if not recipients:
        return
    with metadata() as meta:
        try:
            rendered = messages(meta, con, template, recipients, channel=channel,
                                src=lambda asset: inline_picture(asset, folder))
        except GenomeError as exc:
            error(exc)
            return
        shown = {c: ({slot: (choice.asset, choice.reason) for slot, choice in chosen.items()}, parts)
                 for c, (chosen, parts) in rendered.items()}
    lost = sorted({asset.name for chosen, _ in shown.values() for asset, _ in chosen.values()
                   if asset.kind == "image" and not ((path := file_of(asset, folder)) and path.exists())})
    if lost:
        st.warning(f"The picture file of {', '.join(md(n) for n in lost)} is missing from {md(folder)}: load the "
                   "library again (`genome creative load FOLDER`) or upload the picture in the Asset library.",
                   icon=":material/broken_image:")
    for column, (customer, (chosen, parts)) in zip(st.columns(len(shown)), shown.items()):
        with column.container(border=True):
            st.caption(f"Customer {md(customer)}")
            if channel == "email":
                st.markdown(f"**{md(parts['email_subject'])}**")
                # the e-mail as a phone shows it, in a frame that runs nothing and reaches nothing of this page
                st.iframe(phone_document(parts["email_html"]), width=PHONE_WIDTH, height=PHONE_HEIGHT)
                with st.expander("E-mail HTML"):
                    st.code(parts["email_html"], language="html")
            elif channel == "sms":
                st.text(parts["sms"])
                units, encoding = sms_length(parts["sms"])
                st.caption(f"{len(parts['sms'])} characters, {units} {encoding} units: "
                           + ("one message" if parts["sms_parts"] == 1 else f"{parts['sms_parts']} messages"))
            else:
                st.markdown(f"**{md(parts['push_title'])}**")
                st.text(parts["push_body"])
    st.markdown("**What each slot holds, and why**")
    # one static table across the page: the copy and the reasons wrap instead of being cut off
    st.table(pd.DataFrame([{"slot": md(slot), **{md(c): md(f"{chosen[slot][0].text} ({chosen[slot][1]})")
                                                 for c, (chosen, _) in shown.items()}}
                           for slot in template.slots]), hide_index=True, border="horizontal")


for tab, draw in ((preview, _preview), (matrix, _coverage), (shelf, _library)):
    if tab.open:
        with tab:
            draw()
