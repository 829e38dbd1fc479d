"""Model cards as tables for display: the headline figure and the plot data of each card.

Pure data shaping for the model cards page and the CLI; no Streamlit here.
"""

import pandas as pd


def headline(card: dict) -> str:
    """The one figure that says how good a model is, with its baseline where it has one."""
    m = card["metrics"]
    if "roc_auc" in m:
        return f"ROC AUC {m['roc_auc']:.3f} on {m['customers']:,} customers after the cut-off"
    if "accuracy" in m:
        return f"accuracy {m['accuracy']:.1%} vs {m['baseline_accuracy']:.1%} for {m['baseline']}"
    if "macro_f1" in m:
        sealed = f"; {m['sealed_macro_f1']:.3f} on {m['sealed_posts']} sealed hand-written posts" \
            if "sealed_macro_f1" in m else ""
        return f"macro F1 {m['macro_f1']:.3f} on wording templates it never saw{sealed}"
    if "hit_rate_at_10" in m:
        return f"hit rate at 10 {m['hit_rate_at_10']:.1%} vs {m['popular_hit_rate_at_10']:.1%} for most popular"
    if "customers_per_tier" in m:
        tiers = m["customers_per_tier"].get("loyalty_tier", {})
        return ", ".join(f"{t} {n:,}" for t, n in tiers.items())
    return ""


def summary(cards: list[dict]) -> pd.DataFrame:
    """One row per model: what it predicts, its headline figure, fallback share and when it was fitted."""
    return pd.DataFrame([{
        "model": c["title"], "predicts": c["predicts"], "quality": headline(c),
        "training customers": c["training_customers"], "on fallback": c["fallback_share"],
        "fitted": c["fitted_at"],
    } for c in cards])


def roc_frame(card: dict) -> pd.DataFrame:
    roc = card["metrics"]["roc"]
    return pd.DataFrame({"false positive rate": roc["fpr"], "true positive rate": roc["tpr"]})


def calibration_frame(card: dict) -> pd.DataFrame:
    cal = card["metrics"]["calibration"]
    return pd.DataFrame({"mean predicted": cal["predicted"], "observed rate": cal["observed"]})


def lift_frame(card: dict) -> pd.DataFrame:
    lift = card["metrics"]["lift"]
    return pd.DataFrame({"decile": [f"{i}" for i in range(1, len(lift) + 1)], "lift": lift})
