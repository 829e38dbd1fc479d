"""Customer: service staff find one customer by anything they have and read their whole profile."""

from datetime import date

import pandas as pd
import streamlit as st

from genome.consent_changes import record_consent_change
from genome.erasure import erase_customer
from genome.errors import GenomeError
from genome.events import CONSENT_PURPOSES
from genome.formatting import money, percent
from genome.genes.labels import family_label, sentence
from genome.service.lookup import find_customers
from genome.service.profile import customer_profile
from store.settings import get_settings
from ui import state
from ui.roles import current_actor, current_role, may, refusal
from ui.segments import metadata
from ui.store import require_store, store_path
from ui.text import MISSING, error, md

st.title("Customer")
if not may("read_profiles"):
    st.info(refusal("read_profiles", "Reading customer profiles"), icon=":material/lock:")
    st.stop()
con = require_store()

if erased := st.session_state.pop(state.CUSTOMER_ERASED, None):
    st.session_state[state.CUSTOMER_SEARCH] = ""  # the customer is gone: start from an empty search
    st.success(md(erased["summary"]), icon=":material/delete_forever:")
    if erased["exports"]:
        st.warning("These earlier exports held the customer. Files already sent cannot be recalled: ask each "
                   "recipient to delete the person, and delete the files still on disk.", icon=":material/warning:")
        st.dataframe(pd.DataFrame(erased["exports"]), hide_index=True, width="stretch", placeholder=MISSING)

text = st.text_input("Find a customer", key=state.CUSTOMER_SEARCH,
                     placeholder="e-mail, phone in any format, loyalty id, customer id, or part of one",
                     help="An exact identifier opens the customer; part of one (at least three characters, "
                          "such as a surname in an e-mail address) lists those who match.")
if not text.strip():
    st.caption("Type what the caller gives you: an e-mail, a phone number, a loyalty card or a customer id.")
    st.stop()
try:
    matches = find_customers(con, text, reveal=may("reveal_contacts"), region=get_settings().phone_region)
except GenomeError as exc:
    error(exc)
    st.stop()
if not matches:
    st.warning(f"No customer has an identifier that is or contains {md(text.strip())}.",
               icon=":material/person_search:")
    st.stop()
if len(matches) > 1:
    shown = {m.customer_id: f"{m.customer_id} · {m.kind.replace('_', ' ')} {m.value}" for m in matches}
    customer_id = st.selectbox(f"{len(matches)} customers match: pick one", list(shown), format_func=shown.get,
                               key=state.CUSTOMER_PICK)
else:
    customer_id = matches[0].customer_id

# the timeline's channel and page, as the widgets below were left (they are drawn after the profile is read);
# another customer starts on all channels, page 1
if st.session_state.get(state.CUSTOMER_SHOWN) != customer_id:
    st.session_state[state.CUSTOMER_SHOWN] = customer_id
    st.session_state[state.CUSTOMER_CHANNEL] = "all channels"
    st.session_state[state.CUSTOMER_PAGE] = 1
picked = st.session_state.get(state.CUSTOMER_CHANNEL, "all channels")
channel = None if picked == "all channels" else picked
with metadata() as meta:
    profile = customer_profile(con, customer_id, actor=current_actor(), role=current_role(), meta=meta,
                               channel=channel,
                               page=int(st.session_state.get(state.CUSTOMER_PAGE, 1)))
c, outlook = profile["customer"], profile["outlook"]
st.subheader(f"Customer {md(c['customer_id'])}")
st.caption(f"{c['events']:,} events from {c['first_seen']:%d %b %Y} to {c['last_seen']:%d %b %Y}"
           + (" · e-mails and phones masked for your role" if profile["contacts_masked"] else ""))


def events_table(rows: list[dict]) -> pd.DataFrame:
    """Events as people read them: headed in words, money as money, nothing shown where nothing is known."""
    frame = pd.DataFrame(rows, columns=["occurred_at", "channel", "event_type", "product", "category", "amount",
                                        "store_id", "city", "text"])
    frame["amount"] = [money(a, cents=True) if a is not None and a == a else "" for a in frame["amount"]]
    frame["event_type"] = frame["event_type"].str.replace("_", " ")
    frame = frame.rename(columns={"occurred_at": "when", "event_type": "what", "store_id": "store"}).fillna("")
    # a column empty on every row shown (no cities, no texts in a till's data) only takes room
    return frame[[c for c in frame.columns if c in ("when", "channel", "what") or (frame[c] != "").any()]]


