import json

import pytest
from e2e.serving import open_signed_in
from playwright.sync_api import expect
from typer.testing import CliRunner

from genome.cli import app as cli

pytestmark = pytest.mark.e2e


def test_the_home_page_shows_the_store_figures(page, app_url, demo_db):
    status = json.loads(CliRunner().invoke(cli, ["status", "--db", str(demo_db), "--json"]).stdout)
    open_signed_in(page, app_url)
    metrics = page.get_by_test_id("stMetric")
    expect(metrics.first).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stMetric").filter(has_text="Customers")).to_contain_text(f"{status['customers']:,}")
    expect(page.get_by_test_id("stMetric").filter(has_text="Events")).to_contain_text(f"{status['events']:,}")
    expect(page.get_by_test_id("stMetric").filter(has_text="Quarantined rows")).to_contain_text(
        f"{status['quarantined']:,}")
    expect(page.get_by_text("Events per channel")).to_be_visible()
    # the plotly chart rendered real bars, one per channel
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=20_000)
    bars = page.locator(".js-plotly-plot").first.locator("g.point")
    expect(bars).to_have_count(len(status["events_by_channel"]), timeout=20_000)
    last = page.get_by_test_id("stMetric").filter(has_text="Last event").inner_text()
    assert status["last_event"][:10] in last


def test_a_bookmarked_page_opened_first_after_a_restart_goes_through_the_router(page, app_server, demo_db):
    with app_server(demo_db) as url:  # a fresh server: nobody has opened the app yet
        open_signed_in(page, f"{url}/segments", "mara")
        expect(page.get_by_role("heading", name="Segment builder")).to_be_visible(timeout=30_000)
        nav = page.get_by_test_id("stSidebarNav")
        expect(nav).to_contain_text("Gene catalog")
        expect(nav).to_contain_text("Model cards")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_signing_out_leaves_no_page_of_the_previous_user_in_the_sidebar(page, app_url):
    open_signed_in(page, app_url)
    expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Segment builder", timeout=30_000)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("textbox", name="User name")).to_be_visible(timeout=30_000)
    # read at once, not waited for: the links must be gone when the form shows, not a moment later
    assert page.get_by_test_id("stSidebarNav").count() == 0
    assert page.get_by_role("link", name="Segment builder").count() == 0
