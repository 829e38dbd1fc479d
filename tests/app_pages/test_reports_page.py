"""The Campaign reports page: a manager sees the portfolio and one campaign's lift, the same figures the shell
prints; service staff are told the reports are not theirs."""

import json
import shutil
from pathlib import Path

import pytest
from helpers import sign_in_as, staff, with_unmeasured_campaign
from typer.testing import CliRunner

from genome.campaigns.library import import_sent_campaigns
from genome.cli import app as cli
from genome.formatting import money
from store.meta import meta_url_for, session
from synthetic.demo import CAMPAIGNS


@pytest.fixture(scope="module")
def reports_db(demo_db, tmp_path_factory):
    db = staff(shutil.copy(demo_db, tmp_path_factory.mktemp("reports_page") / "genome.duckdb"))
    with session(meta_url_for(db)) as s:
        import_sent_campaigns(s, demo_db.parent / "sources" / "campaigns.csv", owner="ada", role="admin")
    return db


def _shell(*args: str) -> object:
    result = CliRunner().invoke(cli, [*args, "--json", "--as", "max"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_manager_sees_the_portfolio_and_a_campaigns_lift_as_the_shell_says(page_at, reports_db):
    at = sign_in_as(page_at("reports.py", reports_db), "manager").run()
    assert not at.exception, at.exception
    shell = _shell("campaign", "list", "--db", str(reports_db))
    listed = {r["campaign"]: r for r in shell["campaigns"]}
    totals = shell["totals"]
    assert next(m for m in at.metric if m.label == "Incremental revenue").value == money(totals["incremental_revenue"])
    assert f"{money(totals['incremental_revenue_low'])} to {money(totals['incremental_revenue_high'])}" in \
        at.caption[0].value
    table = next(d.value for d in at.dataframe if "campaign" in d.value.columns).set_index("campaign")
    assert set(table.index) == set(listed) and len(listed) == CAMPAIGNS
    for name, row in listed.items():
        assert table.loc[name, "lift (95% interval)"] == row["lift_text"]
        assert table.loc[name, "incremental revenue"] == pytest.approx(row["incremental_revenue"])
    name = at.selectbox(key="reports_campaign").value
    report = _shell("campaign", "report", name, "--db", str(reports_db))
    text = next(m.value.replace("\\", "") for m in at.markdown if "95% interval" in m.value.replace("\\", ""))
    assert text == f"**{report['summary'][0]}** {report['summary'][1]}"
    assert f"Incremental revenue {money(report['incremental_revenue'])}" in text
    treated = next(m for m in at.metric if m.label == "Treated: bought in the window")
    assert treated.value == f"{report['groups']['treated']['response_rate']:.2%}"
    assert len(at.get("plotly_chart")) == 2


def test_service_staff_are_told_the_reports_are_not_theirs(page_at, reports_db):
    at = sign_in_as(page_at("reports.py", reports_db), "service").run()
    assert not at.exception
    assert "is for marketers, managers and administrators" in at.info[0].value.replace("\\", "")


def test_a_campaign_without_a_control_group_shows_no_control_figures(page_at, demo_db, tmp_path):
    db = with_unmeasured_campaign(demo_db, tmp_path)
    at = sign_in_as(page_at("reports.py", db), "manager").run()
    at.selectbox(key="reports_campaign").set_value("summer-mailer").run()
    assert not at.exception, at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Control: bought in the window"] == "–" and shown["Control: revenue per recipient"] == "–"
    assert shown["Treated: revenue per recipient"].startswith("$")
    by = next(m.value for m in at.markdown if "Recipients by" in m.value)
    assert by.startswith("**Recipients by value tier**")
    table = next(d.value for d in at.dataframe if "campaign" in d.value.columns).set_index("campaign")
    assert table.loc["summer-mailer", "lift (95% interval)"] == "–" and table.loc["summer-mailer", "control"] == 0
    # a figure that cannot be known (its relative lift, revenue, return) reads as a dash, not as "None"
    portfolio = next(d for d in at.dataframe if "campaign" in d.value.columns)
    assert table.loc["summer-mailer", ["relative lift", "incremental revenue"]].isna().all()
    assert portfolio.proto.placeholder == "–"


def test_every_table_on_every_page_shows_a_missing_value_as_a_dash():
    """Streamlit writes "None" in an empty cell unless a table says otherwise."""
    import ast

    pages = [*Path(__file__).resolve().parents[2].glob("app_pages/*.py"),
             *Path(__file__).resolve().parents[2].glob("ui/*.py")]
    calls = [(path.name, node.lineno) for path in pages for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dataframe"
             and not any(k.arg == "placeholder" for k in node.keywords)]
    assert calls == []
