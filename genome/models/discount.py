"""Discount sensitivity: when the customer buys, is it mainly on discount?"""

import pandas as pd

from genome.models.baselines import Rule
from genome.models.classifier import FeatureClassifier
from genome.models.tasks import BinaryTask

MAINLY = 0.5  # at least half of the lines bought at a discount


class DiscountSensitivity(FeatureClassifier):
    """Probability that at least half of the customer's next 90 days of purchases are discounted."""


def on_discount(X: pd.DataFrame, outcome: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    lines = outcome["purchase_lines"].fillna(0)
    # only customers who bought in the window show whether they buy on discount
    share = outcome["discount_lines"].fillna(0) / lines.clip(lower=1)
    return lines > 0, share >= MAINLY


TASK = BinaryTask(
    name="discount_sensitivity", title="Discount sensitivity",
    predicts="buys mainly on discount (half or more of the next 90 days' purchase lines)",
    horizon_days=90, estimator=DiscountSensitivity, label=on_discount,
    fallback="no purchase yet, so the share of such customers who then bought mainly on discount",
    outcome="bought mainly on discount",
    baselines=(
        Rule("discount_share", "largest share of lines bought on discount so far"),
        Rule("discount_amount_share", "largest share of the full price saved in discounts so far"),
    ),
)
