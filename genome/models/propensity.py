"""Purchase propensity: will the customer buy in the next 30 days?"""

import pandas as pd

from genome.models.baselines import Rule
from genome.models.classifier import FeatureClassifier
from genome.models.tasks import BinaryTask


class PurchasePropensity(FeatureClassifier):
    """Probability of at least one purchase in the 30 days after the features' cut-off."""


def bought(X: pd.DataFrame, outcome: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return pd.Series(True, index=X.index), (outcome["purchase_days"].fillna(0) > 0)


TASK = BinaryTask(
    name="purchase_propensity_30d", title="Purchase propensity", predicts="buys in the next 30 days",
    horizon_days=30, estimator=PurchasePropensity, label=bought,
    fallback="no purchase yet, so the share of such customers who bought within 30 days",
    outcome="bought within 30 days",
    baselines=(
        Rule("days_since_last_purchase", "fewest days since the last purchase", higher=False),
        Rule("purchase_days_90d", "most shopping days in the last 90 days"),
        Rule("spend_90d", "most spend in the last 90 days"),
    ),
)
