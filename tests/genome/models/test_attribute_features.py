"""Imported customer attributes become model features, never those that reveal a special category, and a model
reads them only when validation customers say they help."""

import numpy as np
import pandas as pd
import pytest

from genome.models.attribute_features import KNOWN, attribute_features, number_in, with_attributes
from genome.models.baselines import Rule
from genome.models.classifier import FeatureClassifier
from genome.models.tasks import WITH_ATTRIBUTES, BinaryTask, _choose, _Stack
from store.duck import connect


@pytest.mark.parametrize("text, number", [
    ("35-44", 39.5), ("50-74K", 62_000), ("Under 15K", 7_500), ("5+", 5), ("250K+", 250_000), ("3", 3),
    ("1,200", 1_200), ("Married", None), (None, None),
])
def test_a_value_stands_for_the_number_a_person_would_read_in_it(text, number):
    assert number_in(text) == pytest.approx(number) if number is not None else np.isnan(number_in(text))


def _store(path, rows):
    con = connect(path)
    con.execute("CREATE TABLE customer_attributes (identifier VARCHAR, attribute VARCHAR, value VARCHAR, "
                "imported_at TIMESTAMP DEFAULT now())")
    con.execute("CREATE OR REPLACE TABLE identifiers (identifier VARCHAR, kind VARCHAR, value VARCHAR, "
                "customer_id VARCHAR, first_seen TIMESTAMP)")
    for customer, attribute, value in rows:
        con.execute("INSERT INTO customer_attributes (identifier, attribute, value) VALUES (?, ?, ?)",
                    [f"customer_ref:{customer}", attribute, value])
        con.execute("INSERT INTO identifiers SELECT ?, 'customer_ref', ?, ?, now() WHERE NOT EXISTS "
                    "(SELECT 1 FROM identifiers WHERE identifier = ?)",
                    [f"customer_ref:{customer}", customer, f"C{customer}", f"customer_ref:{customer}"])
    return con


def test_ranges_become_numbers_words_become_columns_and_special_attributes_are_left_out(tmp_path):
    con = _store(tmp_path / "a.duckdb", [
        ("1", "income_band", "50-74K"), ("2", "income_band", "Under 15K"), ("3", "income_band", "100-124K"),
        ("1", "marital_status", "Married"), ("2", "marital_status", "Unmarried"),
        ("1", "kids_count", "2"), ("2", "household_composition", "2 Adults Kids"),
        ("3", "household_composition", "1 Adult No Kids"), ("3", "religion", "Catholic"),
    ])
    found = attribute_features(con)
    assert sorted(found.columns.columns) == sorted([
        "attribute:income_band", "attribute:marital_status=Married", "attribute:marital_status=Unmarried", KNOWN])
    assert found.columns.loc["C2", "attribute:income_band"] == 7_500
    features = pd.DataFrame({"purchase_days": [3.0, 1.0]}, index=pd.Index(["C1", "C9"], name="customer_id"))
    joined = with_attributes(features, found)
    # someone without attributes takes the median number, no value and is not known
    assert joined.loc["C9"].to_dict() == {"purchase_days": 1.0, "attribute:income_band": 62_000.0,
                                          "attribute:marital_status=Married": 0.0,
                                          "attribute:marital_status=Unmarried": 0.0, KNOWN: 0.0}
    assert joined.loc["C1", "attribute:marital_status=Married"] == 1.0 and not joined.isna().any().any()


def test_a_store_without_attributes_adds_no_column(tmp_path):
    con = connect(tmp_path / "b.duckdb")
    features = pd.DataFrame({"purchase_days": [1.0]}, index=pd.Index(["C1"], name="customer_id"))
    assert attribute_features(con).empty and with_attributes(features, attribute_features(con)).equals(features)


def _frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Shopping days say a little; an attribute says most of who buys."""
    rng = np.random.default_rng(seed)
    days = rng.poisson(5, n).astype(float) + 1
    size = rng.integers(1, 6, n).astype(float)
    logit = 0.2 * (days - 6) + 1.5 * (size - 3)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    X = pd.DataFrame({"purchase_days": days, "spend_90d": days * 10 + rng.normal(0, 5, n),
                      "attribute:household_size": size, KNOWN: 1.0},
                     index=pd.Index([f"C{i}" for i in range(n)], name="customer_id"))
    return X, y


def test_the_model_reads_attributes_only_when_asked():
    X, y = _frame(2000, 0)
    assert "attribute:household_size" not in FeatureClassifier().fit(X, y).features_
    assert "attribute:household_size" in FeatureClassifier(attributes=True).fit(X, y).features_


def test_validation_chooses_the_attributes_when_they_carry_the_outcome():
    X, y = _frame(3000, 1)
    task = BinaryTask(name="buys", title="Buys", predicts="buys", horizon_days=30, estimator=FeatureClassifier,
                      label=lambda X, o: (pd.Series(True, index=X.index), pd.Series(y, index=X.index)),
                      fallback="the average", baselines=(Rule("purchase_days", "most shopping days"),))
    stack = _Stack(X.reset_index(drop=True), np.ones(len(X), bool), y, X.index.to_numpy())
    validation, rule, form = _choose(task, stack)
    assert form.endswith(WITH_ATTRIBUTES) and set(validation["model_forms"]) == {
        "boosted trees", "boosted trees averaged with a linear model", f"boosted trees{WITH_ATTRIBUTES}",
        f"boosted trees averaged with a linear model{WITH_ATTRIBUTES}"}
    # without the attribute in the frame, only the forms without attributes are tried
    _v, _r, plain = _choose(task, _Stack(stack.X.drop(columns=["attribute:household_size", KNOWN]),
                                         stack.defined, y, stack.customers))
    assert not plain.endswith(WITH_ATTRIBUTES)
