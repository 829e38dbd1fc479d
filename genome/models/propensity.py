"""Purchase propensity: will the customer buy in the next 30 days?"""

import pandas as pd

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
)
