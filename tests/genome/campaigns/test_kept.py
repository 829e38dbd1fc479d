"""Campaign outcomes kept by the build: the same rows as measuring from the events, read only while the events and
identities are as they were, gone with an erased customer, and kept over each campaign's planned window."""

import json
import shutil

import duckdb
import pytest
from helpers import staff
from typer.testing import CliRunner

from genome.campaigns.kept import campaign_outcomes, campaigns_named, keep_outcomes, kept_is_current
from genome.campaigns.library import save_campaign
from genome.campaigns.measure import campaigns_found, recipient_outcomes
from genome.campaigns.report import campaign_report
from genome.cli import app as cli
from genome.erasure import erase_in_store
from genome.ingest import ingest_file, ingest_transaction
from store.duck import connect
from store.meta import meta_url_for, session


@pytest.fixture
def kept(demo_db, tmp_path):
    """A writable copy of the demo store with its campaigns' outcomes kept."""
    con = connect(shutil.copy(demo_db, tmp_path / "genome.duckdb"))
    keep_outcomes(con)
    yield con
    con.close()


def _a_responder(con, campaign: str) -> tuple[str, str, object]:
    """A treated recipient of `campaign` who bought in its window: (customer, their identifier, send time)."""
    rows = recipient_outcomes(con, campaign, window_days=14)
    pick = next(i for i, (t, p) in enumerate(zip(rows.column("treated").to_pylist(),
                                                  rows.column("purchases").to_pylist(), strict=True)) if t and p)
    customer = rows.column("customer_id")[pick].as_py()
    identifier = con.execute("SELECT min(identifier) FROM identifiers WHERE customer_id = ? AND kind = 'customer_ref'",
                             [customer]).fetchall()[0][0]
    return customer, identifier, rows.column("sent_at")[pick].as_py()


def test_kept_outcomes_are_exactly_the_outcomes_measured_from_the_events(kept):
    found = campaigns_found(kept)
    assert len(found) >= 3 and kept_is_current(kept)
    assert campaigns_named(kept) == {c["campaign"] for c in found}
    for c in found:
        measured = recipient_outcomes(kept, c["campaign"], window_days=14)
        assert campaign_outcomes(kept, c["campaign"], window_days=14).equals(measured, check_metadata=True)


def test_an_event_ingested_after_the_build_is_counted_at_once(kept, tmp_path):
    campaign = campaigns_found(kept)[0]["campaign"]
    customer, identifier, sent = _a_responder(kept, campaign)
    before = kept.execute("SELECT purchases FROM campaign_outcomes WHERE campaign_id = ? AND customer_id = ?",
                          [campaign, customer]).fetchall()[0][0]
    late = tmp_path / "late.jsonl"
    late.write_text(json.dumps({"event_id": "late-1", "occurred_at": f"{sent:%Y-%m-%d}T23:00:00", "channel": "web",
                                "event_type": "purchase", "customer_ref": identifier.split(":", 1)[1],
                                "amount": 12.5, "quantity": 1}) + "\n")
    with ingest_transaction(kept):
        assert ingest_file(kept, late, source="late").accepted == 1
    assert not kept_is_current(kept)
    now = campaign_outcomes(kept, campaign, window_days=14).to_pylist()
    assert next(r["purchases"] for r in now if r["customer_id"] == customer) == before + 1


def test_a_customer_moved_to_another_by_identity_resolution_makes_the_kept_outcomes_stale(kept):
    kept.execute("UPDATE identifiers SET customer_id = 'C-moved' WHERE rowid = (SELECT min(rowid) FROM identifiers)")
    assert not kept_is_current(kept)


def test_an_erased_customer_leaves_no_kept_outcome_behind(kept):
    campaign = campaigns_found(kept)[0]["campaign"]
    customer, _, _ = _a_responder(kept, campaign)
    erase_in_store(kept, customer)
    assert kept.execute("SELECT count(*) FROM campaign_outcomes WHERE customer_id = ?", [customer]).fetchall() == [(0,)]
    assert not kept_is_current(kept)
    assert customer not in campaign_outcomes(kept, campaign, window_days=14).column("customer_id").to_pylist()


def test_a_failed_keep_leaves_the_outcomes_kept_before(kept):
    found = [c["campaign"] for c in campaigns_found(kept)]
    before = kept.execute("SELECT * FROM campaign_outcomes ORDER BY ALL").fetchall()
    with pytest.raises(duckdb.Error):  # a window far past any date: the second campaign cannot be measured
        keep_outcomes(kept, windows={found[1]: 10**12})
    assert kept.execute("SELECT * FROM campaign_outcomes ORDER BY ALL").fetchall() == before
    assert kept_is_current(kept)


def test_the_build_keeps_each_campaign_over_its_planned_window_and_the_report_reads_it(demo_db, tmp_path):
    db = staff(shutil.copy(demo_db, tmp_path / "genome.duckdb"))
    con = connect(db, read_only=True)
    campaign = campaigns_found(con)[0]["campaign"]
    con.close()
    with session(meta_url_for(db)) as s:
        save_campaign(s, name=campaign, goal="purchase", owner="ada", role="admin", window_days=7)
    built = CliRunner().invoke(cli, ["build", "--db", str(db)])
    assert built.exit_code == 0, built.output
    assert "campaigns measured for their reports" in built.output
    con = connect(db)
    assert con.execute("SELECT window_days FROM campaign_outcome_sets WHERE campaign_id = ?",
                       [campaign]).fetchall() == [(7,)]
    # the report reads the kept rows: a count changed in them (and only there) shows in the report
    treated = con.execute('SELECT count(*) FILTER (WHERE treated AND NOT "both") FROM campaign_outcomes '
                          "WHERE campaign_id = ?", [campaign]).fetchall()[0][0]
    con.execute("UPDATE campaign_outcomes SET purchases = 1 WHERE campaign_id = ? AND treated", [campaign])
    con.close()
    con = connect(db, read_only=True)
    with session(meta_url_for(db)) as s:
        report = campaign_report(con, s, campaign, role="manager")
    con.close()
    assert report["window_days"] == 7
    assert report["groups"]["treated"]["responders"] == report["groups"]["treated"]["recipients"] == treated
