"""`genome segment`: the exact count a marketer would see, saving, listing and exporting from a shell."""

import json
import shutil

import pytest
from typer.testing import CliRunner

from genome.cli import app
from genome.segments.audience import count
from genome.segments.text import parse

runner = CliRunner()


@pytest.fixture
def db(demo_db, tmp_path):
    copy = tmp_path / "genome.duckdb"  # the metadata store lands beside it
    shutil.copy(demo_db, copy)
    return copy


def _run(*args):
    return runner.invoke(app, ["segment", *args])


def test_count_prints_the_exact_audience_and_total_as_json(db, demo):
    result = _run("count", "repeat_buyer AND clv_12m >= 100", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    expected = count(demo, parse("repeat_buyer AND clv_12m >= 100"))
    assert json.loads(result.stdout) == {"count": expected.count, "total": expected.total}


def test_a_misspelt_gene_is_one_line_naming_it(db):
    result = _run("count", "repeat_buyr", "--db", str(db))
    assert result.exit_code == 1
    assert result.stderr.strip() == "genome: error: unknown gene 'repeat_buyr' (did you mean repeat_buyer?)"


def test_save_list_count_membership_and_export(db, tmp_path):
    assert _run("save", "Valuable", "clv_12m >= 100", "--owner", "mara", "--db", str(db)).exit_code == 0
    assert (tmp_path / "genome.meta.sqlite").exists()
    listed = json.loads(_run("list", "--db", str(db), "--json").stdout)["segments"]
    assert [(s["name"], s["version"], s["rule_text"]) for s in listed] == [("Valuable", 1, "clv_12m >= 100")]
    inside = json.loads(_run("count", "IN SEGMENT 'Valuable'", "--db", str(db), "--json").stdout)
    assert inside["count"] == listed[0]["size"]
    out = tmp_path / "valuable.csv"
    done = _run("export", "Valuable", "--out", str(out), "--by", "mara", "--db", str(db))
    assert done.exit_code == 0, done.output
    assert "removed without marketing consent" in done.stdout
    assert out.read_text().splitlines()[0] == '"customer_id"'
