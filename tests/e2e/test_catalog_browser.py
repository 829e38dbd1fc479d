import pytest
from e2e.serving import open_signed_in
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_searching_the_catalog_and_opening_a_gene(page, app_url, demo_db):
    from store.duck import connect

    con = connect(demo_db, read_only=True)
    coverage = con.execute(
        "SELECT coverage FROM gene_catalog WHERE name = 'bargain_hunter_weekend_shopper'").fetchone()[0]
    con.close()
    open_signed_in(page, f"{app_url}/catalog")
    search = page.get_by_label("Search name, label or description")
    expect(search).to_be_visible(timeout=30_000)
    search.fill("bargain_hunter_weekend_shopper")
    search.press("Enter")
    expect(page.get_by_text("of ", exact=False).filter(has_text="genes").first).to_contain_text("1 of", timeout=20_000)
    expect(page.get_by_role("heading", name="Bargain hunter who shops at weekends")).to_be_visible(timeout=20_000)
    coverage_metric = page.get_by_test_id("stMetric").filter(has_text="Coverage")
    expect(coverage_metric).to_contain_text(f"{coverage:.1%}")
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=20_000)