cols = st.columns(4)
basis = {name: md(description) for name, description in outlook["basis"].items()}  # how each is worked out
cols[0].metric("Expected 12-month value", money(outlook["expected_value_12m"]) if outlook["expected_value_12m"]
               is not None else "unknown", help=basis.get("clv_12m"))
cols[1].metric("Chance still active", percent(outlook["chance_active"]), help=basis.get("p_alive"))
cols[2].metric("Churn risk, 90 days", percent(outlook["churn_risk_90d"]), help=basis.get("churn_risk_90d"))
loyalty = profile["loyalty"]
cols[3].metric("Loyalty tier", md(loyalty["tier"]) if loyalty else "no tier",
               help=(f"{money(loyalty['needs'])} more spend in 12 months reaches {loyalty['next_tier']}"
                     if loyalty and loyalty.get("next_tier") else None))
if outlook["days_since_last_purchase"] is not None and outlook["genome_day"]:
    st.caption(f"Last purchase {outlook['days_since_last_purchase']:,.0f} days before "
               f"{date.fromisoformat(outlook['genome_day']):%d %b %Y}, the day the genome is built as of.")
action = outlook["next_best_action"]
st.info(f"**Next best action: {md(action['action'])}.** {md(sentence(action['reason']))}.", icon=":material/lightbulb:")

overview, people, events, service, marketing = st.tabs(
    ["Genes", "Identities and consent", "Timeline", "Tickets and returns", "Segments and campaigns"])

with overview:
    if profile["favourite_categories"]:
        st.markdown("**Favourite categories** (spend, last 365 days): " + "; ".join(
            f"{md(g['label'])} {md(g['value'])}" for g in profile["favourite_categories"]))
    for event in profile["life_events"]:
        st.markdown(f"**Life event:** {md(event['event'])} on {event['date']:%d %b %Y} "
                    f"({event['posts']} post{'s' if event['posts'] != 1 else ''})")
    if profile["recommendations"]:
        st.markdown("**Recommended products:** " + "; ".join(md(r["name"]) for r in profile["recommendations"]))
    if not profile["genes"]:
        st.info("No genes yet: the genome has not been built since this customer's first event.")
    for family, genes in profile["genes"].items():
        with st.expander(f"{md(family_label(family))} ({len(genes)})", expanded=family in (
                "value", "persona", "taste", "life_events")):
            # the label before the long description, which is cut to the column (its cell shows it whole)
            rows = [{"gene": g["label"], "value": g["value"], "sensitive": (g["sensitivity"] or "").replace("_", " "),
                     "what it means": g["description"]} for g in genes]
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", placeholder=MISSING,
                         column_config={"gene": st.column_config.TextColumn(width="medium"),
                                        "value": st.column_config.TextColumn(width="medium"),
                                        "sensitive": st.column_config.TextColumn(width="small"),
                                        "what it means": st.column_config.TextColumn(width="large")})

with people:
    # a static table: staff read values out and copy them, and a few rows need no scrolling grid
    st.table(pd.DataFrame([{"kind": md(i["kind"].replace("_", " ")), "value": md(i["value"]),
                            "first seen": f"{i['first_seen']:%Y-%m-%d %H:%M}", "linked by event": md(i["proved_by"])}
                           for i in profile["identities"]]), hide_index=True, border="horizontal")
    if profile["refusals"]:
        st.markdown("**Links refused** (identifiers seen together but not merged)")
        st.dataframe(pd.DataFrame(profile["refusals"]), hide_index=True, width="stretch", placeholder=MISSING)
    st.markdown("**Consent now**")
    if profile["consent"]["now"]:
        st.dataframe(pd.DataFrame([{"purpose": x["purpose"], "decision": "granted" if x["granted"] else "refused",
                                    "since": x["decided_at"]} for x in profile["consent"]["now"]]),
                     hide_index=True, width="stretch", placeholder=MISSING)
    else:
        st.caption("No consent decision recorded: marketing may not reach this customer.")
    with st.expander(f"Consent history ({len(profile['consent']['history'])} decisions)"):
        st.dataframe(pd.DataFrame(profile["consent"]["history"]), hide_index=True, width="stretch", placeholder=MISSING)
    if may("change_consent"):
        with st.form(f"consent_change::{customer_id}", clear_on_submit=True):
            st.markdown("**Record a consent decision the customer gives you**")
            left, middle = st.columns(2)
            purpose = left.selectbox("Purpose", list(CONSENT_PURPOSES), key=state.CONSENT_PURPOSE,
                                     format_func=lambda p: f"{p}: {CONSENT_PURPOSES[p]}")
            decision = middle.radio("Decision", ["refused", "granted"], horizontal=True, key=state.CONSENT_DECISION)
            reason = st.text_input("Reason", key=state.CONSENT_REASON, max_chars=500,
                                   placeholder="for example: asked on the phone to stop marketing e-mails")
            if st.form_submit_button("Record decision", type="primary"):
                try:
                    with metadata() as meta:
                        record_consent_change(meta, con, customer_id=customer_id, purpose=purpose,
                                              granted=decision == "granted", reason=reason, actor=current_actor(),
                                              role=current_role())
                    st.session_state[state.CONSENT_RECORDED] = f"{purpose} {decision}"
                    st.rerun()  # the profile is read again, with the decision in it
                except GenomeError as exc:
                    error(exc)
        if recorded := st.session_state.pop(state.CONSENT_RECORDED, None):
            st.success(f"Recorded: {md(recorded)}. It counts from now for every export and message.",
                       icon=":material/check_circle:")

