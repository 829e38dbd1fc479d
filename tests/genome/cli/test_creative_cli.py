"""`genome creative`: load the library, check a template in one line, preview one customer's message."""

import json
import shutil
from pathlib import Path

from helpers import staff
from typer.testing import CliRunner

from genome.cli import app

runner = CliRunner()
LIBRARY = Path(__file__).resolve().parents[3] / "assets"


def test_load_then_preview_names_each_slots_asset_and_reason(demo_db, tmp_path):
    db = staff(shutil.copy(demo_db, tmp_path / "genome.duckdb"))
    loaded = runner.invoke(app, ["creative", "load", str(LIBRARY), "--as", "mara", "--db", str(db)])
    assert loaded.exit_code == 0 and loaded.stdout.startswith("13 assets saved"), loaded.output
    again = runner.invoke(app, ["creative", "load", str(LIBRARY), "--as", "mara", "--db", str(db)])
    assert again.stdout.startswith("the library already holds")
    from store.duck import connect

    con = connect(db, read_only=True)
    email = con.execute("SELECT min(value) FROM identifiers WHERE kind = 'email'").fetchone()[0]
    con.close()
    shown = runner.invoke(app, ["creative", "preview", str(LIBRARY / "templates" / "tv-offer.toml"), "--customer",
                                email, "--as", "mara", "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    preview = json.loads(shown.stdout)
    assert set(preview["slots"]) == {"hero", "headline", "body", "cta", "offer"}
    assert all(s["reason"] for s in preview["slots"].values())
    assert preview["message"]["email_subject"] and "<html>" in preview["message"]["email_html"]
    refused = runner.invoke(app, ["creative", "preview", "tv-offer", "--customer", email, "--as", "sam",
                                  "--db", str(db)])
    assert refused.exit_code == 1 and "is for marketers and administrators" in refused.stderr


def test_check_says_what_is_wrong_in_one_line(tmp_path):
    good = runner.invoke(app, ["creative", "check", str(LIBRARY / "templates" / "tv-offer.toml")])
    assert good.exit_code == 0 and good.stdout.startswith("tv-offer: 5 slots")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[slots.hero]\nkind = "image"\nfallback = "h"\n[channels]\n'
                   "sms = '''{% include \"../../etc/passwd\" %}'''\n")
    result = runner.invoke(app, ["creative", "check", str(bad)])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("genome: error: bad: sms:")
