"""Recommendations on purchases whose answer is obvious: what a customer buys again, and what buyers of the same
things also buy."""

import shutil
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from genome.models.baselines import mean_interval
from genome.models.features import purchased_products, store_as_of
from genome.models.fit import product_categories
from genome.models.recommend import (
    NeighbourRecommender,
    baseline,
    hit_rate,
    not_recommended,
    run_recommendations,
    special_products,
    unwanted_products,
)
from genome.models.tasks import Frames
from genome.store_settings import set_store_setting
from store.duck import connect
from store.settings import get_settings

AS_OF = datetime(2025, 6, 30)


@pytest.fixture
def purchases():
    rows = []
    # tents and sleeping bags are bought together; coffee is popular with everyone else
    for i in range(30):
        rows += [(f"camper{i}", "tent", 1, "2025-05-01"), (f"camper{i}", "sleeping_bag", 1, "2025-05-01")]
    for i in range(60):
        rows += [(f"drinker{i}", "coffee", 8, "2025-06-28"), (f"drinker{i}", "mug", 1, "2025-01-10")]
    rows += [("new_camper", "tent", 1, "2025-06-01")]
    frame = pd.DataFrame(rows, columns=["customer_id", "product_id", "lines", "last_bought"])
    frame["last_bought"] = pd.to_datetime(frame["last_bought"])
    return frame


def test_what_buyers_of_the_same_things_also_buy_is_recommended(purchases):
    model = NeighbourRecommender(top=2, again=0.0, new=1.0).fit(purchases)
    top, fallback = model.recommend(purchases, pd.Index(["new_camper"]), AS_OF)
    assert top[0][0] == "sleeping_bag" and not fallback[0]


def test_what_a_customer_buys_often_and_lately_comes_first_when_buying_again_counts(purchases):
    model = NeighbourRecommender(top=2, again=1.0, new=0.0).fit(purchases)
    top, _ = model.recommend(purchases, pd.Index(["drinker0"]), AS_OF)
    assert list(top[0]) == ["coffee", "mug"]


def test_a_customer_without_purchases_gets_the_popular_products_marked_as_a_fallback(purchases):
    model = NeighbourRecommender(top=2).fit(purchases)
    top, fallback = model.recommend(purchases, pd.Index(["stranger"]), AS_OF)
    assert list(top[0]) == ["coffee", "mug"] and fallback[0]


def test_neighbours_are_kept_sparse_a_few_per_product(purchases):
    model = NeighbourRecommender(neighbours=1).fit(purchases)
    assert model.neighbours_.shape == (4, 4)
    assert model.neighbours_.getnnz(axis=1).max() == 1
    tent = list(model.items_).index("tent")
    assert model.items_[model.neighbours_[tent].indices[0]] == "sleeping_bag"


def test_the_simple_rules_recommend_what_they_say(purchases):
    customers = pd.Index(["drinker0", "new_camper", "stranger"])
    categories = {"tent": "camping", "sleeping_bag": "camping", "coffee": "drinks", "mug": "kitchen"}
    own = baseline("own_most_bought", purchases, customers, categories, top=2)
    assert list(own[0]) == ["coffee", "mug"] and own[1][0] == "tent"
    favourite = baseline("favourite_categories_popular", purchases, customers, categories, top=2)
    assert set(favourite[1]) == {"tent", "sleeping_bag"}
    popular = baseline("popular", purchases, customers, categories, top=2)
    assert list(popular[2]) == ["coffee", "mug"]


def test_hit_rate_counts_customers_who_bought_one_of_their_recommendations():
    recommended = [["a", "b"], ["c", "d"], ["e", "f"]]
    assert hit_rate(recommended, [{"b"}, {"x"}, {"f", "y"}]) == pytest.approx(2 / 3)


def test_a_bootstrap_interval_holds_the_mean():
    values = np.array([1.0] * 30 + [0.0] * 70)
    low, high = mean_interval(values)
    assert low < 0.3 < high and high - low < 0.25


