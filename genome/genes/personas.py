"""Derived genes: personas, value tiers and ultra-specific combinations.

They are expressions over other genes, so each explains itself through the
genes it combines ("bargain hunter: 7 of 9 purchases discounted"). Personas
here read only how a customer buys (discounts, price tier), never a list of
category names: interest personas such as "baby & infant" come from the data,
as taste profiles fitted over every category (`genome.models.tastes`).
Persona rules are scored against the synthetic ground truth in the tests
(precision and recall at least 0.8).
"""

from genome.genes.definition import Gene

FAMILY_PERSONA = "persona"
FAMILY_VALUE = "value"
FAMILY_COMBO = "combination"


PERSONAS = (
    Gene("bargain_hunter", FAMILY_PERSONA, "Buys mainly on discount: more than half of purchases discounted.",
         "flag", "purchases_total >= 1 AND discount_share > 0.5",
         source="genes", inputs=("discount_share", "purchases_total")),
    Gene("premium_buyer", FAMILY_PERSONA, "Buys at the top of the range: more than half of purchases in the "
         "top fifth of their category's prices.", "flag", "purchases_total >= 1 AND premium_share > 0.5",
         source="genes", inputs=("premium_share", "purchases_total")),
)

VALUE_GENES = (
    Gene("high_value", FAMILY_VALUE, "In the top 20% by expected 12-month value.", "flag", "value_decile >= 9",
         source="genes", inputs=("value_decile", "clv_12m")),
    Gene("vip", FAMILY_VALUE, "Top 10% by expected value and likely still active (chance still active at least "
         "50%).", "flag",
         "value_decile = 10 AND coalesce(p_alive, 0) >= 0.5", source="genes", inputs=("value_decile", "p_alive")),
)

# Persona x habit: the micro-segments marketers ask for ("bargain hunter who shops at weekends").
HABITS = {
    "weekend_shopper": "shops at weekends",
    "night_owl": "is active late at night",
    "early_bird": "is active in the morning",
    "coupon_user": "uses coupons",
    "full_price_only": "never buys on discount",
    "omnichannel": "uses three or more channels",
    "email_engaged": "clicks marketing e-mails",
    "lapsed_90d": "has not bought in 90 days",
    "active_30d": "bought in the last 30 days",
    "frequent_buyer": "buys often",
    "high_value": "is in the top 20% by value",
    "uses_app": "uses the app",
    "new_customer_90d": "is new (first seen in 90 days)",
    "reviewer": "writes reviews",
}


def _combination(persona: Gene, habit: str, words: str) -> Gene:
    return Gene(f"{persona.name}_{habit}" if not habit.startswith(persona.name) else habit, FAMILY_COMBO,
                f"A {persona.name.replace('_', ' ')} who {words}.", "flag", f"{persona.name} AND {habit}",
                source="genes", inputs=(persona.name, habit), sensitivity=persona.sensitivity,
                label=f"{persona.label} who {words}")


def derived_genes(available: set[str]) -> list[Gene]:
    """Persona, value and combination genes whose inputs the catalog holds."""
    genes: list[Gene] = []
    for gene in PERSONAS:
        if all(i in available for i in gene.inputs):
            genes.append(gene)
    genes += VALUE_GENES
    genes.append(Gene(
        "valuable_at_risk", FAMILY_VALUE, "Spent in the top 20% so far but probably lapsing (chance still active "
        "under 30%).",
        "flag", "historical_value_rank >= 0.8 AND coalesce(p_alive, 1) < 0.3",
        source="genes", inputs=("historical_value_rank", "p_alive")))
    names = {g.name for g in genes} | available
    for persona in [g for g in genes if g.family == FAMILY_PERSONA]:
        for habit, words in HABITS.items():
            if habit in names:
                genes.append(_combination(persona, habit, words))
    return genes
