"""The next best action and the returns suggestion follow short rules and say why."""

from genome.service.advice import next_best_action, returns_support


def test_a_valuable_customer_at_risk_gets_a_retention_offer():
    genes = {"churn_risk_90d_pct": 92.0, "value_decile": 9, "purchase_propensity_30d_pct": 10.0}
    advice = next_best_action(genes, marketing_allowed=True)
    assert advice["action"] == "Retention offer" and "percentile 92" in advice["reason"]


def test_at_risk_but_not_valuable_gets_a_reminder_not_a_discount():
    advice = next_best_action({"churn_risk_90d_pct": 85.0, "value_decile": 3}, marketing_allowed=True)
    assert advice["action"] == "Low-cost reminder"


def test_likely_to_buy_soon_gets_their_first_recommendation():
    advice = next_best_action({"purchase_propensity_30d_pct": 90.0, "churn_risk_90d_pct": 5.0},
                              marketing_allowed=True, first_recommendation="Trail shoes")
    assert advice["action"] == "Recommend Trail shoes"


def test_without_marketing_consent_no_offer_is_suggested_whatever_the_scores():
    advice = next_best_action({"churn_risk_90d_pct": 99.0, "value_decile": 10}, marketing_allowed=False)
    assert advice["action"] == "Service only: no marketing offers" and "consent" in advice["reason"]


def test_missing_scores_fall_through_to_no_action():
    assert next_best_action({"churn_risk_90d_pct": float("nan")}, marketing_allowed=True)["action"].startswith(
        "No action")


def test_returns_are_settled_by_value_and_habit():
    assert returns_support({"purchases_total": 40, "returns_total": 1, "value_decile": 10})["suggestion"] == \
        "Keep-it credit"
    frequent = returns_support({"purchases_total": 10, "returns_total": 4, "value_decile": 10})
    assert frequent["suggestion"] == "Exchange" and "4 returns in 10 purchases (40%)" in frequent["reason"]
    assert returns_support({"purchases_total": 10, "returns_total": 1, "value_decile": 5})["suggestion"] == "Refund"
    assert returns_support({})["suggestion"] == "Refund"


def test_no_action_says_what_it_compared_and_never_that_a_likely_buyer_will_not_buy():
    middling = next_best_action({"churn_risk_90d_pct": 40.0, "purchase_propensity_30d_pct": 61.0},
                                marketing_allowed=True)
    assert middling == {"action": "No action: regular communications",
                        "reason": "neither among the fifth most at risk nor among the fifth likeliest to buy "
                                  "(churn risk percentile 40, purchase propensity percentile 61)"}
    likely = next_best_action({"purchase_propensity_30d_pct": 93.0}, marketing_allowed=True)
    assert likely["reason"] == ("among the fifth likeliest to buy, with no recommendation to make "
                                "(purchase propensity percentile 93)")