def test_products_of_a_special_kind_are_found_by_their_category_name_or_department():
    categories = {"beer": "BEERS/ALES", "kit": "FAMILY PLANNING", "bread": "BREAD", "lotion": "SKIN CARE",
                  "apple": "FRUIT"}
    catalogue = pd.DataFrame({"product_id": ["kit", "bread", "lotion", "apple"],
                              "name": ["PREGNANCY TEST KITS", "ITALIAN BREAD", "BABY LOTION", None],
                              "department": ["DRUG GM", "GROCERY", "DRUG GM", None]})
    assert special_products(categories) >= {"beer"}
    assert special_products(categories, catalogue) == {"beer", "kit", "lotion"}


def test_a_line_with_nothing_bought_and_nothing_paid_is_not_a_purchase_of_its_product(demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    con = connect(db)
    try:
        for event_id, product, quantity, amount in (("coupon-line", "placeholder", 0, 0.0),
                                                     ("free-gift", "gift", 1, 0.0)):
            con.execute("INSERT INTO events SELECT * REPLACE (? AS event_id, ? AS product_id, ? AS quantity, "
                        "? AS amount) FROM events WHERE event_type = 'purchase' LIMIT 1",
                        [event_id, product, quantity, amount])
        products = set(purchased_products(con, None, datetime(2100, 1, 1))["product_id"])
    finally:
        con.close()
    assert "gift" in products and "placeholder" not in products


def test_products_the_store_does_not_recommend_are_found_by_department_or_category_in_any_spelling():
    categories = {"diesel": "FUEL", "gift-50": "Gift Cards", "bread": "BREAD", "bag": None}
    catalogue = pd.DataFrame({"product_id": ["diesel", "bread", "bag"], "name": ["DIESEL", "BREAD", "BAG"],
                              "department": ["KIOSK", "GROCERY", "Carrier bags"]})
    assert unwanted_products(("fuel", "giftcard", "CARRIER-BAGS"), categories, catalogue) == {
        "diesel", "gift-50", "bag"}
    assert unwanted_products((), categories, catalogue) == set()


@pytest.fixture
def demo_copy(demo_db, tmp_path, monkeypatch):
    """A copy of the demo store, with no GENOME_NOT_RECOMMENDED from outside the test."""
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    monkeypatch.delenv("GENOME_NOT_RECOMMENDED", raising=False)
    get_settings.cache_clear()
    con = connect(db)
    yield con
    get_settings.cache_clear()
    con.close()


def test_the_variable_wins_over_the_stores_own_setting(demo_copy, monkeypatch):
    con = demo_copy
    assert not_recommended(con) == ()
    set_store_setting(con, "not_recommended", "FUEL, , Gift cards, GIFTCARD")
    assert not_recommended(con) == ("FUEL", "Gift cards")  # spellings of one name are one name
    monkeypatch.setenv("GENOME_NOT_RECOMMENDED", "coffee")
    get_settings.cache_clear()
    assert not_recommended(con) == ("coffee",)
    monkeypatch.setenv("GENOME_NOT_RECOMMENDED", "")  # nothing left out, whatever the store says
    get_settings.cache_clear()
    assert not_recommended(con) == ()


def test_no_list_names_a_product_of_a_category_the_store_does_not_recommend(demo_copy):
    con = demo_copy
    as_of = store_as_of(con)
    consented = Frames(con, as_of).consented
    categories = product_categories(con)
    before = run_recommendations(con, as_of, consented, categories).extra_tables["customer_recommendations"]
    top = pd.Series([categories.get(p) for p in before["product_id"]]).value_counts().index[0]
    set_store_setting(con, "not_recommended", top.upper())
    after = run_recommendations(con, as_of, consented, categories)
    listed = after.extra_tables["customer_recommendations"]["product_id"]
    assert not any(categories.get(p) == top for p in listed)
    assert listed.notna().sum() == before["product_id"].notna().sum()  # every customer still gets as many
    assert f"nor one the store does not recommend ({top.upper()}:" in after.card["predicts"]
