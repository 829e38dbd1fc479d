"""Campaigns and their reports in a real browser: a manager opens the portfolio, picks a campaign and reads its lift
with the interval the shell gives, beside the charts; a marketer plans a campaign for a saved segment, sends it
and opens its report."""

import json
import os
import tempfile
from pathlib import Path

import pytest
from e2e.serving import open_signed_in
from helpers import studio_copy, with_gamers
from playwright.sync_api import expect
from typer.testing import CliRunner

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("GENOME_SCREENSHOTS", tempfile.gettempdir()))
LIBRARY = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="module")
def reports(demo_db, tmp_path_factory, app_server):
    from genome.campaigns.library import import_sent_campaigns
    from store.meta import meta_url_for, session

    folder = tmp_path_factory.mktemp("reports_browser")
    db = with_gamers(studio_copy(demo_db, folder))
    with session(meta_url_for(db)) as s:
        import_sent_campaigns(s, demo_db.parent / "sources" / "campaigns.csv", owner="ada", role="admin")
    with app_server(db, GENOME_CREATIVE_DIR=str(LIBRARY)) as url:
        yield url, db


def test_a_manager_picks_a_campaign_and_reads_its_lift_as_the_shell_gives_it(page, reports):
    from genome.cli import app as cli

    url, db = reports
    open_signed_in(page, url, "max")
    page.get_by_role("link", name="Campaign reports").click()
    expect(page.get_by_text("Campaigns measured")).to_be_visible(timeout=60_000)
    listed = json.loads(CliRunner().invoke(cli, ["campaign", "list", "--json", "--as", "max", "--db", str(db)]
                                           ).stdout)["campaigns"]
    name = sorted(r["campaign"] for r in listed)[-1]
    page.get_by_test_id("stSelectbox").filter(has_text="Campaign").click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=30_000)
    report = json.loads(CliRunner().invoke(cli, ["campaign", "report", name, "--json", "--as", "max", "--db",
                                                 str(db)]).stdout)
    expect(page.get_by_text(report["summary"][0])).to_be_visible(timeout=30_000)
    expect(page.locator(".js-plotly-plot")).to_have_count(2)
    page.screenshot(path=str(SHOTS / "reports-manager.png"), full_page=True)


def test_a_marketer_plans_a_campaign_for_a_saved_segment_sends_it_and_opens_its_report(page, reports):
    url, db = reports
    open_signed_in(page, url, "mara")
    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_label("Name (letters, digits, dashes)").fill("tv-gamers-browser")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.get_by_text("Saved tv-gamers-browser (version 1, draft).")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Smallest detectable lift on buying")).to_be_visible(timeout=30_000)
    page.get_by_text("I have checked tv-gamers-browser").click()
    page.get_by_role("button", name="Send tv-gamers-browser now").click()
    sent = page.get_by_text("Sent tv-gamers-browser:")
    expect(sent).to_be_visible(timeout=60_000)
    assert "messages in the outbox" in sent.inner_text()
    page.screenshot(path=str(SHOTS / "campaigns-sent.png"), full_page=True)
    page.get_by_role("link", name="Campaign reports").click()
    expect(page.get_by_text("Campaigns measured")).to_be_visible(timeout=60_000)
    page.get_by_test_id("stSelectbox").filter(has_text="Campaign").click()
    page.get_by_role("option", name="tv-gamers-browser", exact=True).click()
    expect(page.get_by_role("heading", name="tv-gamers-browser")).to_be_visible(timeout=30_000)
    # the app only reads the store: the send's receipts wait for the next ingest or build, and the report says so
    expect(page.get_by_text("its receipts and hold-outs join the store's events")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(SHOTS / "reports-just-sent.png"), full_page=True)
