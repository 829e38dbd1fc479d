"""`genome users`: accounts from the shell, one-time passwords printed once, never a hash shown."""

import json

from typer.testing import CliRunner

from genome.cli import app

runner = CliRunner()


def _run(db, *args, stdin=None):
    return runner.invoke(app, ["users", *args, "--db", str(db)], input=stdin)


def test_first_run_adds_an_administrator_and_demo_accounts_once(tmp_path):
    db = tmp_path / "genome.duckdb"
    first = _run(db, "first-run", "--demo")
    assert first.exit_code == 0, first.output
    lines = {line.split()[0]: line.split() for line in first.stdout.splitlines() if line.startswith("  ")}
    assert {name: row[1] for name, row in lines.items()} == {
        "admin": "admin", "demo-marketer": "marketer", "demo-service": "service", "demo-manager": "manager"}
    again = _run(db, "first-run", "--demo")
    assert again.exit_code == 0 and again.stdout == ""  # passwords are never shown twice
    listed = json.loads(_run(db, "list", "--json").stdout)["users"]
    assert {u["name"]: u["state"] for u in listed} == dict.fromkeys(lines, "must change password")
    assert "argon2" not in _run(db, "list").stdout


def test_add_reads_the_password_from_stdin_and_names_a_weak_one(tmp_path):
    db = tmp_path / "genome.duckdb"
    weak = _run(db, "add", "sam", "--role", "service", "--password-stdin", stdin="sam\n")
    assert weak.exit_code == 1 and weak.stderr.strip() == (
        "genome: error: a password needs at least 12 characters; this one has 3")
    added = _run(db, "add", "sam", "--role", "service", "--password-stdin", stdin="correct horse battery\n")
    assert added.exit_code == 0 and added.stdout.strip() == "Added sam (service)."
    disabled = _run(db, "disable", "sam")
    assert disabled.exit_code == 0
    assert json.loads(_run(db, "list", "--json").stdout)["users"][0]["state"] == "disabled"
    audit = json.loads(runner.invoke(app, ["audit", "--json", "--db", str(db)]).stdout)["entries"]
    assert [(e["action"], e["target"], e["detail"]) for e in audit] == [
        ("account change", "sam", "added as service"), ("account change", "sam", "disabled")]


def test_an_unknown_account_is_named(tmp_path):
    result = _run(tmp_path / "genome.duckdb", "reset", "nobody")
    assert result.exit_code == 1 and "no user named 'nobody'" in result.stderr