with events:
    shown = profile["timeline"]
    st.session_state[state.CUSTOMER_PAGE] = shown["page"]  # within the pages there are
    left, right = st.columns([2, 1])
    left.selectbox("Channel", ["all channels", *shown["channels"]], key=state.CUSTOMER_CHANNEL)
    right.number_input(f"Page (of {shown['pages']})", min_value=1, max_value=shown["pages"], step=1,
                       key=state.CUSTOMER_PAGE)
    st.caption(f"{shown['total']:,} events" + (f" on {md(channel)}" if channel else "") + ", newest first")
    st.dataframe(events_table(shown["events"]), hide_index=True, width="stretch", placeholder=MISSING)

with service:
    support = profile["returns_support"]
    st.markdown(f"**For a return now: {md(support['suggestion'])}.** {md(sentence(support['reason']))}.")
    st.markdown(f"**Service tickets** ({len(profile['tickets'])})")
    if profile["tickets"]:
        st.dataframe(pd.DataFrame(profile["tickets"]), hide_index=True, width="stretch", placeholder=MISSING)
    st.markdown(f"**Returns** ({len(profile['returns'])})")
    if profile["returns"]:
        st.dataframe(pd.DataFrame(profile["returns"]), hide_index=True, width="stretch", placeholder=MISSING)

with marketing:
    segments = profile["segments"] or []
    st.markdown("**Saved segments the customer is in** (as each was last saved)")
    if segments:
        st.dataframe(pd.DataFrame([{"segment": s["segment"], "version": s["version"],
                                    "saved (UTC)": f"{s['saved_at']:%Y-%m-%d %H:%M}"} for s in segments]),
                     hide_index=True, width="stretch", placeholder=MISSING)
    else:
        st.caption("In no saved segment.")
    st.markdown("**Campaigns received**")
    if profile["campaigns"]:
        st.dataframe(pd.DataFrame(profile["campaigns"]), hide_index=True, width="stretch", placeholder=MISSING)
    else:
        st.caption("No campaign messages, receipts or coupon redemptions on record.")

if may("erase_customers"):
    with st.expander("Erase this customer", icon=":material/delete_forever:"):
        st.caption("Removes the customer from every table of the store and the metadata store (events, quarantined "
                   "rows, identifiers, genes, scores, recommendations, segment memberships, consent decisions) and "
                   "refuses their data if it is sent again. It cannot be undone.")
        with st.form(f"erase::{customer_id}"):
            reason = st.text_input("Reason (kept in the audit log: the request's date and ticket, no personal data)",
                                   key=state.ERASE_REASON, max_chars=500)
            typed = st.text_input(f"Type the customer id {md(customer_id)} to confirm", key=state.ERASE_CONFIRM)
            if st.form_submit_button("Erase for good", type="primary"):
                if typed.strip() != customer_id:
                    st.error("The customer id typed does not match: nothing was erased.")
                else:
                    try:
                        with st.spinner("Erasing on a copy of the store, then swapping it in…"):
                            report = erase_customer(store_path(), customer_id, actor=current_actor(),
                                                    role=current_role(), reason=reason)
                        st.session_state[state.CUSTOMER_ERASED] = {"summary": "C" + report.summary()[1:],
                                                                   "exports": report.exports}
                        st.rerun()
                    except GenomeError as exc:
                        error(exc)
