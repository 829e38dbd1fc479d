"""`genome profile` prints one customer's profile, refuses roles that may not read it, and lists several matches."""

import json

import pytest
from helpers import STAFF, staff
from typer.testing import CliRunner

from genome.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def person(demo_db):
    from store.duck import connect

    con = connect(demo_db, read_only=True)
    try:
        return con.execute("SELECT customer_id, value FROM identifiers WHERE kind = 'email' ORDER BY 1 LIMIT 1"
                           ).fetchone()
    finally:
        con.close()


def test_a_profile_by_e_mail_as_json_names_the_customer_and_every_section(demo_db, person):
    customer_id, email = person
    result = runner.invoke(app, ["profile", email, "--as", "sam", "--json", "--db", str(demo_db)])
    assert result.exit_code == 0, result.output
    profile = json.loads(result.stdout)
    assert profile["customer"]["customer_id"] == customer_id
    assert {"identities", "consent", "genes", "outlook", "recommendations", "segments", "campaigns", "tickets",
            "returns", "returns_support", "timeline"} <= set(profile)
    assert email in {i["value"] for i in profile["identities"]}


def test_the_text_form_masks_contacts_for_a_marketer(demo_db, person):
    _, email = person
    result = runner.invoke(app, ["profile", email, "--as", "mara", "--db", str(demo_db)])
    assert result.exit_code == 0, result.output
    assert "e-mails and phones masked" in result.stdout and email not in result.stdout
    assert "Next best action:" in result.stdout and "Timeline, page 1 of" in result.stdout


def test_a_manager_is_refused_in_one_line(demo_db, person):
    result = runner.invoke(app, ["profile", person[1], "--as", "max", "--db", str(demo_db)])
    assert result.exit_code == 1
    assert result.stderr.strip() == ("genome: error: Reading a customer's profile is for marketers, service staff "
                                     "and administrators; you are working as manager.")


def test_several_matches_are_listed_to_choose_from(demo_db, person):
    domain = person[1].split("@")[1]
    result = runner.invoke(app, ["profile", domain, "--as", "sam", "--db", str(demo_db)])
    assert result.exit_code == 1 and "customers match" in result.stderr and "Give one of their ids" in result.stderr


def test_every_look_from_the_shell_is_in_the_audit_log(demo_db, person, tmp_path):
    import shutil

    db = tmp_path / "genome.duckdb"
    staff(shutil.copy(demo_db, db))
    customer_id, email = person
    assert runner.invoke(app, ["profile", email, "--as", "sam", "--db", str(db)]).exit_code == 0
    log = json.loads(runner.invoke(app, ["audit", "--actor", "sam", "--json", "--db", str(db)]).stdout)
    assert [(e["actor"], e["action"], e["target"]) for e in log["entries"]] == [
        ("sam", "profile view", customer_id), ("sam", "unmasked view", customer_id)]
    assert log["chain"]["intact"] and log["chain"]["entries"] == 2 + len(STAFF)  # after adding the accounts
    text = runner.invoke(app, ["audit", "--actor", "sam", "--action", "unmasked view", "--db", str(db)]).stdout
    assert "sam (service) unmasked view" in text and f"1 entries shown; chain of {2 + len(STAFF)} entries intact" \
        in text


def test_the_shell_says_who_is_looking(demo_db, person):
    result = runner.invoke(app, ["profile", person[1], "--db", str(demo_db)])
    assert result.exit_code == 2 and "--as" in result.output


def test_an_unknown_or_disabled_account_is_refused(demo_db, person, tmp_path):
    import shutil

    db = staff(shutil.copy(demo_db, tmp_path / "genome.duckdb"))
    unknown = runner.invoke(app, ["profile", person[1], "--as", "nobody", "--db", str(db)])
    assert unknown.exit_code == 1 and "no user named 'nobody'" in unknown.stderr
    assert runner.invoke(app, ["users", "disable", "sam", "--db", str(db)]).exit_code == 0
    disabled = runner.invoke(app, ["profile", person[1], "--as", "sam", "--db", str(db)])
    assert disabled.exit_code == 1 and "the account 'sam' is disabled" in disabled.stderr
