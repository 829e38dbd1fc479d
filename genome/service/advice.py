"""Plain advice for the service desk from a customer's genes: the next best action and how to settle a return.

Both are short rules a person can check against the profile beside them, and
each says why. They read the genes as published (percentiles of the model
scores, the value decile, return counts) and the customer's consent now, so
a customer who refused marketing is never offered a marketing action.
"""

import math

HIGH = 80  # percentile of churn risk or purchase propensity that counts as high: the top fifth
VALUABLE_DECILE = 8  # value deciles 8 to 10: the top 30% by expected value
FREQUENT_RETURNS, RARE_RETURNS = 0.3, 0.1  # share of purchases returned


def _number(genes: dict, name: str) -> float | None:
    value = genes.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def next_best_action(genes: dict, *, marketing_allowed: bool, first_recommendation: str | None = None) -> dict:
    """What to do next with this customer, in words, and the reason."""
    churn, propensity = _number(genes, "churn_risk_90d_pct"), _number(genes, "purchase_propensity_30d_pct")
    decile = _number(genes, "value_decile")
    valuable = decile is not None and decile >= VALUABLE_DECILE
    if not marketing_allowed:
        return {"action": "Service only: no marketing offers",
                "reason": "the customer has not granted marketing consent (or has withdrawn it)"}
    if churn is not None and churn >= HIGH and valuable:
        return {"action": "Retention offer",
                "reason": f"churn risk in the top fifth (percentile {churn:.0f}) and expected value in the top "
                          f"30% (decile {decile:.0f}): worth spending to keep"}
    if churn is not None and churn >= HIGH:
        return {"action": "Low-cost reminder",
                "reason": f"churn risk in the top fifth (percentile {churn:.0f}) but expected value below the top "
                          "30%: a reminder, not a discount"}
    if propensity is not None and propensity >= HIGH and first_recommendation:
        return {"action": f"Recommend {first_recommendation}",
                "reason": f"likely to buy soon (purchase propensity percentile {propensity:.0f}); this is the "
                          "first of their recommendations"}
    if genes.get("new_customer_90d"):
        return {"action": "Welcome: an offer on the second purchase",
                "reason": "first seen in the last 90 days"}
    # Percentiles rank customers against each other: on a grocery store most customers are likely to buy, so a
    # 96% chance can sit outside the top fifth. Say what was compared, not that the customer will not buy.
    known = [f"{what} percentile {value:.0f}" for what, value in (("churn risk", churn),
                                                                    ("purchase propensity", propensity))
             if value is not None]
    why = ("among the fifth likeliest to buy, with no recommendation to make"
           if propensity is not None and propensity >= HIGH else
           "neither among the fifth most at risk nor among the fifth likeliest to buy")
    return {"action": "No action: regular communications",
            "reason": why + (f" ({', '.join(known)})" if known else "")}


def returns_support(genes: dict) -> dict:
    """Exchange, refund or keep-it credit for a return now, from the customer's value and past returns."""
    purchases = _number(genes, "purchases_total") or 0
    returns = _number(genes, "returns_total") or 0
    decile = _number(genes, "value_decile")
    if purchases <= 0:
        return {"suggestion": "Refund", "reason": "no purchases on record to judge a pattern from"}
    rate = returns / purchases
    said = f"{returns:.0f} returns in {purchases:.0f} purchases ({rate:.0%})"
    if decile is not None and decile >= VALUABLE_DECILE and rate <= RARE_RETURNS:
        return {"suggestion": "Keep-it credit",
                "reason": f"valuable (value decile {decile:.0f}) and rarely returns ({said}): credit them and "
                          "let them keep the item rather than pay for its way back"}
    if rate >= FREQUENT_RETURNS:
        return {"suggestion": "Exchange",
                "reason": f"returns often ({said}): offer another size or model before a refund"}
    return {"suggestion": "Refund", "reason": f"an ordinary return pattern ({said})"}
