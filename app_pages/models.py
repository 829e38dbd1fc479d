"""Model cards: what each model predicts, how it was trained, how good it is, who is on a fallback."""

import functools

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from genome.genes.labels import label_for
from genome.models.card_view import (
    calibration_frame,
    comparison,
    fallback_share,
    headline,
    lift_frame,
    per_event_frame,
    plain_sentence,
    publishes_nothing,
    readable_feature,
    roc_frame,
    summary,
)
from genome.models.published import model_cards
from genome.models.refit import refit_aside
from store.settings import get_settings
from ui import jobs, state
from ui.charts import uplift_curve_figure
from ui.roles import current_actor, current_role, may
from ui.store import require_store, store_path
from ui.text import MISSING, md

st.title("Model cards")
con = require_store()
cards = model_cards(con)
key = jobs.refit_key(store_path())


def refit(job: jobs.Job, *, by: str, role: str) -> str:
    settings = get_settings()
    report = refit_aside(store_path(), by=by, role=role, tiers=settings.loyalty_tiers,
                         approaching_days=settings.approaching_days, profiling_basis=settings.profiling_basis,
                         progress=job.progress)
    return f"{report.models} models refitted in {report.seconds:.0f} s"


@st.fragment(run_every=1.0)
def refit_status() -> None:
    job = jobs.job_for(key)
    if job is None:
        return
    if job.running:
        st.progress(job.done / job.total, text=f"Refitting models ({md(job.started_by)}): {md(job.step)}…")
    elif job.error:
        st.error(f"The refit failed and the models are unchanged: {md(job.error)}", icon=":material/error:")
    elif st.session_state.get(state.MODELS_REFIT) != job.finished:
        # show the new cards once: the store was swapped, so the next run reads it
        st.session_state[state.MODELS_REFIT] = job.finished
        st.rerun(scope="app")
    else:
        st.success(md(job.summary), icon=":material/check_circle:")


if may("refit_models"):
    running = (job := jobs.job_for(key)) is not None and job.running
    if st.button("Refit models", icon=":material/model_training:", disabled=running, key="models_refit_button",
                 help="Fits every model again on the current data; everyone keeps the current models until "
                      "the new ones are complete."):
        # who and in which role are read here: the job's thread has no session to ask
        jobs.start(key, "refit models", current_actor(),
                   functools.partial(refit, by=current_actor(), role=current_role()))
refit_status()

if not cards:
    st.info("No models fitted yet. Refit here (marketer or admin) or run `genome models fit` to fit, evaluate "
            "and score every model.", icon=":material/model_training:")
    st.stop()

st.caption(f"{len(cards)} models · fitted {cards[0]['fitted_at']:%d %b %Y %H:%M} UTC on the store's own data, "
           "judged on what happened after their cut-off")
table = summary(cards)
# a static table: the sentences wrap instead of being cut off
st.table({"model": [md(m) for m in table["model"]], "in plain words": [md(t) for t in table["in plain words"]],
          "quality": [md(q) for q in table["quality"]],
          "on fallback": list(table["on fallback"])}, hide_index=True, border="horizontal")

for card in cards:
    with st.expander(f"{card['title']}: {headline(card)}", expanded=False):
        st.markdown(f"**{md(plain_sentence(card))}**")
        # a model that scores everyone it publishes for (uplift) has no fallback to describe
        fallback = (f"  \n**Fallback**, for {fallback_share(card)} of {card['scored_customers']:,} customers: "
                    f"{md(card['fallback'])}." if card.get("fallback") and not publishes_nothing(card) else "")
        # a model not fitted on this data was trained on nothing: no line for it
        trained = (f"  \n**Trained on** {md(card['training_window'])} ({card['training_customers']:,} examples)."
                   if card.get("training_window") else "")
        st.markdown(f"**Predicts** {md(card['predicts'])}.{trained}{fallback}")
        if card.get("features"):
            features = [readable_feature(f) for f in card["features"]]
            st.caption("Learns from: " + md("; ".join(features[:40]))
                       + (f"; and {len(features) - 40} more" if len(features) > 40 else ""))
        metrics = card["metrics"]
        beside = comparison(card)
        if beside is not None and "qini" in metrics:
            st.markdown("**Beside random targeting and targeting by purchase propensity**, on the later campaigns "
                        "(whether to publish was decided on customers held out of the earlier ones, never on these)")
            st.table(beside.map(md), hide_index=True, border="horizontal")
        elif beside is not None and "value_mae" in metrics:  # the lifetime-value genes, chosen at the build
            st.markdown("**Beside simple rules**, on the days after the cut-off (the models or rules published were "
                        "chosen by the genome build on the days before, never on these)")
            st.table(beside.map(md), hide_index=True, border="horizontal")
        elif beside is not None:
            st.markdown("**Beside simple rules**, on customers after the cut-off (the model or rule published was "
                        "chosen on customers held out of training, never on these)")
            st.table(beside.map(md), hide_index=True, border="horizontal")
        if "roc" in metrics:
            roc, cal, lift = st.columns(3)
            fig = px.line(roc_frame(card), x="false positive rate", y="true positive rate",
                          title=f"ROC (AUC {metrics['roc_auc']:.3f})")
            fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"}, name="chance"))
            roc.plotly_chart(fig, key=f"roc_{card['name']}")
            fig = px.line(calibration_frame(card), x="mean predicted", y="observed rate", markers=True,
                          title="Calibration by predicted tenth")
            fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"dash": "dot"}, name="perfect"))
            cal.plotly_chart(fig, key=f"cal_{card['name']}")
            lift.plotly_chart(px.bar(lift_frame(card), x="decile", y="lift",
                                     title="Lift by decile (1 = highest scores)"), key=f"lift_{card['name']}")
        elif "qini" in metrics and "curve_per_1000" not in metrics:
            st.caption("The curves are drawn by the next model fit (`genome models fit`).")
        elif "qini" in metrics:
            st.plotly_chart(uplift_curve_figure(metrics["curve_per_1000"],
                                                title="Extra buyers per 1,000 customers, later campaigns"),
                            key=f"qini_{card['name']}")
        elif "per_class_f1" in metrics:
            events = per_event_frame(card)
            if events is not None:
                st.markdown("**Each life event**: precision (of posts read as it, the share that were) and recall "
                            "(of its posts, the share read as it)")
                st.table(events.map(md), hide_index=True, border="horizontal")
            else:
                st.bar_chart({k: v for k, v in metrics["per_class_f1"].items()}, horizontal=True)
        elif "classes" in metrics:
            st.metric("Accuracy", f"{metrics['accuracy']:.1%}",
                      f"{metrics['accuracy'] - metrics['baseline_accuracy']:+.1%} vs {metrics['baseline']}")
        elif "hit_rate_at_10" in metrics:
            st.metric("Bought one of the ten products published", f"{metrics['hit_rate_at_10']:.1%}",
                      help="share of customers who bought one of their ten recommendations (hit rate at 10)")
        elif "customers_per_tier" in metrics:
            tiers = pd.DataFrame({label_for(gene): counts for gene, counts in metrics["customers_per_tier"].items()})
            st.dataframe(tiers.rename_axis("tier").reset_index(), width="stretch", hide_index=True,
                         column_config={c: st.column_config.NumberColumn(f"customers by {c.lower()}",
                                                                         format="localized") for c in tiers.columns},
                         placeholder=MISSING)
