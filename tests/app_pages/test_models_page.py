"""The model cards page: every model with its quality, training and fallback; a clear empty state."""

import shutil
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store.settings import get_settings

from helpers import fitted_copy

PAGE = Path(__file__).resolve().parents[2] / "app_pages" / "models.py"


@pytest.fixture(scope="module")
def fitted_db(demo_db, tmp_path_factory):
    return fitted_copy(demo_db, tmp_path_factory.mktemp("models_page"))


def page(monkeypatch, db) -> AppTest:
    monkeypatch.setenv("GENOME_DB", str(db))
    get_settings.cache_clear()
    return AppTest.from_file(str(PAGE), default_timeout=60)


def test_every_fitted_model_is_listed_with_its_quality_figure(monkeypatch, fitted_db):
    db, report = fitted_db
    at = page(monkeypatch, db).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["model"]) == [c["title"] for c in report.cards]
    churn = table.set_index("model").loc["Churn risk"]
    assert churn["quality"].startswith("ROC AUC ")
    assert f"{report.cards[1]['metrics']['roc_auc']:.3f}" in churn["quality"]


def test_each_card_opens_on_what_it_predicts_and_its_fallback(monkeypatch, fitted_db):
    db, report = fitted_db
    at = page(monkeypatch, db).run()
    labels = [e.label for e in at.expander]
    assert len(labels) == report.models
    text = " ".join(m.value for m in at.markdown)
    assert "**Fallback** the most popular products" in text
    assert "**Predicts** whether the customer makes no purchase in the next 90 days" in text


def test_a_store_without_fitted_models_says_how_to_fit_them(monkeypatch, demo_db):
    at = page(monkeypatch, demo_db).run()
    assert not at.exception
    assert "genome models fit" in at.info[0].value


def test_a_manager_reads_the_cards_but_is_not_offered_a_refit(monkeypatch, fitted_db):
    at = page(monkeypatch, fitted_db[0])
    at.session_state["role"] = "manager"
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "models_refit_button"]


def test_a_marketer_refits_in_the_background_and_sees_the_new_cards(monkeypatch, demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    at = page(monkeypatch, db).run()
    assert not at.dataframe  # no models yet
    at.button(key="models_refit_button").click().run()
    assert not at.exception
    deadline = time.monotonic() + 120
    while not at.dataframe and time.monotonic() < deadline:
        time.sleep(1)
        at.run()
    assert at.dataframe, "the new model cards never appeared"
    assert len(at.dataframe[0].value) == 9
