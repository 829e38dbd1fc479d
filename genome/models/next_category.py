"""Next likely category: the product category of most of the next 90 days' purchases."""

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError
from genome.models.tasks import ClassTask

SHARES = ("purchases:", "purchases_90d:", "purchases_30d:", "interest_90d:", "days_bought:", "recency:")


class NextCategory(ClassifierMixin, BaseEstimator):
    """Ranks each customer's candidate categories and names the likeliest to lead the next window.

    A customer's candidates are the categories they bought before plus the
    `popular` categories most often on top across customers. Each
    (customer, candidate) pair is described by the customer's own history
    with it: shares of purchases (all time, 90 and 30 days) and of browsing,
    the share of shopping days that include it, how recently it was bought
    and its rank. A conditional logit (one choice among the candidates,
    utility linear in those features, L2 penalty `alpha`) learns how much
    each counts. Pairs, not one class per category, so it scales to the
    hundreds of categories a grocer has, and learns "recently rising" once
    for all of them.
    """

    def __init__(self, popular: int = 5, alpha: float = 1.0):
        self.popular = popular
        self.alpha = alpha

    def _blocks(self, X: pd.DataFrame) -> list[np.ndarray]:
        return [X[[f"{prefix}{c}" for c in self.classes_]].to_numpy(dtype=float) for prefix in SHARES]

    def _pairs(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(customer row, category column, features) for every candidate pair."""
        bought, recent, latest, browsed, days, recency = self._blocks(X)
        candidates = bought > 0
        candidates[:, self.popular_] = True
        rows, cols = np.nonzero(candidates)
        rank = (-bought).argsort(axis=1, kind="stable").argsort(axis=1, kind="stable")
        rank_recent = (-recent).argsort(axis=1, kind="stable").argsort(axis=1, kind="stable")
        features = np.column_stack([bought[rows, cols], recent[rows, cols], latest[rows, cols], browsed[rows, cols],
                                    days[rows, cols], recency[rows, cols], rank[rows, cols], rank_recent[rows, cols],
                                    np.log1p(bought[rows, cols] * 100), np.log1p(days[rows, cols] * 100)])
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
        self.popular_ = np.argsort(-counts, kind="stable")[:self.popular]
        rows, cols, features = self._pairs(X)
        hit = target[rows] == cols
        if not hit.any():
            raise InputError("NextCategory: no customer's next category is among their candidates")
        self.mean_, self.scale_ = features.mean(axis=0), features.std(axis=0) + 1e-9
        Z = (features - self.mean_) / self.scale_
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        # only customers whose next category is among their candidates can teach the choice
        known = np.add.reduceat(hit.astype(int), starts) > 0
        group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, rows.size]))
        keep = known[group]
        Z, hit, group = Z[keep], hit[keep], np.unique(group[keep], return_inverse=True)[1]
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])

        def loss(beta):  # conditional logit: the customer picks one candidate, utility linear in its features
            u = Z @ beta
            top = np.maximum.reduceat(u, starts)
            e = np.exp(u - top[group])
            total = np.add.reduceat(e, starts)
            p = e / total[group]
            value = -(u[hit].sum() - (top + np.log(total)).sum()) + 0.5 * self.alpha * beta @ beta
            grad = -(Z[hit].sum(axis=0) - p @ Z) + self.alpha * beta
            return value / starts.size, grad / starts.size

        self.coef_ = minimize(loss, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B").x
        self.features_ = [f"{prefix}<category>" for prefix in SHARES]
        self.n_train_ = len(X)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "coef_")
        rows, cols, features = self._pairs(X)
        u = ((features - self.mean_) / self.scale_) @ self.coef_
        scores = np.full((len(X), self.classes_.size), -np.inf)
        scores[rows, cols] = u
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)

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
