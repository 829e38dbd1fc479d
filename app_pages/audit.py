"""Audit log: administrators see who looked at or changed what, filter it, check its chain and download it."""

import pandas as pd
import streamlit as st

from genome.audit import ACTIONS, entries, verify
from ui import state
from ui.roles import may, refusal
from ui.segments import metadata
from ui.text import MISSING, md

st.title("Audit log")
if not may("read_audit"):
    st.info(refusal("read_audit", "Reading the audit log"), icon=":material/lock:")
    st.stop()

left, middle, right = st.columns(3)
actor = left.text_input("Person", key=state.AUDIT_ACTOR, placeholder="any")
action = middle.selectbox("Action", ["any", *ACTIONS], key=state.AUDIT_ACTION)
target = right.text_input("Customer id or segment", key=state.AUDIT_TARGET, placeholder="any")
with metadata() as meta:
    rows = entries(meta, actor=actor.strip() or None, action=None if action == "any" else action,
                   target=target.strip() or None)
    check = verify(meta)
if check.intact:
    st.success(f"The chain of {check.entries:,} entries is intact: no entry was changed or removed.",
               icon=":material/verified:")
else:
    st.error(f"The chain is broken at entry {check.broken_at}: {md(check.reason)}.", icon=":material/error:")
frame = pd.DataFrame([{"id": e.id, "when": e.at, "person": e.actor, "role": e.role, "action": e.action,
                       "on": e.target, "detail": e.detail} for e in rows],
                     columns=["id", "when", "person", "role", "action", "on", "detail"])
st.caption(f"{len(frame):,} entries, oldest first")
if frame.empty:
    st.info("No entry matches: looks at customer profiles and other audited acts appear here as they happen.")
else:
    st.dataframe(frame, hide_index=True, width="stretch", placeholder=MISSING)
    st.download_button("Download as CSV", frame.to_csv(index=False).encode(), file_name="audit-log.csv",
                       mime="text/csv", key="audit_download")
