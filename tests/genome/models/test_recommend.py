"""Item-item recommendations on purchases whose answer is obvious."""

import pandas as pd
import pytest

from genome.models.recommend import ItemItemRecommender, hit_rate


@pytest.fixture
def purchases():
    rows = []
    # tents and sleeping bags are bought together; coffee is popular with everyone else
    for i in range(30):
        rows += [(f"camper{i}", "tent", 1), (f"camper{i}", "sleeping_bag", 1)]
    for i in range(60):
        rows += [(f"drinker{i}", "coffee", 2), (f"drinker{i}", "mug", 1)]
    rows += [("new_camper", "tent", 1)]
    return pd.DataFrame(rows, columns=["customer_id", "product_id", "lines"])


def test_a_customer_is_recommended_what_others_bought_with_their_products(purchases):
    model = ItemItemRecommender(top=2).fit(purchases)
    top, fallback = model.recommend(purchases, pd.Index(["new_camper"]))
    assert top[0][0] == "sleeping_bag"
    assert not fallback[0]


def test_products_the_customer_already_bought_are_not_recommended(purchases):
    model = ItemItemRecommender(top=3).fit(purchases)
    top, _ = model.recommend(purchases, pd.Index(["camper0"]))
    assert "tent" not in top[0] and "sleeping_bag" not in top[0]


def test_a_customer_without_purchases_gets_the_popular_products_marked_as_a_fallback(purchases):
    model = ItemItemRecommender(top=2).fit(purchases)
    top, fallback = model.recommend(purchases, pd.Index(["stranger"]))
    assert list(top[0]) == ["coffee", "mug"] and fallback[0]


def test_hit_rate_counts_customers_who_bought_one_of_their_recommendations():
    recommended = [["a", "b"], ["c", "d"], ["e", "f"]]
    assert hit_rate(recommended, [{"b"}, {"x"}, {"f", "y"}]) == pytest.approx(2 / 3)
