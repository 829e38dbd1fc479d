"""The model cards page: every model with its quality, training and fallback; a clear empty state."""

import re
import shutil

import pytest
from helpers import sign_in_as
from typer.testing import CliRunner

from genome.cli import app as cli
from genome.models.card_view import plain_sentence
from ui import jobs


def plain(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.fixture
def fitted_db(fitted_demo):
    return fitted_demo


@pytest.fixture
def page(page_at):
    return lambda db: page_at("models.py", db)


def test_every_fitted_model_is_listed_with_its_quality_figure(page, fitted_db):
    db, report = fitted_db
    at = page(db).run()
    assert not at.exception
    table = at.table[0].value
    assert [plain(m) for m in table["model"]] == [c["title"] for c in report.cards]
    churn = table.set_index("model").loc["Churn risk"]
    assert plain(churn["quality"]).startswith("ROC AUC ")
    assert f"{report.cards[1]['metrics']['roc_auc']:.3f}" in plain(churn["quality"])


def test_each_card_opens_on_what_it_predicts_and_its_fallback(page, fitted_db):
    db, report = fitted_db
    at = page(db).run()
    labels = [e.label for e in at.expander]
    assert len(labels) == report.models
    text = plain(" ".join(m.value for m in at.markdown))
    assert "**Fallback**, for " in text and ": the most popular products" in text
    assert "**Predicts** whether the customer makes no purchase in the next 90 days" in text
    uplift = next(e for e, c in zip(at.expander, report.cards) if c["kind"] == "uplift")
    assert "**Fallback**" not in plain(" ".join(m.value for m in uplift.markdown)), "uplift scores all it publishes"


def test_each_card_opens_with_a_plain_sentence_equal_to_the_cli(page, fitted_db):
    db, report = fitted_db
    at = page(db).run()
    said = CliRunner().invoke(cli, ["models", "cards", "--db", str(db)]).stdout.splitlines()
    for expander, card in zip(at.expander, report.cards):
        first = plain(expander.markdown[0].value)
        assert first == f"**{plain_sentence(card)}**"
        assert f"{card['title']} ({card['name']}): {plain_sentence(card)}" in said
    propensity = report.cards[0]
    lift = propensity["metrics"]["lift"][0]
    assert plain_sentence(propensity).startswith("Of the 10% of customers this model scored highest, ")
    assert f"{lift:.1f}×" in plain_sentence(propensity) and "bought within 30 days" in plain_sentence(propensity)


def test_the_lifetime_value_card_says_its_choice_was_made_on_earlier_days(page, fitted_db):
    db, report = fitted_db
    at = page(db).run()
    lifetime = next(e for e, c in zip(at.expander, report.cards) if c["name"] == "lifetime_value")
    text = plain(" ".join(m.value for m in lifetime.markdown))
    assert "chosen by the genome build on the days before, never on these" in text
    assert "held out of training" not in text


def test_features_are_named_in_words(page, fitted_db):
    at = page(fitted_db[0]).run()
    learns = [plain(c.value) for c in at.caption if c.value.startswith("Learns from")]
    assert learns and all("_" not in text for text in learns)
    assert "Days since last purchase" in learns[0]


def test_a_store_without_fitted_models_says_how_to_fit_them(page, demo_db):
    at = page(demo_db).run()
    assert not at.exception
    assert "genome models fit" in at.info[0].value


def test_a_manager_reads_the_cards_but_is_not_offered_a_refit(page, fitted_db):
    at = page(fitted_db[0])
    sign_in_as(at, "manager")
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "models_refit_button"]


def test_a_marketer_refits_in_the_background_and_sees_the_new_cards(page, demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    at = page(db).run()
    assert not at.table  # no models yet
    at.button(key="models_refit_button").click().run()
    assert not at.exception
    job = jobs.job_for(jobs.refit_key(db))
    assert job is not None and job.running
    job.wait()  # however long the refit takes on this machine
    at.run()
    if not at.table:  # the page swaps to the new cards on the run after the job ends
        at.run()
    assert at.table, "the new model cards never appeared"
    assert len(at.table[0].value) == 13
