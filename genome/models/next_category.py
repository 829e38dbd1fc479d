"""Next likely category: the product category of most of the next 90 days' purchases."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError
from genome.models.tasks import ClassTask

SHARES = ("purchases:", "purchases_90d:", "interest_90d:")


class NextCategory(ClassifierMixin, BaseEstimator):
    """Ranks each customer's candidate categories and names the likeliest to lead the next window.

    A customer's candidates are the categories they bought before plus the
    `popular` categories most often on top across customers. Each
    (customer, candidate) pair is described by the customer's share of
    purchases in it (all time, last 90 days), browsing interest, its rank
    among their categories, and how often it leads for customers in general;
    a gradient-boosted classifier learns which pairs turn out to be the top
    category. Pairs, not one class per category, so it scales to the
    hundreds of categories a grocer has and learns "recently rising" once for
    all of them.
    """

    def __init__(self, popular: int = 5, max_iter: int = 100, learning_rate: float = 0.1, random_state: int = 0):
        self.popular = popular
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state

    def _blocks(self, X: pd.DataFrame) -> list[np.ndarray]:
        return [X[[f"{prefix}{c}" for c in self.classes_]].to_numpy(dtype=float) for prefix in SHARES]

    def _pairs(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(customer row, category column, features) for every candidate pair."""
        bought, recent, browsed = self._blocks(X)
        candidates = bought > 0
        candidates[:, self.popular_] = True
        rows, cols = np.nonzero(candidates)
        rank = (-bought).argsort(axis=1, kind="stable").argsort(axis=1, kind="stable")
        features = np.column_stack([bought[rows, cols], recent[rows, cols], browsed[rows, cols],
                                    rank[rows, cols], recent[rows, cols] - bought[rows, cols],
                                    self.prior_[cols], self.popularity_[cols]])
        return rows, cols, features

    def fit(self, X: pd.DataFrame, y) -> "NextCategory":
        self.classes_ = np.asarray(sorted(c.split(":", 1)[1] for c in X.columns if c.startswith(SHARES[0])),
                                   dtype=object)
        if not self.classes_.size or len(X) == 0:
            raise InputError("NextCategory: needs customers with category share columns to learn from")
        labels = np.asarray(y, dtype=object)
        column = {c: i for i, c in enumerate(self.classes_)}
        target = np.array([column.get(v, -1) for v in labels])
        counts = np.bincount(target[target >= 0], minlength=self.classes_.size)
        self.prior_ = (counts + 1) / (counts.sum() + self.classes_.size)
        self.popular_ = np.argsort(-counts, kind="stable")[:self.popular]
        self.popularity_ = self._blocks(X)[0].mean(axis=0)
        rows, cols, features = self._pairs(X)
        hit = target[rows] == cols
        if hit.all() or not hit.any():
            raise InputError("NextCategory: every candidate pair has the same outcome")
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, random_state=self.random_state
        ).fit(features, hit)
        self.features_ = [f"{prefix}<category>" for prefix in SHARES]
        self.n_train_ = len(X)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "model_")
        rows, cols, features = self._pairs(X)
        scores = np.zeros((len(X), self.classes_.size))
        scores[rows, cols] = self.model_.predict_proba(features)[:, 1]
        return scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)

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
