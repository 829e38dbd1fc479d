"""Campaign reports on the demo's past campaigns: what the shell prints is what the page shows, the portfolio adds
up, managers may read them and service staff may not, and a campaign without a control group says so."""

import json

import pytest
from helpers import with_unmeasured_campaign
from typer.testing import CliRunner

from genome.access import AccessDenied
from genome.campaigns.library import import_sent_campaigns, list_campaigns, save_campaign
from genome.campaigns.measure import campaigns_found
from genome.campaigns.report import SMALL_CONTROL, campaign_report, natural_order, portfolio, summary
from genome.cli import app as cli
from genome.errors import InputError
from genome.formatting import money
from genome.genes.lifetime import CLV_TIERS
from store.duck import connect
from store.meta import meta_url_for, session
from synthetic.demo import CAMPAIGNS


@pytest.fixture(scope="module")
def reports(demo_db, tmp_path_factory):
    """A copy of the demo with its campaign calendar recorded, and one more campaign sent without a control group."""
    db = with_unmeasured_campaign(demo_db, tmp_path_factory.mktemp("reports"))
    with session(meta_url_for(db)) as s:
        saved = import_sent_campaigns(s, demo_db.parent / "sources" / "campaigns.csv", owner="ada", role="admin")
        assert saved == CAMPAIGNS
    return db


def _report_of(db, *, goal: str) -> tuple[str, dict]:
    """The first recorded campaign with `goal`, and its report as a manager reads it."""
    con = connect(db, read_only=True)
    try:
        with session(meta_url_for(db)) as s:
            name = next(c.name for c in list_campaigns(s) if c.goal == goal)
            return name, campaign_report(con, s, name, role="manager")
    finally:
        con.close()


def test_the_shell_report_is_the_report_and_names_a_lift_with_its_interval(reports):
    name, report = _report_of(reports, goal="revenue")
    shell = CliRunner().invoke(cli, ["campaign", "report", name, "--json", "--as", "max", "--db", str(reports)])
    assert shell.exit_code == 0, shell.output
    assert json.loads(shell.stdout) == json.loads(json.dumps(report, default=str))
    head = report["headline"]
    assert head["outcome"] == "revenue" and head["absolute_low"] <= head["absolute"] <= head["absolute_high"]
    treated = report["groups"]["treated"]["recipients"]
    assert report["cost"] == pytest.approx(0.05 * treated)
    assert report["incremental_revenue"] == pytest.approx(head["absolute"] * treated)
    assert len(report["daily"]["treated"]) == 14 and report["daily"]["treated"] == sorted(report["daily"]["treated"])


def test_the_portfolio_lists_every_campaign_and_the_one_without_control_cannot_be_measured(reports):
    con = connect(reports, read_only=True)
    try:
        with session(meta_url_for(reports)) as s:
            rows = {r["campaign"]: r for r in portfolio(con, s, role="manager")}
            mailer = campaign_report(con, s, "summer-mailer", role="manager")
            assert set(rows) == {c["campaign"] for c in campaigns_found(con)}
    finally:
        con.close()
    assert len(rows) == CAMPAIGNS + 1 and sum(r["measurable"] for r in rows.values()) == CAMPAIGNS
    assert rows["summer-mailer"]["lift"] is None
    assert not mailer["measurable"] and mailer["groups"]["treated"]["recipients"] == 30
    assert "lift cannot be measured without one" in mailer["notes"][0]
    tiers = mailer["responses_by"]
    assert tiers["gene"] == "clv_tier" and sum(r["recipients"] for r in tiers["rows"]) == 30
    assert all(0 <= r["bought"] <= 1 and r["redeemed"] == 0 for r in tiers["rows"])
    listed = [r["value"] for r in tiers["rows"]]
    assert len(listed) > 1 and listed == [t for t in (*CLV_TIERS, "unknown") if t in listed]  # highest tier first


def test_service_staff_may_not_read_reports_and_a_bad_plan_names_what_is_wrong(reports):
    con = connect(reports, read_only=True)
    try:
        with session(meta_url_for(reports)) as s:
            with pytest.raises(AccessDenied, match="Reading campaign reports is for marketers, managers"):
                portfolio(con, s, role="service")
            with pytest.raises(InputError, match="the holdout share is between 0 and 1"):
                save_campaign(s, name="x", goal="purchase", owner="mara", role="marketer", holdout_share=1.5)
            with pytest.raises(AccessDenied, match="Planning campaigns is for marketers and administrators"):
                save_campaign(s, name="x", goal="purchase", owner="max", role="manager")
            planned = save_campaign(s, name="winter-plan", goal="click", owner="mara", role="marketer")
            assert planned.version == 1 and planned.state == "draft"
            report = campaign_report(con, s, "winter-plan", role="manager")
            assert not report["measurable"] and report["notes"] == ["Not sent yet (draft): nothing to measure."]
    finally:
        con.close()


def test_the_pdf_holds_the_reports_figures(reports, tmp_path):
    from genome.campaigns.pdf import report_pdf

    name, report = _report_of(reports, goal="purchase")
    readable = report_pdf(report, compress=False)
    assert readable.startswith(b"%PDF") and f"Campaign report: {name}".encode() in readable
    assert f"Incremental revenue {money(report['incremental_revenue'])}".encode() in readable
    assert report["summary"][0].startswith("Lift on buying anything (CUPED): ") and " points, 95% interval " in \
        report["summary"][0]
    shell = CliRunner().invoke(cli, ["campaign", "report", name, "--pdf", str(tmp_path / "r.pdf"), "--as", "max",
                                     "--db", str(reports)])
    assert shell.exit_code == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert report["summary"][0] in shell.stdout


def test_a_small_control_group_is_named_in_the_notes_and_a_large_one_is_not(reports):
    con = connect(reports, read_only=True)
    try:
        with session(meta_url_for(reports)) as s:
            rows = {r["campaign"]: r for r in portfolio(con, s, role="manager") if r["control"]}
            small = next(n for n, r in rows.items() if r["control"] < SMALL_CONTROL)
            large = next(n for n, r in rows.items() if r["control"] >= SMALL_CONTROL)
            small_notes = campaign_report(con, s, small, role="manager", with_genes=False)["notes"]
            large_notes = campaign_report(con, s, large, role="manager", with_genes=False)["notes"]
    finally:
        con.close()
    assert any(f"only {rows[small]['control']:,} recipients" in n for n in small_notes)
    assert not any("The control group has only" in n for n in large_notes)


def _headline(**lift) -> dict:
    return {"headline": {"outcome": "purchase", "in_words": "bought anything", "absolute": 0.05,
                         "absolute_low": 0.01, "absolute_high": 0.09, "significant": True} | lift,
            "cost": None, "incremental_revenue": 10.0, "incremental_revenue_low": 1.0, "incremental_revenue_high": 19.0}


def test_a_clear_lift_whose_relative_interval_spans_zero_says_its_relative_size_is_uncertain():
    unsized = summary(_headline(relative=1.2, relative_low=-0.3, relative_high=2.7))[0]
    sized = summary(_headline(relative=1.2, relative_low=0.3, relative_high=2.1))[0]
    assert unsized.endswith("a clear result, though its relative size is uncertain (the control group's mean is "
                            "small).")
    assert sized.endswith("(+120.0%, 95% interval +30.0% to +210.0%): a clear result.")


def test_campaigns_are_listed_with_the_numbers_in_their_names_in_number_order():
    names = ["18", "2", "Spring 10", "spring 9", "1", "10", "B", "a"]
    assert sorted(names, key=natural_order) == ["1", "2", "10", "18", "a", "B", "spring 9", "Spring 10"]
