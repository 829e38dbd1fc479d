"""A gradient-boosted classifier over named feature columns, in the scikit-learn idiom.

The propensity, churn, discount, channel and contact-time models are this
estimator with their own label; it remembers the columns it was fitted on so
scoring a frame with columns in another order (or missing one) is caught.

With `linear_weight` above 0 its probabilities are averaged with a
regularised logistic regression on the same features (log-scaled, then
standardised). Trees find thresholds and interactions; the linear model
extrapolates smoothly along recency and frequency, where a few thousand
customers leave the trees' steps coarse. Which form a task publishes is
chosen on validation customers (`genome.models.tasks`), and so is whether
it reads the imported customer attributes (`attributes`,
`genome.models.attribute_features`).
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError
from genome.models.attribute_features import PREFIX as ATTRIBUTE_PREFIX


class FeatureClassifier(ClassifierMixin, BaseEstimator):
    # Small trees, large leaves and an L2 penalty: a retailer has thousands of customers, not millions, and
    # deep trees learn their noise (on Complete Journey they lost to one-feature rules).
    def __init__(self, max_iter: int = 150, learning_rate: float = 0.05, max_leaf_nodes: int = 8,
                 min_samples_leaf: int = 40, l2_regularization: float = 1.0, linear_weight: float = 0.0,
                 attributes: bool = False, random_state: int = 0):
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.linear_weight = linear_weight
        self.attributes = attributes  # whether imported customer attributes (`attribute:` columns) are read
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> "FeatureClassifier":
        if len(X) == 0:
            raise InputError(f"{type(self).__name__}: no customers to learn from")
        labels = np.asarray(y)
        if np.unique(labels).size < 2:
            raise InputError(f"{type(self).__name__}: every training customer has the same outcome")
        self.features_ = [c for c in X.columns if self.attributes or not str(c).startswith(ATTRIBUTE_PREFIX)]
        X = X[self.features_]
        # what the card says the model learns from: a column the same for every training customer (web views on a
        # grocer's till data) teaches it nothing
        self.informative_features_ = [c for c in X.columns if X[c].nunique(dropna=False) > 1]
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate, max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf, l2_regularization=self.l2_regularization,
            random_state=self.random_state,
        ).fit(X.to_numpy(dtype=float), labels)
        self.classes_ = self.model_.classes_
        self.linear_ = make_pipeline(
            FunctionTransformer(_signed_log), StandardScaler(), LogisticRegression(C=0.1, max_iter=2000),
        ).fit(X.to_numpy(dtype=float), labels) if self.linear_weight > 0 else None
        self.n_train_ = len(X)
        return self

    def _matrix(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "model_")
        missing = [c for c in self.features_ if c not in X.columns]
        if missing:
            raise InputError(f"{type(self).__name__}: features missing from the frame: {missing[:5]}")
        return X[self.features_].to_numpy(dtype=float)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        matrix = self._matrix(X)
        p = self.model_.predict_proba(matrix)
        if self.linear_ is not None:
            p = (1 - self.linear_weight) * p + self.linear_weight * self.linear_.predict_proba(matrix)
        return p

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _signed_log(matrix: np.ndarray) -> np.ndarray:
    """Counts and money are long-tailed: a log keeps one big spender from setting the linear model's scale."""
    return np.sign(matrix) * np.log1p(np.abs(matrix))
