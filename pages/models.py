"""Model cards: what each model predicts, how it was trained, how good it is, who is on a fallback."""

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from genome.models.card_view import calibration_frame, headline, lift_frame, roc_frame, summary
from genome.models.published import model_cards
from ui.store import cursor

st.title("Model cards")
con = cursor()
if con is None:
    st.info("No customer store yet: create one with `genome demo` or load files with `genome ingest`.",
            icon=":material/inbox:")
    st.stop()
cards = model_cards(con)
if not cards:
    st.info("No models fitted yet. Run `genome models fit` to fit, evaluate and score every model.",
            icon=":material/model_training:")
    st.stop()

st.caption(f"{len(cards)} models · fitted {cards[0]['fitted_at']:%d %b %Y %H:%M} UTC on the store's own data, "
           "judged on what happened after their cut-off · refit with `genome models fit`")
st.dataframe(summary(cards), hide_index=True, width="stretch",
             column_config={"on fallback": st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                           max_value=1)})

for card in cards:
    with st.expander(f"{card['title']} — {headline(card)}", expanded=False):
        st.markdown(f"**Predicts** {card['predicts']}.  \n**Trained on** {card['training_window']} "
                    f"({card['training_customers']:,} examples).  \n**Fallback** {card['fallback']} "
                    f"({card['fallback_share']:.1%} of {card['scored_customers']:,} customers).")
        if card.get("features"):
            st.caption("Features: " + ", ".join(card["features"][:40])
                       + (f" and {len(card['features']) - 40} more" if len(card["features"]) > 40 else ""))
        metrics = card["metrics"]
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
        elif "per_class_f1" in metrics:
            st.bar_chart({k: v for k, v in metrics["per_class_f1"].items()}, horizontal=True)
        elif "classes" in metrics:
            st.metric("Accuracy", f"{metrics['accuracy']:.1%}",
                      f"{metrics['accuracy'] - metrics['baseline_accuracy']:+.1%} vs {metrics['baseline']}")
        elif "hit_rate_at_10" in metrics:
            left, right = st.columns(2)
            left.metric("Hit rate at 10", f"{metrics['hit_rate_at_10']:.1%}")
            right.metric("Most popular products", f"{metrics['popular_hit_rate_at_10']:.1%}")
        elif "customers_per_tier" in metrics:
            st.dataframe(metrics["customers_per_tier"], width="stretch")
