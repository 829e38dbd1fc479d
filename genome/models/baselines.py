"""Simple rules a model must beat: one feature, one direction, the line of SQL a marketer would write.

A score model is only worth its complexity if it ranks customers better than
"fewest days since the last purchase" or "most baskets in the last 90 days".
Each model's task names its rules; the model is compared with them on a
validation set (customers held out of the training window) to decide what is
published, and on the later evaluation window, with paired bootstrap
intervals, for the card. When a rule wins on validation, it is published
under the gene's name, turned into a probability by isotonic calibration.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError

DRAWS = 200  # bootstrap resamples for the 95% intervals


@dataclass(frozen=True)
class Rule:
    """Rank customers by one feature: `higher` means more of it, more likely the outcome."""

    column: str
    words: str  # as a marketer would say it, e.g. "most baskets in the last 90 days"
    higher: bool = True

    def score(self, X: pd.DataFrame) -> np.ndarray:
        values = X[self.column].to_numpy(dtype=float)
        return values if self.higher else -values


class RuleScore(ClassifierMixin, BaseEstimator):
    """A rule as a probability: the rule's score mapped to the outcome rate by isotonic regression."""

    def __init__(self, rule: Rule | None = None):
        self.rule = rule

    def fit(self, X: pd.DataFrame, y) -> "RuleScore":
        labels = np.asarray(y, dtype=int)
        if labels.size == 0 or labels.min() == labels.max():
            raise InputError(f"rule {self.rule.words!r}: needs customers with both outcomes to calibrate")
        score = self.rule.score(X)
        self.calibration_ = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(score, labels)
        self.scale_ = float(np.std(score)) or 1.0
        self.classes_ = np.array([0, 1])
        self.features_ = [self.rule.column]
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "calibration_")
        score = self.rule.score(X)
        # isotonic steps tie customers the rule tells apart; a nudge far below any rate's precision, rising with
        # the rule, keeps its order so the published score ranks exactly as the rule does
        p = np.clip(self.calibration_.predict(score) + 1e-6 * np.tanh(score / self.scale_), 0, 1)
        return np.column_stack([1 - p, p])


def auc(y: np.ndarray, score: np.ndarray) -> float:
    return float(roc_auc_score(y, score)) if 0 < y.sum() < y.size else float("nan")


class _Ranked:
    """A score's customers in score order with their tie groups, so the ROC AUC of any resample is two passes
    over the groups: a resample is the customers counted with multiplicities, and the AUC is the weighted
    Mann-Whitney statistic (ties count half), which is what `roc_auc_score` gives on the resampled rows."""

    def __init__(self, y: np.ndarray, score: np.ndarray):
        self.order = np.argsort(score, kind="stable")
        ordered = np.asarray(score)[self.order]
        self.starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        self.positive = np.asarray(y)[self.order] == 1

    def auc(self, weights: np.ndarray) -> float:
        w = weights[self.order]
        positives = np.add.reduceat(np.where(self.positive, w, 0), self.starts)
        negatives = np.add.reduceat(np.where(self.positive, 0, w), self.starts)
        below = np.cumsum(negatives) - negatives  # negatives in lower tie groups
        return float(np.dot(positives, below + 0.5 * negatives) / (positives.sum() * negatives.sum()))


def paired_intervals(y, scores: dict[str, np.ndarray], *, against: str, draws: int = DRAWS,
                     seed: int = 0) -> dict[str, dict]:
    """ROC AUC of each score with its 95% bootstrap interval, and the interval of its difference from
    `against`, all on the same resampled customers (paired: shared luck cancels out)."""
    y = np.asarray(y, dtype=int)
    rng = np.random.default_rng(seed)
    # each score sorted once, each resample as counts per customer: sorting every resample anew for
    # `roc_auc_score` took most of a model fit (12 of 19 s for four models on the small demo)
    ranked = {name: _Ranked(y, np.asarray(score, dtype=float)) for name, score in scores.items()}
    samples = {name: [] for name in scores}
    for _ in range(draws):
        rows = rng.integers(0, y.size, y.size)
        if y[rows].min() == y[rows].max():
            continue
        weights = np.bincount(rows, minlength=y.size).astype(float)
        for name in scores:
            samples[name].append(ranked[name].auc(weights))
    out = {}
    for name, score in scores.items():
        drawn = np.asarray(samples[name])
        diff = drawn - np.asarray(samples[against])
        out[name] = {"roc_auc": auc(y, score),
                     "interval": [float(np.quantile(drawn, 0.025)), float(np.quantile(drawn, 0.975))],
                     "difference": [float(np.quantile(diff, 0.025)), float(np.quantile(diff, 0.975))]}
    return out


def validation_rows(index: pd.Index, *, share: float = 0.3) -> np.ndarray:
    """A fixed, reproducible share of customers held out of training to choose between model and rules."""
    hashed = pd.util.hash_pandas_object(pd.Series(index.astype(str)), index=False).to_numpy()
    return (hashed % 1000) < share * 1000


def mean_interval(values, *, draws: int = DRAWS, seed: int = 0) -> list[float]:
    """95% bootstrap interval of the mean of `values` (a hit rate, an accuracy)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return [0.0, 0.0]
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(draws, values.size), replace=True).mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]
