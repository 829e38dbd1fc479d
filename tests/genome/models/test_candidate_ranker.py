"""The candidate ranker learns from a window which of a customer's products come back: the one that is due, not
the one bought most."""

import warnings
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from genome.errors import InputError
from genome.models.candidate_ranker import CandidateRanker
from genome.models.recommend import baseline, hit_rate

CUT = datetime(2025, 6, 30)


def _world(customers: int, seed: int, cut: datetime = CUT) -> tuple[pd.DataFrame, pd.Series]:
    """Each customer has twelve products bought every `cycle` days; those due in the next two weeks are bought,
    whatever how often they were bought before (bulk buys skew the line counts)."""
    rng = np.random.default_rng(seed)
    rows, after = [], {}
    for c in range(customers):
        name = f"C{c}"
        bought = set()
        for p in rng.choice(60, 12, replace=False):
            cycle = int(rng.integers(10, 90))
            last = int(rng.integers(0, cycle))  # days since last bought
            lines = int(rng.integers(1, 25))
            first = last + cycle * max(lines - 1, 1)
            rows.append((name, f"P{p}", lines, cut - timedelta(days=last), cut - timedelta(days=first)))
            if cycle - last <= 14:
                bought.add(f"P{p}")
        after[name] = bought
    history = pd.DataFrame(rows, columns=["customer_id", "product_id", "lines", "last_bought", "first_bought"])
    truth = pd.Series(after)
    return history, truth[truth.map(len) > 0]


def test_what_is_due_comes_back_more_often_than_what_was_bought_most():
    history, truth = _world(300, 0)
    ranker = CandidateRanker(top=3, new_candidates=0)
    assert ranker.fit(history, truth, CUT) is ranker
    later = CUT + timedelta(days=90)
    history2, truth2 = _world(200, 1, later)
    judged = pd.Index(truth2.index)
    top, fallback = ranker.recommend(history2, judged, later)
    learned = hit_rate(top, truth2)
    most_bought = hit_rate(baseline("own_most_bought", history2, judged, {}, top=3), truth2)
    assert learned > most_bought + 0.1 and not fallback.any()


def test_customers_with_no_history_get_the_popular_products_and_are_marked():
    history, truth = _world(120, 2)
    ranker = CandidateRanker(top=3, new_candidates=5).fit(history, truth, CUT)
    top, fallback = ranker.recommend(history, pd.Index(["C0", "stranger"]), CUT)
    assert list(fallback) == [False, True]
    assert list(top[1]) == ranker.popular_[:3]


def test_a_window_with_nothing_bought_after_cannot_teach_it():
    history, _ = _world(50, 3)
    with pytest.raises(InputError, match="before and after a cut-off"):
        CandidateRanker().fit(history, pd.Series(dtype=object), CUT)


def test_lines_bought_at_one_moment_give_no_interval_and_no_infinite_feature():
    history, truth = _world(120, 3)
    at_once = history.index[::5]  # every fifth product: all its lines in one basket
    history.loc[at_once, "first_bought"] = history.loc[at_once, "last_bought"]
    history.loc[at_once, "lines"] = 2
    ranker = CandidateRanker(top=3, new_candidates=0)
    ranker.products_ = pd.DataFrame({"product_buyers": [], "product_repeat_share": []})
    pairs = ranker._pairs(history, pd.Index(history["customer_id"].unique()), CUT)
    numbers = pairs[["interval_days", "overdue"]].to_numpy(dtype=float)
    assert not np.isinf(numbers).any()
    assert pairs.loc[pairs["lines"].eq(2) & pairs["days_since_first"].eq(pairs["days_since_last"]),
                     "interval_days"].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        ranker.fit(history, truth, CUT)
