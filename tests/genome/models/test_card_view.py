"""Model cards in words: a rule that won is named as what is published, and the model sits beside its rules."""

from genome.models.card_view import comparison, fallback_share, headline, per_event_frame, plain_sentence


def _card(status: str) -> dict:
    return {
        "name": "churn_risk_90d", "title": "Churn risk", "predicts": "whether the customer makes no purchase",
        "status": status, "outcome": "made no purchase within 90 days",
        "metrics": {
            "customers": 1000, "roc_auc": 0.876, "base_rate": 0.06, "lift": [5.0, 2.0],
            "model_roc_auc": 0.87, "model_interval": [0.85, 0.89],
            "baselines": {"purchase_days_90d": {"rule": "fewest shopping days in the last 90 days",
                                                "roc_auc": 0.876, "interval": [0.86, 0.89]},
                          "spend_90d": {"rule": "least spend in the last 90 days", "roc_auc": 0.869,
                                        "interval": [0.85, 0.88]}},
            "best_baseline": "purchase_days_90d",
            "validation": {"model": 0.84, "purchase_days_90d": 0.85, "spend_90d": 0.83},
            "published": "model" if status == "published" else "purchase_days_90d",
        },
    }


def test_a_published_rule_is_named_in_the_sentence_and_the_headline():
    card = _card("baseline published")
    assert plain_sentence(card).startswith(
        'The model did not beat the simple rule "fewest shopping days in the last 90 days", so the rule is published')
    assert headline(card) == ("rule published: fewest shopping days in the last 90 days, ROC AUC 0.876 "
                              "(the model reached 0.870)")


def test_a_model_that_won_is_shown_beside_its_best_rule():
    assert headline(_card("published")) == "ROC AUC 0.876 vs 0.876 for fewest shopping days in the last 90 days"
    assert plain_sentence(_card("published")).startswith("Of the 10% of customers this model scored highest, 30%")


def test_the_comparison_lists_the_model_and_every_rule_with_intervals_and_marks_what_was_published():
    table = comparison(_card("baseline published"))
    assert table["ranking by"].tolist() == ["the model", "fewest shopping days in the last 90 days",
                                            "least spend in the last 90 days"]
    assert table["95% interval"].tolist() == ["0.850 to 0.890", "0.860 to 0.890", "0.850 to 0.880"]
    assert table["published"].tolist() == ["", "yes", ""]
    assert table["on validation"].tolist() == ["0.840", "0.850", "0.830"]


def test_a_model_without_genes_that_could_not_be_fitted_says_it_adds_none():
    card = {"status": "not fitted", "reason": "no social posts", "fallback_share": 0.0}
    assert plain_sentence(card) == "Not fitted on this data: no social posts. It adds no genes until it can be."
    assert comparison({"metrics": {}}) is None


def test_life_events_are_shown_one_by_one_with_precision_and_recall_on_unseen_and_sealed_posts():
    card = {"metrics": {
        "per_event": {"new_baby": {"precision": 0.925, "recall": 0.825, "posts": 480}},
        "sealed_per_event": {"new_baby": {"precision": 0.714, "recall": 0.833, "posts": 6}}}}
    row = per_event_frame(card).iloc[0].to_dict()
    assert row == {"life event": "new baby", "precision, unseen wording": "92%", "recall, unseen wording": "82%",
                   "posts": "480", "precision, sealed posts": "71%", "recall, sealed posts": "83%",
                   "sealed posts": "6"}
    assert per_event_frame({"metrics": {"macro_f1": 0.9}}) is None


def test_the_comparison_names_the_form_of_model_validation_chose():
    card = _card("published")
    card["metrics"]["model_form"] = "boosted trees averaged with a linear model"
    assert comparison(card)["ranking by"].iloc[0] == "the model (boosted trees averaged with a linear model)"


def _category_card(accuracy: float) -> dict:
    return {"status": "published", "predicts": "the category the customer buys next", "metrics": {
        "accuracy": accuracy, "baseline_accuracy": 0.316, "model_accuracy": accuracy,
        "baseline": "the customer's own top category"}}


def test_a_published_model_that_trails_its_rule_on_later_weeks_says_why_it_is_published():
    sentence = plain_sentence(_category_card(0.314))
    assert "no better than the simple rule \"the customer's own top category\" (32%)" in sentence
    assert sentence.endswith("It is published because it beat the rule on earlier weeks; on these later weeks it "
                             "did not, so expect no more of it than of the rule.")
    assert plain_sentence(_category_card(0.35)).endswith("the simple rule \"the customer's own top category\" (32%).")


def test_a_model_that_publishes_no_genes_has_no_fallback_share_to_show():
    assert fallback_share({"status": "not fitted", "fallback_share": 0.0}) == "–"
    assert fallback_share({"status": "not fitted", "fallback_share": 1.0}) == "100.0%"  # its genes hold the fallback
    assert fallback_share({"status": "published", "fallback_share": 0.0}) == "0.0%"  # everyone scored


def _lifetime_card(*, published: str, value_mae: float = 180.99) -> dict:
    metrics = {"customers": 2447, "value_mae": value_mae, "value_mae_rule": 176.41, "value_rank": 0.805,
               "value_rank_rule": 0.814, "days_mae": 4.37, "days_mae_rule": 4.30, "days_mae_whole_history": 4.55,
               "aggregate_error": 0.019, "rule": "the customer's spend in the 90 days before",
               "closer": "model" if value_mae < 176.41 else "rule", "published": published,
               "validation": {"until": "2017-10-03", "value_mae": 171.59, "value_mae_rule": 174.62, "days_mae": 4.49,
                              "days_mae_rule": 4.48, "reason": "", "lost_on": "shopping days"}}
    return {"status": "published" if published == "model" else "baseline published", "horizon_days": 90,
            "metrics": metrics}


def test_the_lifetime_value_card_says_plainly_when_the_one_line_rule_came_closer():
    card = _lifetime_card(published="model")
    assert headline(card) == ("spend error $180.99 per customer vs $176.41 for the customer's spend in the 90 days "
                              "before")
    sentence = plain_sentence(card)
    assert ("The models are published because they came closer on the earlier 90 days (to 2017-10-03); on these "
            "later days they did not") in sentence
    assert "clv_12m" not in sentence and "spend_90d" not in sentence
    table = comparison(card)
    assert table["spend error per customer"].tolist() == ["$180.99", "$176.41"]
    assert table["spend error on validation"].tolist() == ["$171.59", "$174.62"]
    assert table["published"].tolist() == ["yes", ""]
    closer = _lifetime_card(published="model", value_mae=150.0)
    assert plain_sentence(closer).endswith("rank and size customers by their expected 12-month value.")


def test_a_lifetime_value_card_whose_rules_are_published_says_so_first():
    card = _lifetime_card(published="rule")
    assert headline(card).startswith("rule published: the customer's spend in the 90 days before, spend error "
                                     "$176.41 per customer (the model missed by $180.99)")
    # the models came closer in spend on validation (171.59 against 174.62), not in shopping days
    assert ("The rules are published, as on the earlier 90 days (to 2017-10-03) the models did not come closer than "
            "the rules in shopping days: the expected 12-month value is four times a customer's spend in the last "
            "90 days") in plain_sentence(card)
    assert comparison(card)["published"].tolist() == ["", "yes"]
