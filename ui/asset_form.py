"""The asset library's editor: add an asset or save a change to one as its next version, and see its versions.

The form only gathers what a marketer says; `save_asset` checks the role, the
rule (as a segment's is), the picture (by its content) and the rest, and
records the change in the audit log. A failed save changes nothing.
"""

from datetime import UTC, date, datetime, time

import pandas as pd
import streamlit as st

from genome.creative.images import MAX_BYTES
from genome.creative.library import CHANNELS, KINDS, AssetSpec, asset_names, asset_versions, file_of, save_asset
from genome.errors import GenomeError
from ui import state
from ui.roles import current_user
from ui.segments import metadata
from ui.text import MISSING, error, md

NEW = "+ a new asset"
FORMATS = ["png", "jpg", "jpeg", "webp"]  # the picker's filter only: the file is checked by its content on saving


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment else None


def _moment(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day else None


def asset_editor(con, folder) -> None:
    """Pick an asset (or a new one), change it in a form, save it as a new version; its versions below."""
    if saved := st.session_state.pop(state.STUDIO_ASSET_SAVED, None):
        st.success(saved, icon=":material/check_circle:")
        # the asset just saved is the one shown: set before its picker is drawn, as Streamlit requires
        st.session_state[state.STUDIO_ASSET] = st.session_state.pop(state.STUDIO_ASSET_SHOWN)
    with metadata() as meta:
        names = asset_names(meta)
    picked = st.selectbox("Asset to change", [NEW, *names], key=state.STUDIO_ASSET)
    with metadata() as meta:
        versions = [] if picked == NEW else asset_versions(meta, picked)
    latest = versions[0] if versions else None
    with st.form(f"asset_form_{picked}_{latest.version if latest else 0}", border=True):
        left, right = st.columns(2)
        name = left.text_input("Name", value=latest.name if latest else "", disabled=latest is not None,
                               placeholder="spring-hero", help="letters, digits, dashes, dots or underscores")
        kinds = list(KINDS)
        kind = right.selectbox("Kind", kinds, format_func=KINDS.get, disabled=latest is not None,
                               index=kinds.index(latest.kind) if latest else 1)
        channels = left.multiselect("Channels", CHANNELS,
                                    default=latest.channels.split(",") if latest else ["email"])
        tags = right.text_input("Tags (comma-separated; a template's slot takes assets with its tag)",
                                value=latest.tags.replace(",", ", ") if latest else "")
        text = st.text_area("Text (for a picture: its alternative text)", value=latest.text if latest else "")
        rule = st.text_input("Who may get it: a segment rule (empty: everyone, a slot's fallback)",
                             value=latest.rule if latest else "", placeholder="clv_12m > 500 AND NOT bargain_hunter")
        a, b, c, d = st.columns(4)
        priority = a.number_input("Priority (highest wins; equal ones split A/B)", value=latest.priority if latest
                                  else 0, step=1)
        locale = b.text_input("Locale", value=latest.locale if latest else "en")
        valid_from = c.date_input("Valid from", value=_day(latest.valid_from) if latest else None)
        valid_to = d.date_input("Valid to (not on that day)", value=_day(latest.valid_to) if latest else None)
        upload = st.file_uploader("Picture (PNG, JPEG or WebP, at most 5 MB)" +
                                  ("; leave empty to keep the current one" if latest and latest.kind == "image"
                                   else ""), type=FORMATS, max_upload_size=MAX_BYTES // 2**20)
        label = f"Save as version {latest.version + 1}" if latest else "Add to the library"
        submitted = st.form_submit_button(label, type="primary")
    if submitted:
        spec = AssetSpec(name=name, kind=kind, channels=tuple(channels), text=text, rule=rule,
                         priority=int(priority), locale=locale,
                         tags=tuple(t for t in tags.split(",") if t.strip()),
                         valid_from=_moment(valid_from), valid_to=_moment(valid_to))
        user = current_user()
        try:
            with metadata() as meta:
                asset = save_asset(meta, con, spec, owner=user.name, role=user.role,
                                   content=upload.getvalue() if upload is not None else None, folder=folder)
        except GenomeError as exc:
            error(exc)
        else:
            st.session_state[state.STUDIO_ASSET_SAVED] = f"Saved {md(asset.name)} as version {asset.version}."
            st.session_state[state.STUDIO_ASSET_SHOWN] = asset.name
            st.rerun()
    if latest is not None:
        _versions(versions, folder)


def _versions(versions, folder) -> None:
    latest = versions[0]
    st.markdown(f"**Versions of {md(latest.name)}**")
    if latest.kind == "image" and (path := file_of(latest, folder)) and path.exists():
        st.image(str(path), width=320)
        st.caption(f"Version {latest.version}: {md(latest.text)}")
    st.dataframe(pd.DataFrame([{
        "version": v.version, "saved": v.created_at, "by": v.owner, "rule": v.rule or "everyone (fallback)",
        "priority": v.priority, "channels": v.channels, "tags": v.tags, "text": v.text,
        "valid from": v.valid_from, "valid to": v.valid_to,
        "picture": (v.content_hash or "")[:12]} for v in versions]), hide_index=True, width="stretch",
        key="studio_versions", placeholder=MISSING)
