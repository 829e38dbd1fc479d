import shutil

import pytest
from e2e.serving import open_signed_in
from helpers import staff
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def unfitted_app(demo_db, tmp_path, app_server):
    db = tmp_path / "genome.duckdb"
    staff(shutil.copy(demo_db, db))
    with app_server(db) as url:
        yield url


def test_a_marketer_refits_the_models_and_reads_a_card_with_its_charts(page, unfitted_app):
    open_signed_in(page, unfitted_app)
    page.get_by_role("link", name="Model cards").click()
    expect(page.get_by_text("No models fitted yet")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Refit models").click()
    expect(page.get_by_test_id("stProgress")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("13 models refitted")).to_be_visible(timeout=300_000)
    card = page.get_by_test_id("stExpander").filter(has_text="Churn risk")
    expect(card).to_contain_text("ROC AUC")
    card.get_by_text("Churn risk").click()
    expect(card.locator(".js-plotly-plot")).to_have_count(3, timeout=20_000)
    expect(card).to_contain_text("Fallback")
