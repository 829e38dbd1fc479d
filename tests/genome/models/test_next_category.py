"""The next-category model ranks each customer's own categories and learns which part of their history counts."""

import numpy as np
import pandas as pd
import pytest

from genome.errors import InputError
from genome.models.next_category import SHARES, NextCategory, most_bought

CATEGORIES = [f"cat{i}" for i in range(12)]


def _history(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Customers whose next top category is the one they bought most in the last 30 days, which is often not
    the one they bought most over all time."""
    rng = np.random.default_rng(seed)
    blocks = {prefix: rng.dirichlet(np.ones(len(CATEGORIES)) * 0.5, n) for prefix in SHARES}
    frame = pd.concat([pd.DataFrame(block, columns=[f"{prefix}{c}" for c in CATEGORIES])
                       for prefix, block in blocks.items()], axis=1)
    nxt = np.asarray(CATEGORIES, dtype=object)[blocks["purchases_30d:"].argmax(axis=1)]
    return frame, pd.Series(nxt)


def test_it_learns_that_the_last_month_counts_here_and_beats_the_all_time_favourite():
    X, y = _history(3000, 0)
    model = NextCategory()
    assert model.fit(X, y) is model
    X_new, y_new = _history(1000, 1)
    accuracy = (model.predict(X_new) == y_new.to_numpy()).mean()
    rule = (most_bought(X_new).to_numpy() == y_new.to_numpy()).mean()
    assert accuracy > 0.9 > 0.3 > rule
    proba = model.predict_proba(X_new)
    assert proba.shape == (1000, len(CATEGORIES)) and np.allclose(proba.sum(axis=1), 1)


def test_without_category_columns_it_says_what_it_needs():
    with pytest.raises(InputError, match="category share columns"):
        NextCategory().fit(pd.DataFrame({"spend_total": [1.0, 2.0]}), ["a", "b"])
