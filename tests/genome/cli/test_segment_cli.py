"""`genome segment`: the exact count a marketer would see, saving, listing and exporting from a shell."""

import json
import shutil

import pytest
from helpers import staff
from typer.testing import CliRunner

from genome.cli import app
from genome.segments.audience import count
from genome.segments.text import parse

runner = CliRunner()


@pytest.fixture
def db(demo_db, tmp_path):
    copy = tmp_path / "genome.duckdb"  # the metadata store lands beside it
    shutil.copy(demo_db, copy)
    return staff(copy)


def _run(*args):
    return runner.invoke(app, ["segment", *args])


def test_count_prints_the_exact_audience_and_total_as_json(db, demo):
    result = _run("count", "repeat_buyer AND clv_12m >= 100", "--db", str(db), "--json")
    assert result.exit_code == 0, result.output
    expected = count(demo, parse("repeat_buyer AND clv_12m >= 100"))
    shown = json.loads(result.stdout)
    assert (shown["count"], shown["total"]) == (expected.count, expected.total)
    value = demo.execute("SELECT sum(clv_12m) FROM customer_genes WHERE repeat_buyer AND clv_12m >= 100").fetchone()[0]
    assert shown["value"]["total"] == pytest.approx(value, abs=0.01)
    assert shown["value"]["total_interval"][0] < shown["value"]["total"] < shown["value"]["total_interval"][1]
    assert set(shown["reachable"]) == {"e-mail", "SMS", "app push", "ad platforms"}
    assert sum(shown["histogram"]["audience"]) == expected.count
    assert shown["lift"] and all(row["lift"] > 0 for row in shown["lift"])


def test_count_in_words_names_the_value_and_its_interval(db):
    result = _run("count", "repeat_buyer", "--db", str(db))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("%)") and lines[1].startswith("expected 12-month value $")
    assert "95% interval" in lines[1] and lines[2].startswith("reachable after consent: e-mail ")


def test_a_rule_nested_thousands_deep_is_one_line(db):
    result = _run("count", "NOT " * 5000 + "repeat_buyer", "--db", str(db))
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "nests more than 50 levels" in result.stderr


def test_a_misspelt_gene_is_one_line_naming_it(db):
    result = _run("count", "repeat_buyr", "--db", str(db))
    assert result.exit_code == 1
    assert result.stderr.strip() == "genome: error: unknown gene 'repeat_buyr' (did you mean repeat_buyer?)"


def test_save_list_count_membership_and_export(db, tmp_path):
    assert _run("save", "Valuable", "clv_12m >= 100", "--as", "mara", "--db", str(db)).exit_code == 0
    assert (tmp_path / "genome.meta.sqlite").exists()
    listed = json.loads(_run("list", "--db", str(db), "--json").stdout)["segments"]
    assert [(s["name"], s["version"], s["rule_text"]) for s in listed] == [("Valuable", 1, "clv_12m >= 100")]
    inside = json.loads(_run("count", "IN SEGMENT 'Valuable'", "--db", str(db), "--json").stdout)
    assert inside["count"] == listed[0]["size"]
    out = tmp_path / "valuable.csv"
    done = _run("export", "Valuable", "--out", str(out), "--as", "mara", "--db", str(db))
    assert done.exit_code == 0, done.output
    assert "removed without consent" in done.stdout
    assert out.read_text().splitlines()[0] == "customer_id"


def test_export_refuses_to_overwrite_without_force_and_names_platforms(db, tmp_path):
    assert _run("save", "Everyone", "", "--as", "mara", "--db", str(db)).exit_code == 0
    out = tmp_path / "meta.csv"
    assert _run("export", "Everyone", "--out", str(out), "--as", "mara", "--for", "meta", "--db", str(db)
                ).exit_code == 0
    first = out.read_text()
    assert first.splitlines()[0] == "email,email,email,phone,phone,phone"
    again = _run("export", "Everyone", "--out", str(out), "--as", "mara", "--for", "meta", "--db", str(db))
    assert again.exit_code == 1 and "already exists" in again.stderr and "--force" in again.stderr
    assert out.read_text() == first
    forced = _run("export", "Everyone", "--out", str(out), "--as", "mara", "--for", "google_ads", "--force",
                  "--db", str(db))
    assert forced.exit_code == 0 and out.read_text().splitlines()[0] == "Email,Email,Email,Phone,Phone,Phone"
    unknown = _run("export", "Everyone", "--out", str(tmp_path / "x.csv"), "--as", "mara", "--for", "myspace",
                   "--db", str(db))
    assert unknown.exit_code == 1 and "google_ads, meta, tiktok" in unknown.stderr
    listed = json.loads(_run("list", "--db", str(db), "--json").stdout)["segments"]
    assert [s["name"] for s in listed] == ["Everyone"]
