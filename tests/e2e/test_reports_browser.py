"""Campaign reports in a real browser: a manager opens the portfolio, picks a campaign and reads its lift with the
interval the shell gives, beside the charts."""

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from e2e.serving import open_signed_in
from helpers import staff
from playwright.sync_api import expect
from typer.testing import CliRunner

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("GENOME_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(scope="module")
def reports(demo_db, tmp_path_factory, app_server):
    from genome.campaigns.library import import_sent_campaigns
    from store.meta import meta_url_for, session

    db = staff(shutil.copy(demo_db, tmp_path_factory.mktemp("reports_browser") / "genome.duckdb"))
    with session(meta_url_for(db)) as s:
        import_sent_campaigns(s, demo_db.parent / "sources" / "campaigns.csv", owner="ada", role="admin")
    with app_server(db) as url:
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
