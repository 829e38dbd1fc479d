"""Campaigns for marketers: plan one (or many micro-campaigns at once), see who it reaches and what it can detect."""

import pandas as pd
import streamlit as st

from genome.campaigns.library import CHANNELS, TARGETS, list_campaigns, save_campaign
from genome.campaigns.measure import GOALS
from genome.campaigns.micro import cut_genes, plan_micro_campaigns
from genome.campaigns.send import audience, nobody_to_send, send_campaign
from genome.creative.library import current_assets
from genome.creative.templates import list_templates, load_template, unusable_templates
from genome.errors import GenomeError, InputError
from genome.segments.audience import genome
from genome.segments.library import saved_version, segment_table
from store.settings import get_settings
from ui import state
from ui.roles import current_user, may, refusal
from ui.segments import metadata
from ui.store import require_store, store_path
from ui.text import MISSING, code, error, md, with_commands

st.title("Campaigns")
if not may("run_campaigns"):
    st.info(refusal("run_campaigns", "Planning campaigns"), icon=":material/lock:")
    st.stop()
con = require_store()
user = current_user()
library = list_templates(get_settings().creative_dir)
with metadata() as meta:
    segments = [row.name for row in segment_table(meta)]
    plans = list_campaigns(meta)
    # only templates whose every slot can be filled from this store's asset library are offered
    left_out = unusable_templates(library, {asset.name for asset in current_assets(meta)})
templates = [name for name in library if name not in left_out]
if saved := st.session_state.pop(state.CAMPAIGNS_SAVED, None):
    st.success(saved, icon=":material/check_circle:")
if not segments or not templates:
    st.info("A campaign goes to a saved segment with a creative template whose assets are in the library: save a "
            "segment in the Segment builder, and add a template and its assets in the Creative studio "
            "(`genome creative load FOLDER --as USER`) first.", icon=":material/campaign:")
if left_out:
    st.caption("Not offered: " + "; ".join(f"{md(name)} ({md(why)})" for name, why in left_out.items()) + ".")
if not segments or not templates:
    st.stop()

one, many = st.tabs(["Plan a campaign", "Micro-campaigns"], key=state.CAMPAIGNS_TAB, on_change="rerun")


def _plan() -> None:
    with st.form("campaign_plan", border=True):
        left, right = st.columns(2)
        name = left.text_input("Name (letters, digits, dashes)", placeholder="spring-offer")
        goal = right.selectbox("Goal", list(GOALS), format_func=GOALS.get)
        segment = left.selectbox("Saved segment (its latest version)", segments)
        template = right.selectbox("Creative template", templates)
        a, b, c, d = st.columns(4)
        channel = a.selectbox("Channel", CHANNELS)
        holdout = b.number_input("Held out as control (%)", min_value=1, max_value=90, value=10, step=1)
        window = c.number_input("Attribution window (days)", min_value=1, max_value=365, value=14, step=1)
        cost = d.number_input("Cost per message", min_value=0.0, value=0.0, step=0.01, format="%.3f")
        offered = {gene: words for gene, words in TARGETS.items() if gene in genome(con).genes}
        e, f = st.columns(2)
        target = e.selectbox("Send to", [None, *offered], format_func=lambda g: offered.get(g, "everyone reachable "
                                                                                           "in the segment"),
                             help="Uplift ranks customers by how much a message changes their chance of buying; "
                                  "the model cards compare it with purchase propensity on later campaigns.")
        share = f.number_input("Share sent to when targeting (%)", min_value=1, max_value=100, value=30, step=5)
        if "uplift_purchase" not in offered:
            st.caption("Targeting by uplift appears once the uplift model is published (see Model cards): it "
                       "learns from past campaigns with a control group.")
        submitted = st.form_submit_button("Save the plan", type="primary")
    if submitted:
        try:
            with metadata() as meta:
                version = saved_version(meta, segment)[1].version
                plan = save_campaign(meta, name=name.strip(), goal=goal, owner=user.name, role=user.role,
                                     channel=channel, segment=segment, segment_version=version, template=template,
                                     holdout_share=holdout / 100, window_days=int(window), message_cost=float(cost),
                                     target_gene=target, target_share=share / 100 if target else 1.0)
        except GenomeError as exc:
            error(exc)
        else:
            st.session_state[state.CAMPAIGNS_SAVED] = f"Saved {md(plan.name)} (version {plan.version}, draft)."
            st.rerun()


