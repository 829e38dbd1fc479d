"""Loyalty tiers: configured thresholds win, the rest are learned from each category's buyers."""

import pandas as pd
import pytest

from genome.models.loyalty import LoyaltyTiers, TierError, check_thresholds


def named(tiers: pd.Series) -> list:
    return [t if isinstance(t, str) else None for t in tiers]


@pytest.fixture
def spend():
    return pd.DataFrame({"all": [0, 10, 100, 300, 900, 2500], "tvs": [0, 0, 0, 0, 500, 1200]},
                        index=[f"C{i}" for i in range(6)], dtype=float)


def test_configured_thresholds_decide_the_tier(spend):
    model = LoyaltyTiers(thresholds={"all": [2000, 800, 200, 5]}).fit(spend)
    tiers = named(model.transform(spend)["all"])
    assert tiers == [None, "Bronze", "Bronze", "Silver", "Gold", "Platinum"]
    assert model.configured_ == ["all"]


def test_unconfigured_categories_learn_thresholds_from_their_own_buyers(spend):
    model = LoyaltyTiers().fit(spend)
    tvs = named(model.transform(spend)["tvs"])
    assert tvs[:4] == [None] * 4  # no spend in the category, no tier in it
    assert tvs[5] == "Platinum" and tvs[4] == "Bronze"


@pytest.mark.parametrize("cuts, message", [([100, 50, 10], "four|4"), ([10, 50, 100, 1], "fall"),
                                           ([100, 50, 10, 0], "above 0")])
def test_bad_thresholds_are_refused_with_the_reason(cuts, message):
    with pytest.raises(TierError, match=message):
        check_thresholds("all", cuts)


def test_thresholds_for_a_category_the_store_does_not_sell_are_refused(spend):
    with pytest.raises(TierError, match="unknown categories: \\['surfboards'\\]"):
        LoyaltyTiers(thresholds={"surfboards": [4, 3, 2, 1]}).fit(spend)
