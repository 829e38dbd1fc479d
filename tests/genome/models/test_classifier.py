"""The feature classifier behind the propensity models follows scikit-learn's conventions."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from genome.models.churn import ChurnRisk
from genome.models.propensity import PurchasePropensity


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"recency": rng.integers(0, 300, 2000), "orders": rng.poisson(3, 2000)}).astype(float)
    y = (X["recency"] < 60) & (X["orders"] > 1)
    return X, y


def test_fit_returns_the_model_with_learned_attributes_ending_in_an_underscore(frame):
    X, y = frame
    model = PurchasePropensity(max_iter=50)
    assert model.fit(X, y) is model
    assert model.features_ == ["recency", "orders"] and model.n_train_ == 2000
    assert list(model.classes_) == [False, True]


def test_the_model_learns_the_rule_behind_the_labels(frame):
    X, y = frame
    p = PurchasePropensity(max_iter=50).fit(X, y).predict_proba(X)[:, 1]
    assert p[y.to_numpy()].mean() > 0.9 and p[~y.to_numpy()].mean() < 0.1


def test_scoring_before_fitting_is_a_clear_error(frame):
    with pytest.raises(NotFittedError):
        ChurnRisk().predict_proba(frame[0])


def test_scoring_a_frame_without_a_training_feature_names_it(frame):
    X, y = frame
    model = ChurnRisk(max_iter=20).fit(X, y)
    with pytest.raises(ValueError, match="orders"):
        model.predict_proba(X[["recency"]])


def test_fitting_on_one_outcome_only_is_refused(frame):
    X, _ = frame
    with pytest.raises(ValueError, match="same outcome"):
        ChurnRisk().fit(X, np.zeros(len(X), dtype=bool))


def test_with_a_linear_weight_the_probabilities_are_the_average_of_trees_and_a_linear_model():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"recency": rng.integers(0, 300, 2000), "orders": rng.poisson(3, 2000)}).astype(float)
    # a smooth outcome: the chance of buying falls steadily with recency
    y = rng.random(2000) < 1 / (1 + np.exp((X["recency"].to_numpy() - 150) / 40))
    trees = ChurnRisk(max_iter=50).fit(X, y)
    blend = ChurnRisk(max_iter=50, linear_weight=0.5).fit(X, y)
    assert trees.linear_ is None and blend.linear_ is not None
    expected = 0.5 * trees.predict_proba(X) + 0.5 * blend.linear_.predict_proba(X.to_numpy())
    assert np.allclose(blend.predict_proba(X), expected)
    assert np.allclose(blend.predict_proba(X).sum(axis=1), 1)
    assert (blend.predict(X) == (blend.predict_proba(X)[:, 1] > 0.5)).all()


def test_a_column_the_same_for_every_customer_is_not_listed_as_learned_from(frame):
    X, y = frame
    model = PurchasePropensity().fit(X.assign(web_views_30d=0.0), y)
    assert model.features_ == ["recency", "orders", "web_views_30d"]  # scoring still takes every column
    assert model.informative_features_ == ["recency", "orders"]
