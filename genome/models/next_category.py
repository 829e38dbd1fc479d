"""Next likely category: the product category of most of the next 90 days' purchases."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError
from genome.models.tasks import ClassTask

SHARES = ("purchases:", "purchases_90d:", "interest_90d:")


class NextCategory(ClassifierMixin, BaseEstimator):
    """Multinomial logistic regression over the customer's category shares (bought, recently, browsed).

    Forty-odd categories and shares that already sum to one suit a linear
    model: it trains in seconds and its weights read as "browsing tents
    points to camping next".
    """

    def __init__(self, C: float = 1.0, max_iter: int = 500):
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: pd.DataFrame, y) -> "NextCategory":
        self.features_ = [c for c in X.columns if c.startswith(SHARES)]
        if not self.features_ or len(X) == 0:
            raise InputError("NextCategory: needs customers with category share columns to learn from")
        self.model_ = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(X[self.features_].to_numpy(), y)
        self.classes_ = self.model_.classes_
        self.n_train_ = len(X)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(X[self.features_].to_numpy())

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def top_category(X: pd.DataFrame, outcome: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return outcome["top_category"].notna(), outcome["top_category"]


def most_bought(X: pd.DataFrame) -> pd.Series:
    columns = [c for c in X.columns if c.startswith("purchases:")]
    names = np.asarray([c.split(":", 1)[1] for c in columns], dtype=object)
    return pd.Series(names[X[columns].to_numpy().argmax(axis=1)], index=X.index)


TASK = ClassTask(
    name="next_category", title="Next likely category", predicts="category of the next 90 days' purchases",
    horizon_days=90, estimator=NextCategory, label=top_category, baseline=most_bought,
    baseline_name="the category bought most so far", with_categories=True,
    fallback="no purchase yet, so the category such customers buy most",
)
