"""Taste profiles come from what customers buy together, not from a list: planted tastes are found again, their
number chosen by stability, and a profile around baby food is labelled as sensitive as baby food."""

import numpy as np
import pandas as pd
import pytest

from genome.errors import InputError
from genome.models.tastes import TasteProfiles, profile_sensitivities

GROUPS = {"pets": ["dog food", "cat litter", "pet treats"], "baby": ["baby food", "diapers", "baby wipes"],
          "wine": ["red wine", "white wine", "cheese"], "grill": ["charcoal", "steak", "sauces"]}
STAPLES = ["milk", "bread", "eggs", "bananas", "coffee"]


def _shares(customers: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Every customer buys staples; most also spend on one of four planted tastes."""
    rng = np.random.default_rng(seed)
    columns = STAPLES + [c for group in GROUPS.values() for c in group]
    taste = rng.integers(-1, len(GROUPS), customers)  # -1: staples only
    spend = np.zeros((customers, len(columns)))
    spend[:, :len(STAPLES)] = rng.gamma(2.0, 5.0, (customers, len(STAPLES)))
    for g, group in enumerate(GROUPS.values()):
        rows = taste == g
        for category in group:
            spend[rows, columns.index(category)] = rng.gamma(3.0, 12.0, rows.sum())
        # a little of other tastes now and then
        stray = rng.random(customers) < 0.05
        spend[stray, columns.index(group[0])] += rng.gamma(1.0, 5.0, stray.sum())
    frame = pd.DataFrame(spend, columns=columns)
    return frame.div(frame.sum(axis=1), axis=0), taste


def test_planted_tastes_are_found_again_with_their_number_chosen_by_stability():
    shares, taste = _shares(2000, 0)
    model = TasteProfiles(k_min=2, k_max=7)
    assert model.fit(shares) is model
    assert model.k_ == len(GROUPS) and model.stability_[4] >= 0.9
    strength = model.transform(shares)
    # staples everyone buys say nothing about taste: a customer who buys only those follows no profile
    totals = strength.sum(axis=1)
    assert np.allclose(totals[taste >= 0], 1) and set(np.round(totals, 6)) <= {0.0, 1.0}
    for g, group in enumerate(GROUPS.values()):
        # the profile whose name is one of the group's categories holds that group's customers
        profile = next(i for i, label in enumerate(model.labels_) if label.split(", ")[0] in group)
        fans = strength[:, profile] >= 0.5
        truth = taste == g
        precision, recall = (fans & truth).sum() / fans.sum(), (fans & truth).sum() / truth.sum()
        assert precision >= 0.9 and recall >= 0.9, (group, precision, recall)
        assert set(model.labels_[profile].split(", ")) == set(group)


def test_new_customers_are_placed_by_the_profiles_learned():
    shares, _ = _shares(1500, 1)
    model = TasteProfiles(k_min=2, k_max=6).fit(shares)
    newcomer = pd.DataFrame([{"diapers": 0.5, "baby food": 0.3, "milk": 0.2}])
    strength = model.transform(newcomer)[0]
    assert set(model.labels_[int(strength.argmax())].split(", ")) & set(GROUPS["baby"])


def test_a_profile_is_named_by_what_sets_its_fans_baskets_apart_and_as_sensitive_as_what_weighs_in_it():
    """A rare category can weigh most in a broad profile while its fans hardly buy it: the name says what their
    baskets hold more of than everyone's (share among fans x log of the lift), the sensitivity still counts it."""
    shares, _ = _shares(2000, 0)
    model = TasteProfiles(k_min=2, k_max=7).fit(shares)
    model.categories_ = np.array(["cigarettes", "soda", "pizza", "bread", "milk"], dtype=object)
    fans = np.array([[0.01, 0.40, 0.20, 0.19, 0.20],   # the fans: soda and pizza well above everyone's share,
                     [0.00, 0.30, 0.25, 0.25, 0.20]])  # cigarettes far above it but a sliver of their buying
    overall = np.array([0.001, 0.10, 0.05, 0.25, 0.30])
    named = model._naming(fans, overall, fallback=np.array(["cigarettes"], dtype=object))
    assert list(named) == ["soda", "pizza", "cigarettes"]  # bread and milk: no more than anyone buys
    assert list(model._naming(fans[:0], overall, fallback=np.array(["x"], dtype=object))) == ["x"]  # no fans
    # a profile whose fans' baskets name it by ordinary categories is still as sensitive as what weighs in it
    refit = TasteProfiles(k_min=2, k_max=7).fit(shares)
    ordinary = refit.labels_.index(next(label for label in refit.labels_ if label.startswith("charcoal")))
    assert profile_sensitivities(refit)[ordinary] == "inferred"
    refit.weighted_categories_[ordinary] = ("cigarettes", *refit.weighted_categories_[ordinary][1:])
    assert profile_sensitivities(refit)[ordinary] == "alcohol_tobacco"


def test_profiles_named_alike_get_names_of_their_own():
    from genome.models.tastes import _unique

    assert _unique("taste_soda", []) == "taste_soda"
    assert _unique("taste_soda", ["taste_soda"]) == "taste_soda_2"
    assert _unique("taste_soda", ["taste_soda", "taste_soda_2"]) == "taste_soda_3"


def test_too_few_customers_are_refused_with_the_reason():
    shares, _ = _shares(30, 2)
    with pytest.raises(InputError, match="at least 50 customers"):
        TasteProfiles().fit(shares)


def test_a_profile_is_as_sensitive_as_its_named_categories_by_their_words_or_their_meaning():
    shares, _ = _shares(2000, 0)
    # no listed word marks bourbon or lager: their meaning does, as it does for the catalog's category genes
    shares = shares.rename(columns={"red wine": "bourbon", "white wine": "lager"})
    model = TasteProfiles(k_min=2, k_max=7).fit(shares)
    kinds = {label.split(", ")[0]: kind for label, kind in zip(model.labels_, profile_sensitivities(model))}
    by_group = {g: next(kind for first, kind in kinds.items() if first in group)
                for g, group in {**GROUPS, "wine": ["bourbon", "lager", "cheese"]}.items()}
    assert by_group == {"pets": "inferred", "baby": "children", "wine": "alcohol_tobacco", "grill": "inferred"}