def _micro() -> None:
    st.caption("Cut a saved segment by one or two category or flag genes: every cell big enough becomes a draft "
               "campaign of its own, with its own hold-out and so its own measured result.")
    with st.form("campaign_micro", border=True):
        left, right = st.columns(2)
        prefix = left.text_input("Name prefix", placeholder="spring")
        segment = right.selectbox("Saved segment", segments)
        by = left.multiselect("Cut by (one or two genes)", cut_genes(con), max_selections=2)
        template = right.selectbox("Creative template", templates)
        a, b, c = st.columns(3)
        goal = a.selectbox("Goal", list(GOALS), format_func=GOALS.get)
        holdout = b.number_input("Held out as control (%)", min_value=1, max_value=90, value=10, step=1)
        size = c.number_input("Smallest cell", min_value=10, value=200, step=10)
        submitted = st.form_submit_button("Plan the micro-campaigns", type="primary")
    if submitted:
        try:
            with metadata() as meta:
                plan = plan_micro_campaigns(meta, con, prefix=prefix.strip(), segment=segment, dimensions=by,
                                            template=template, goal=goal, owner=user.name, role=user.role,
                                            holdout_share=holdout / 100, min_size=int(size))
        except GenomeError as exc:
            error(exc)
        else:
            st.session_state[state.CAMPAIGNS_SAVED] = (
                f"Planned {len(plan.cells):,} micro-campaigns; {plan.left_out:,} cells under {int(size):,} people "
                f"left out ({plan.left_out_customers:,} customers).")
            st.rerun()


for tab, draw in ((one, _plan), (many, _micro)):
    if tab.open:
        with tab:
            draw()

if plans:
    st.markdown("**Campaigns**")
    st.dataframe(pd.DataFrame([{
        "campaign": p.name, "version": p.version, "state": p.state, "goal": GOALS[p.goal], "segment": p.segment,
        "cell": p.cell, "template": p.template, "channel": p.channel, "held out": p.holdout_share,
        "window (days)": p.window_days, "cost per message": p.message_cost,
        "sent to": f"top {p.target_share:.0%} by {p.target_gene}" if p.target_gene else "everyone reachable",
        "owner": p.owner} for p in plans]),
        hide_index=True, width="stretch", key="campaigns_list",
        column_config={"held out": st.column_config.NumberColumn(format="percent")}, placeholder=MISSING)
    drafts = [p.name for p in plans if p.state in ("draft", "scheduled") and p.segment]
    if drafts:
        name = st.selectbox("Before sending: who a planned campaign reaches now", drafts, key=state.CAMPAIGNS_DRAFT)
        try:
            with metadata() as meta, st.spinner("Reading consent and splitting the audience…"):
                people = audience(meta, con, name, role=user.role)
        except GenomeError as exc:
            error(exc)
        else:
            a, b, c, d = st.columns(4)
            a.metric("Members", f"{people.members:,}")
            b.metric("Without consent on the channel", f"{people.without_consent:,}")
            plan = next(p for p in plans if p.name == name)
            aimed = (f", {people.below_target:,} below the top {plan.target_share:.0%} by {md(plan.target_gene)}"
                     if plan.target_gene else "")
            c.metric("Treated / held out", f"{len(people.treated):,} / {len(people.control):,}",
                     help=f"{people.over_cap:,} left out at the weekly cap, {people.globally_held_out:,} in the "
                          f"global hold-out (kept out of every campaign){aimed}")
            d.metric("Smallest detectable lift on buying", MISSING if people.detectable_effect is None
                     else f"{people.detectable_effect:+.2%}",
                     help=f"from the {people.baseline_rate:.2%} who bought in a window before; 5% test, 80% power")
            nobody = nobody_to_send(people, channel=plan.channel)
            if nobody is not None:
                st.warning(f"Campaign {md(name)}: {with_commands(nobody)}.", icon=":material/block:")
            sure = st.checkbox(f"I have checked {md(name)}'s audience and its messages in the Creative studio",
                               key=state.CAMPAIGNS_SURE)
            ready = sure and plan.template and nobody is None
            if st.button(f"Send {md(name)} now", type="primary", disabled=not ready, key=state.CAMPAIGNS_SEND):
                try:
                    source = list_templates(get_settings().creative_dir).get(plan.template)
                    if source is None:
                        raise InputError(f"template {plan.template!r} is not in the creative library")
                    with metadata() as meta, st.spinner("Rendering every treated recipient's message…"):
                        sent = send_campaign(meta, con, name, load_template(source),
                                             outbox=store_path().with_suffix(".outbox"), by=user.name,
                                             role=user.role, write_store=False)
                except GenomeError as exc:
                    error(exc)
                else:
                    st.session_state[state.CAMPAIGNS_SAVED] = (
                        f"Sent {md(name)}: {sent.treated:,} messages in the outbox ({md(sent.outbox)}), "
                        f"{sent.control:,} held out. Its receipts and hold-outs join the store at the next ingest "
                        "or build, before any response can.")
                    st.rerun()
            st.caption("Nothing leaves the product: messages go to the outbox, for the sending system to pick up. "
                       "From the shell: " + code(f"genome campaign send {name} --as {user.name}"))
