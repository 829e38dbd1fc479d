"""Churn risk: will the customer go 90 days without a purchase?"""

import pandas as pd

from genome.models.baselines import Rule
from genome.models.classifier import FeatureClassifier
from genome.models.tasks import BinaryTask


class ChurnRisk(FeatureClassifier):
    """Probability of no purchase in the 90 days after the features' cut-off."""


def lapsed(X: pd.DataFrame, outcome: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return pd.Series(True, index=X.index), (outcome["purchase_days"].fillna(0) == 0)


TASK = BinaryTask(
    name="churn_risk_90d", title="Churn risk", predicts="makes no purchase in the next 90 days",
    horizon_days=90, estimator=ChurnRisk, label=lapsed,
    fallback="no purchase yet, so the share of such customers who did not buy within 90 days",
    outcome="made no purchase within 90 days",
    baselines=(
        Rule("days_since_last_purchase", "most days since the last purchase"),
        Rule("purchase_days_90d", "fewest shopping days in the last 90 days", higher=False),
        Rule("spend_90d", "least spend in the last 90 days", higher=False),
    ),
)
