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
    if "qini" in m:
        verdict = "" if card.get("status") == "published" else "not published: "
        return (f"{verdict}Qini {m['qini']:.3f} vs {m['propensity_qini']:.3f} for purchase propensity (0 is random) on "
                f"{len(m['evaluation_campaigns'])} later campaigns")
    if "roc_auc" in m and "baselines" in m:
        best = m["baselines"][m["best_baseline"]]
        if card.get("status") == "baseline published":
            return (f"rule published: {best['rule']}, ROC AUC {best['roc_auc']:.3f} (the model reached "
                    f"{m['model_roc_auc']:.3f})")
        return f"ROC AUC {m['roc_auc']:.3f} vs {best['roc_auc']:.3f} for {best['rule']}"
    if "roc_auc" in m:
        return f"ROC AUC {m['roc_auc']:.3f} on {m['customers']:,} customers after the cut-off"
    if "accuracy" in m:
        if card.get("status") == "baseline published":
            return (f"rule published: {m['baseline']}, accuracy {m['baseline_accuracy']:.1%} (the model reached "
                    f"{m['model_accuracy']:.1%})")
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
    if "value_mae" in m:
        if card.get("status") == "baseline published":
            return (f"rule published: {m['rule']}, spend error ${m['value_mae_rule']:,.2f} per customer (the model "
                    f"missed by ${m['value_mae']:,.2f})")
        return (f"spend error ${m['value_mae']:,.2f} per customer vs ${m['value_mae_rule']:,.2f} for "
                f"{m['rule']}")
    if "profiles" in m:
        return f"{m['k']} profiles, the largest number found again in every resample (stability " \
               f"{m['stability'][str(m['k'])]:.2f})"
    return ""


def publishes_nothing(card: dict) -> bool:
    """A model that could not be fitted and has no genes to hold a fallback (a life-event reader, an uplift
    model): nobody is on a fallback of it."""
    return card.get("status") == "not fitted" and not card.get("fallback_share")


def fallback_share(card: dict) -> str:
    """Who is on the model's fallback, as a share; a dash for a model that publishes nothing."""
    return "–" if publishes_nothing(card) else f"{card['fallback_share']:.1%}"


