"""Model cards as people read them: one plain sentence to act on, the headline figure, the plot data.

Pure data shaping for the model cards page and the CLI; no Streamlit here.
The sentence comes from the card's own out-of-time figures, measured on
customers the model never saw.
"""

import pandas as pd

from genome.genes.labels import label_for, words


def headline(card: dict) -> str:
    """The one figure that says how good a model is, with its baseline where it has one."""
    if card.get("status") == "not fitted":
        return f"not fitted: {card['reason']}"
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
        rule, rate = best_recommendation_rule(m)
        return f"hit rate at 10 {m['hit_rate_at_10']:.1%} vs {rate:.1%} for {rule}"
    if "customers_per_tier" in m:
        tiers = m["customers_per_tier"].get("loyalty_tier", {})
        return ", ".join(f"{t} {n:,}" for t, n in tiers.items())
    return ""


def summary(cards: list[dict]) -> pd.DataFrame:
    """One row per model: what it predicts, its headline figure, fallback share and when it was fitted."""
    return pd.DataFrame([{
        "model": c["title"], "in plain words": plain_sentence(c), "predicts": c["predicts"], "quality": headline(c),
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


def plain_sentence(card: dict) -> str:
    """What a marketer can act on, in one sentence, from the card's figures."""
    if card.get("status") == "not fitted":
        return (f"Not fitted on this data ({card['reason']}): its genes hold a labelled fallback, so do not target "
                "on them yet.")
    m = card["metrics"]
    if "lift" in m and m.get("lift") and "base_rate" in m:
        top, base = m["lift"][0] * m["base_rate"], m["base_rate"]
        outcome = card.get("outcome", "had the outcome")
        return (f"Of the 10% of customers this model scored highest, {top:.0%} {outcome}: {m['lift'][0]:.1f}× the "
                f"average of {base:.0%}. Start with them.")
    if "accuracy" in m:
        better = m["accuracy"] - m["baseline_accuracy"]
        verdict = "better than" if better > 0.005 else "no better than" if better > -0.005 else "worse than"
        return (f"It names the {card['predicts'].removeprefix('the ')} right for {m['accuracy']:.0%} of customers, "
                f"{verdict} the simple rule \"{m['baseline']}\" ({m['baseline_accuracy']:.0%}).")
    if "macro_f1" in m:
        return (f"It reads customers' own life events from their posts with a macro F1 of {m['macro_f1']:.2f} on "
                f"wording it never saw (1.0 is perfect): use the event genes to time messages, and expect "
                f"some misses.")
    if "hit_rate_at_10" in m:
        days = card.get("horizon_days", 90)
        rule, rate = best_recommendation_rule(m)
        if card.get("status") == "baseline published":
            return (f"The model did not beat the simple rule \"{rule}\", so that rule is published: "
                    f"{m['hit_rate_at_10']:.1%} of customers bought one of its ten products within {days} days.")
        return (f"{m['hit_rate_at_10']:.1%} of customers bought one of their ten recommended products within "
                f"{days} days, against {rate:.1%} with the best simple rule, {rule}.")
    if "customers_per_tier" in m:
        tiers = m["customers_per_tier"].get("loyalty_tier", {})
        cuts = m.get("thresholds", {}).get("loyalty_tier")
        counts = ", ".join(f"{n:,} {t}" for t, n in tiers.items())
        reach = f"; Platinum starts at ${cuts[0]:,.0f} of spend in 12 months" if cuts else ""
        return f"Customers by overall tier: {counts}{reach}."
    return card.get("predicts", "")


def best_recommendation_rule(metrics: dict) -> tuple[str, float]:
    """The simple rule recommendations are judged beside: the best one on the card, else the most popular."""
    best = metrics.get("best_baseline")
    if best and best in metrics.get("baselines", {}):
        rule = metrics["baselines"][best]
        return rule["rule"], rule["hit_rate_at_10"]
    return "the ten most popular products", metrics["popular_hit_rate_at_10"]


def readable_feature(name: str) -> str:
    """A model input as words: gene-like names read as gene labels, per-category counts name the category."""
    if ":" in name:
        kind, value = name.split(":", 1)
        return f"{words(kind).capitalize()} of {words(value)}"
    return label_for(name)
