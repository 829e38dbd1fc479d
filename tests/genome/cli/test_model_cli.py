"""`genome models fit` and `genome models cards` from the shell: options reach the models, mistakes change nothing."""

import json
import shutil

import pytest
from helpers import staff
from typer.testing import CliRunner

from genome.cli import app
from store.duck import connect

runner = CliRunner()


@pytest.fixture(scope="module")
def fitted(one_channel_fitted):
    """The store fitted from the shell with a tiers file and 21 approaching days (a store of tills only)."""
    db, _, result = one_channel_fitted
    return db, result


def test_fit_reports_every_model_with_its_headline(fitted):
    _, result = fitted
    assert result.exit_code == 0, result.output
    assert "13 models fitted" in result.stderr
    assert "Lifetime value: spend error $" in result.stderr
    assert "Life events from social posts: macro F1" in result.stderr and "sealed hand-written posts" in result.stderr


def test_fit_options_reach_the_genes(fitted):
    db, _ = fitted
    con = connect(db, read_only=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM gene_catalog WHERE family = 'life_events'").fetchall()}
        assert {"birthday_approaching_21d", "wedding_anniversary_approaching_21d"} <= names
        assert "birthday_approaching_30d" not in names
        card = next(json.loads(c) for (c,) in con.execute("SELECT card FROM model_cards").fetchall()
                    if json.loads(c)["name"] == "loyalty_tiers")
        assert card["metrics"]["thresholds"]["loyalty_tier"] == [3000, 1000, 300, 1]
        assert card["metrics"]["configured"] == ["loyalty_tier"]
    finally:
        con.close()


def test_cards_list_every_fitted_model_as_json(fitted):
    db, _ = fitted
    result = runner.invoke(app, ["models", "cards", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    cards = json.loads(result.stdout)["models"]
    assert len(cards) == 13 and {"life_events", "recommendations", "churn_risk_90d", "lifetime_value"} <= {
        c["name"] for c in cards}


def test_a_bad_tiers_file_is_named_and_leaves_the_store_as_it_was(demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    before = db.read_bytes()
    bad = tmp_path / "tiers.json"
    bad.write_text(json.dumps({"all": [100, 200, 300, 400]}))
    result = runner.invoke(app, ["models", "fit", "--as", "mara", "--db", str(db), "--tiers", str(bad)])
    assert result.exit_code == 1
    assert f"--tiers {bad}" in result.output
    assert db.read_bytes() == before


def test_a_manager_may_not_fit_and_the_store_is_left_as_it_was(demo_db, tmp_path):
    db = staff(shutil.copy(demo_db, tmp_path / "genome.duckdb"))
    before = db.read_bytes()
    result = runner.invoke(app, ["models", "fit", "--as", "max", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("genome: error: Refitting models is for marketers and administrators; you are "
                                     "working as manager.")
    assert db.read_bytes() == before


def test_a_fit_from_the_shell_is_audited_under_the_account_named(fitted):
    db, _ = fitted
    log = json.loads(runner.invoke(app, ["audit", "--action", "refit", "--json", "--db", str(db)]).stdout)
    assert [(e["actor"], e["role"], e["target"]) for e in log["entries"]] == [("mara", "marketer", "genome.duckdb")]
