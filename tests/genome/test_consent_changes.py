"""Consent a customer gives staff counts at once (exports, the profile) and joins the store's events at its next
write, once."""

import shutil

import pytest
from typer.testing import CliRunner

from genome.access import AccessDenied
from genome.audit import entries
from genome.cli import app
from genome.consent_changes import record_consent_change, waiting
from genome.errors import InputError
from genome.segments.export import export_audience
from genome.segments.library import save_segment
from genome.segments.text import parse
from genome.service.profile import customer_profile
from helpers import staff
from store.duck import connect
from store.meta import meta_url_for, session

runner = CliRunner()


@pytest.fixture
def db(demo_db, tmp_path):
    return staff(shutil.copy(demo_db, tmp_path / "genome.duckdb"))


def _consenting_customer(con) -> tuple[str, str]:
    """A customer who granted marketing, with their e-mail."""
    return con.execute("""
        SELECT c.customer_id, min(i.value) FROM consent_latest c JOIN identifiers i USING (customer_id)
        WHERE c.purpose = 'marketing' AND c.granted AND i.kind = 'email'
        GROUP BY 1 ORDER BY 1 LIMIT 1""").fetchone()


def _exported(path) -> set[str]:
    return set(path.read_text().split()[1:])


def test_a_refusal_recorded_by_service_staff_leaves_the_next_export_at_once(db, tmp_path):
    con = connect(db, read_only=True)
    try:
        customer_id, _ = _consenting_customer(con)
        with session(meta_url_for(db)) as meta:
            save_segment(meta, con, name="Everyone", rule=parse(""), owner="mara", role="marketer")
            before = export_audience(meta, con, name="Everyone", out=tmp_path / "before.csv", by="mara",
                                     role="marketer")
            assert customer_id in _exported(before.path)
            record_consent_change(meta, con, customer_id=customer_id, purpose=" Marketing", granted=False,
                                  reason="asked on the phone to stop all marketing", actor="sam", role="service")
            after = export_audience(meta, con, name="Everyone", out=tmp_path / "after.csv", by="mara",
                                    role="marketer")
            assert _exported(after.path) == _exported(before.path) - {customer_id}
            assert after.removed_without_consent == before.removed_without_consent + 1
            profile = customer_profile(con, customer_id, actor="sam", role="service", meta=meta)
            assert {c["purpose"]: c["granted"] for c in profile["consent"]["now"]}["marketing"] is False
            latest = profile["consent"]["history"][0]
            assert (latest["purpose"], latest["granted"], latest["channel"], latest["reason"]) == (
                "marketing", False, "service", "asked on the phone to stop all marketing")
            change = [(e.actor, e.target, e.detail) for e in entries(meta, action="consent change")]
            assert change == [("sam", customer_id, "marketing refused")]
    finally:
        con.close()


def test_only_roles_that_may_change_consent_can_and_a_decision_needs_a_purpose_and_reason(db):
    con = connect(db, read_only=True)
    try:
        customer_id, _ = _consenting_customer(con)
        with session(meta_url_for(db)) as meta:
            with pytest.raises(AccessDenied, match="Changing a customer's consent is for service staff and "
                                                   "administrators; you are working as marketer"):
                record_consent_change(meta, con, customer_id=customer_id, purpose="marketing", granted=False,
                                      reason="wants out", actor="mara", role="marketer")
            with pytest.raises(InputError, match="consent purpose 'newsletters' is not one of marketing"):
                record_consent_change(meta, con, customer_id=customer_id, purpose="newsletters", granted=False,
                                      reason="wants out", actor="sam", role="service")
            with pytest.raises(InputError, match="say why"):
                record_consent_change(meta, con, customer_id=customer_id, purpose="email", granted=False,
                                      reason="  ", actor="sam", role="service")
            assert waiting(meta) == []
    finally:
        con.close()


def test_the_shell_records_a_decision_and_the_next_build_takes_it_into_the_events_once(db):
    con = connect(db, read_only=True)
    customer_id, email = _consenting_customer(con)
    con.close()
    done = runner.invoke(app, ["consent", email.upper(), "--purpose", "marketing", "--refuse", "--reason",
                               "letter received", "--as", "sam", "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith(f"{customer_id}: marketing refused, recorded by sam")
    refused = runner.invoke(app, ["consent", email, "--purpose", "marketing", "--grant", "--reason", "x y z",
                                  "--as", "mara", "--db", str(db)])
    assert refused.exit_code == 1 and "you are working as marketer" in refused.stderr
    built = runner.invoke(app, ["build", "--db", str(db)])
    assert built.exit_code == 0, built.output
    assert "1 consent decisions recorded by staff joined the events" in built.stderr
    again = runner.invoke(app, ["build", "--db", str(db)])
    assert "consent decisions" not in again.stderr
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT channel, left(batch_id, 5), json_extract_string(attributes, '$.reason') "
                           "FROM events WHERE event_id LIKE 'desk-%'").fetchall()
        assert rows == [("service", "desk-", "letter received")]
        assert con.execute("SELECT granted FROM consent_latest WHERE customer_id = ? AND purpose = 'marketing'",
                           [customer_id]).fetchone() == (False,)
    finally:
        con.close()
    with session(meta_url_for(db)) as meta:
        assert waiting(meta) == []