def summary(cards: list[dict]) -> pd.DataFrame:
    """One row per model: what it predicts, its headline figure, fallback share and when it was fitted."""
    return pd.DataFrame([{
        "model": c["title"], "in plain words": plain_sentence(c), "predicts": c["predicts"], "quality": headline(c),
        "training customers": c["training_customers"], "on fallback": fallback_share(c),
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
        # the reason is an error's own words, often with brackets of its own: a sentence of its own reads better
        reason = str(card["reason"]).rstrip(". ")
        if publishes_nothing(card):  # a model without score genes (life events)
            return f"Not fitted on this data: {reason}. It adds no genes until it can be."
        return f"Not fitted on this data: {reason}. Its genes hold a labelled fallback, so do not target on them yet."
    m = card["metrics"]
    if "qini" in m:
        return _uplift_sentence(card)
    ruled = card.get("status") == "baseline published"
    if "lift" in m and m.get("lift") and "base_rate" in m:
        top, base = m["lift"][0] * m["base_rate"], m["base_rate"]
        outcome = card.get("outcome", "had the outcome")
        if ruled:
            rule = m["baselines"][m["best_baseline"]]["rule"]
            return (f"The model did not beat the simple rule \"{rule}\", so the rule is published as this score: of "
                    f"the 10% it ranks highest, {top:.0%} {outcome}, {m['lift'][0]:.1f}× the average of {base:.0%}.")
        return (f"Of the 10% of customers this model scored highest, {top:.0%} {outcome}: {m['lift'][0]:.1f}× the "
                f"average of {base:.0%}. Start with them.")
    if "accuracy" in m and ruled:
        return (f"The model did not beat the simple rule \"{m['baseline']}\", so the rule is published: it names the "
                f"{card['predicts'].removeprefix('the ')} right for {m['baseline_accuracy']:.0%} of customers "
                f"(the model: {m['model_accuracy']:.0%}).")
    if "accuracy" in m:
        better = m["accuracy"] - m["baseline_accuracy"]
        verdict = "better than" if better > 0.005 else "no better than" if better > -0.005 else "worse than"
        said = (f"It names the {card['predicts'].removeprefix('the ')} right for {m['accuracy']:.0%} of customers, "
                f"{verdict} the simple rule \"{m['baseline']}\" ({m['baseline_accuracy']:.0%}).")
        if better > 0.005:
            return said
        # Published because it beat the rule on the earlier, validation weeks; the later weeks only report.
        return (f"{said} It is published because it beat the rule on earlier weeks; on these later weeks it did not, "
                "so expect no more of it than of the rule.")
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
    if "profiles" in m:
        biggest = sorted(m["profiles"].values(), key=lambda p: -p["fans"])[:3]
        return (f"Customers' buying falls into {m['k']} taste profiles found in what they buy together; the "
                "largest: " + "; ".join(f"{p['label']} ({p['fans']:,} fans)" for p in biggest)
                + ". Target a profile's fans with its categories.")
    if "value_mae" in m:
        return _lifetime_sentence(card)
    if "customers_per_tier" in m:
        tiers = m["customers_per_tier"].get("loyalty_tier", {})
        cuts = m.get("thresholds", {}).get("loyalty_tier")
        counts = ", ".join(f"{n:,} {t}" for t, n in tiers.items())
        reach = f"; Platinum starts at ${cuts[0]:,.0f} of spend in 12 months" if cuts else ""
        return f"Customers by overall tier: {counts}{reach}."
    return card.get("predicts", "")


def _lifetime_sentence(card: dict) -> str:
    m, days = card["metrics"], card.get("horizon_days", 90)
    said = (f"Judged on the last {days} days, the lifetime-value model missed what a customer spent by "
            f"${m['value_mae']:,.2f} on average, the simple rule \"{m['rule']}\" by ${m['value_mae_rule']:,.2f}")
    before = m.get("validation", {})
    earlier = f"the earlier {days} days (to {before['until']})" if before.get("until") else f"earlier {days} days"
    if m.get("published") == "rule":
        why = before.get("reason") or (f"on {earlier} the models did not come closer than the rules in "
                                       f"{before.get('lost_on') or 'shopping days and spend'}")
        return (f"{said}. The rules are published, as {why}: the expected 12-month value is four times a customer's "
                f"spend in the last {days} days, expected shopping days are those of the last {days}, and the chance "
                "still active is the share of customers like them who came back.")
    if m["closer"] == "model":
        return f"{said}: rank and size customers by their expected 12-month value."
    return (f"{said}. The models are published because they came closer on {earlier}; on these later days they "
            "did not, so expect no more of them than of the rule.")


def _uplift_sentence(card: dict) -> str:
    m = card["metrics"]
    gained, share = m["extra_buyers_per_1000"], m["target_share"]
    later = (f"On {len(m['evaluation_campaigns'])} later campaigns, sending to the {share:.0%} it ranked most "
             f"persuadable would have made {gained['model']:.1f} extra buyers per 1,000 customers, against "
             f"{gained['propensity']:.1f} sending to the {share:.0%} most likely to buy anyway and "
             f"{m['extra_buyers_per_1000_everyone']:.1f} sending to everyone")
    if card.get("status") == "published":
        return f"{later}. Target by uplift_purchase to spend messages where they change something."
    return f"{later}. Not published: {card.get('reason', '')}; target by propensity or by segment meanwhile."


def _lifetime_comparison(m: dict) -> pd.DataFrame:
    """The models beside the rule on the card's days, with the figures the build chose by (the days before)."""
    before = m.get("validation", {})

    def money(value) -> str:
        return "" if value is None else f"${value:,.2f}"

    def days(value) -> str:
        return "" if value is None else f"{value:.2f}"

    return pd.DataFrame([
        {"predicting by": "the models (BG/NBD x Gamma-Gamma)", "spend error per customer": money(m["value_mae"]),
         "rank correlation with spend": f"{m['value_rank']:.3f}", "shopping days error": days(m["days_mae"]),
         "spend error on validation": money(before.get("value_mae")),
         "shopping days error on validation": days(before.get("days_mae")),
         "published": "yes" if m.get("published", "model") == "model" else ""},
        {"predicting by": m["rule"], "spend error per customer": money(m["value_mae_rule"]),
         "rank correlation with spend": f"{m['value_rank_rule']:.3f}", "shopping days error": days(m["days_mae_rule"]),
         "spend error on validation": money(before.get("value_mae_rule")),
         "shopping days error on validation": days(before.get("days_mae_rule")),
         "published": "yes" if m.get("published") == "rule" else ""}])


def qini_frame(curve: dict) -> pd.DataFrame:
    """The uplift card's curves (on the later campaigns): extra buyers per 1,000 customers when sending to the
    top share by uplift, by purchase propensity, or at random, the figures its table gives."""
    end = curve["model"][-1]
    return pd.DataFrame({"share of customers sent to": curve["share"], "by uplift": curve["model"],
                         "by purchase propensity": curve["propensity"],
                         "at random": [round(s * end, 3) for s in curve["share"]]})


def comparison(card: dict) -> pd.DataFrame | None:
    """The model beside its simple rules on the evaluation window, with 95% bootstrap intervals, and which one
    validation chose to publish; None for a card with no rules to compare."""
    m = card.get("metrics", {})
    if "qini" in m:
        rows = [("uplift (two models)", m["qini"], m["qini_interval"], m.get("published") == "model",
                 m["validation"]["model"]),
                ("purchase propensity", m["propensity_qini"], m["propensity_interval"], False,
                 m["validation"]["propensity"]),
                ("random", 0.0, None, False, 0.0)]
        figure = "Qini coefficient"
    elif "baselines" in m and "roc_auc" in m:
        model = f"the model ({m['model_form']})" if m.get("model_form") else "the model"
        rows = [(model, m["model_roc_auc"], m["model_interval"], m.get("published") == "model",
                 m.get("validation", {}).get("model"))]
        rows += [(b["rule"], b["roc_auc"], b["interval"], m.get("published") == name,
                  m.get("validation", {}).get(name)) for name, b in m["baselines"].items()]
        figure = "ROC AUC"
    elif "value_mae" in m:
        return _lifetime_comparison(m)
    elif "model_accuracy" in m:
        rows = [("the model", m["model_accuracy"], None, m.get("published") == "model", m["validation"]["model"]),
                (m["baseline"], m["baseline_accuracy"], m.get("baseline_interval"),
                 m.get("published") == "baseline", m["validation"]["baseline"])]
        figure = "accuracy"
    elif "hit_rate_at_10" in m and "baselines" in m:
        chosen, validation = m.get("published", ""), m.get("validation", {})
        methods = m.get("methods") or ({chosen: {"hit_rate_at_10": m["hit_rate_at_10"],
                                                 "interval": m.get("hit_rate_interval")}}
                                       if chosen not in m["baselines"] else {})
        rows = [(_method_words(name), f["hit_rate_at_10"], f["interval"], chosen == name, validation.get(name))
                for name, f in methods.items()]
        rows += [(b["rule"], b["hit_rate_at_10"], b["interval"], chosen == name, validation.get(name))
                 for name, b in m["baselines"].items()]
        figure = "hit rate at 10"
    else:
        return None

    def between(interval) -> str:
        return f"{interval[0]:.3f} to {interval[1]:.3f}" if interval else ""

    return pd.DataFrame([{"ranking by": who, figure: f"{value:.3f}", "95% interval": between(interval),
                          "on validation": "" if val is None or val != val else f"{val:.3f}",
                          "published": "yes" if chosen else ""} for who, value, interval, chosen, val in rows])


def per_event_frame(card: dict) -> pd.DataFrame | None:
    """Life events one by one: precision and recall on wording no training text shares (held-out templates) and
    on the sealed hand-written posts, with how many posts each had."""
    m = card.get("metrics", {})
    if "per_event" not in m:
        return None
    sealed = m.get("sealed_per_event", {})
    rows = []
    for event, figures in m["per_event"].items():
        hand = sealed.get(event)
        rows.append({"life event": words(event), "precision, unseen wording": f"{figures['precision']:.0%}",
                     "recall, unseen wording": f"{figures['recall']:.0%}", "posts": f"{figures['posts']:,}",
                     "precision, sealed posts": f"{hand['precision']:.0%}" if hand else "",
                     "recall, sealed posts": f"{hand['recall']:.0%}" if hand else "",
                     "sealed posts": f"{hand['posts']:,}" if hand else ""})
    return pd.DataFrame(rows)


def _method_words(name: str) -> str:
    """A recommendation method's key as words: the ranker, or a mix of buying again and new products."""
    if name == "ranker":
        return "the model: own and neighbours' products ranked by what came back before"
    again, new = name.split()[1].split("/")
    return f"the model: buying again ×{again}, neighbours' products ×{new}"


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
