"""Erasure reaches everywhere: after it, no table of either store holds the customer's id or identifiers (the
audit log names the id only), and sending their data again adds nothing."""

import io
import json
import re
import shutil
import sqlite3

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from genome.access import AccessDenied
from genome.cli import app
from genome.consent_changes import record_consent_change
from genome.erasure import erase_customer
from genome.ingest import ingest_files
from genome.segments.export import export_audience
from genome.segments.library import save_segment
from genome.segments.text import parse
from helpers import staff
from store.duck import connect
from store.meta import meta_url_for, session

runner = CliRunner()


def _pick(con) -> dict[str, str]:
    """Three customers the erasure has most to do for: one named in a quarantined row, one who posted on social
    media, one who bought often (in every segment below)."""
    quarantined = con.execute("""
        SELECT min(i.customer_id) FROM identifiers i, quarantined_rows q
        WHERE i.kind <> 'phone' AND contains(q.raw, i.value)""").fetchone()[0]
    poster = con.execute("""
        SELECT min(customer_id) FROM customer_events WHERE event_type = 'post' AND customer_id <> ?""",
                         [quarantined]).fetchone()[0]
    buyer = con.execute("""
        SELECT customer_id FROM customer_genes WHERE customer_id NOT IN (?, ?) AND purchases_total > 0
        ORDER BY purchases_total DESC, customer_id LIMIT 1""", [quarantined, poster]).fetchone()[0]
    return {"quarantined": quarantined, "poster": poster, "buyer": buyer}


def _identifiers(con, customer_id: str) -> list[tuple[str, str, str]]:
    return con.execute("SELECT identifier, kind, value FROM identifiers WHERE customer_id = ?", [customer_id]
                       ).fetchall()


@pytest.fixture(scope="module")
def erased(demo_db, tmp_path_factory):
    """A copy of the demo with three customers erased after they were saved, exported and changed consent."""
    folder = tmp_path_factory.mktemp("erasure")
    db = staff(shutil.copy(demo_db, folder / "genome.duckdb"))
    con = connect(db, read_only=True)
    people = _pick(con)
    traces = {role: (cid, _identifiers(con, cid)) for role, cid in people.items()}
    with session(meta_url_for(db)) as meta:
        save_segment(meta, con, name="Buyers", rule=parse("purchases_total >= 1"), owner="mara", role="marketer")
        export = export_audience(meta, con, name="Buyers", out=folder / "buyers.csv", by="mara", role="marketer")
        record_consent_change(meta, con, customer_id=people["buyer"], purpose="sms", granted=False,
                              reason="asked at the desk", actor="sam", role="service")
    con.close()
    reports = []
    for cid in people.values():
        result = runner.invoke(app, ["erase", cid, "--as", "ada", "--reason", "erasure request 4411", "--yes",
                                     "--json", "--db", str(db)])
        assert result.exit_code == 0, result.output
        reports.append(json.loads(result.stdout))
    return db, traces, reports, export


def _mentions(text: str, customer_id: str, ids: list[tuple[str, str, str]]) -> list[str]:
    """What in `text` points at the customer: their id or an identifier as a whole word, a phone in any format."""
    found = []
    for value in [customer_id] + [v for _, kind, v in ids if kind != "phone"]:
        if re.search(r"(^|[^A-Za-z0-9])" + re.escape(value) + r"($|[^A-Za-z0-9])", text, re.IGNORECASE):
            found.append(value)
    for _, kind, value in ids:
        national = value[-10:] if kind == "phone" else None
        if national and any(re.sub(r"\D", "", run).endswith(national)
                            for run in re.findall(r"\+?\d[\d ().-]{5,}\d", text)):
            found.append(value)
    return found


def test_no_table_of_the_analytics_store_holds_them_any_more(erased):
    db, traces, _, _ = erased
    con = connect(db, read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'").fetchall()]
        assert "events" in tables and "quarantined_rows" in tables and "truth_customers" in tables
        left = []
        for table in tables:
            columns = [c for c, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
                "AND table_name = ?", [table]).fetchall() if kind in ("VARCHAR", "JSON", "VARCHAR[]")]
            if not columns:
                continue
            text = " || chr(31) || ".join(f'coalesce(CAST("{c}" AS VARCHAR), \'\')' for c in columns)
            for (row,) in con.execute(f'SELECT {text} FROM "{table}"').fetchall():
                for cid, ids in traces.values():
                    if hits := _mentions(row, cid, ids):
                        left.append((table, hits, row[:200]))
        assert left == []
        for cid, ids in traces.values():
            assert con.execute("SELECT count(*) FROM customer_events WHERE customer_id = ?", [cid]).fetchone()[0] == 0
    finally:
        con.close()


def test_the_metadata_store_keeps_only_the_audit_of_the_act(erased):
    db, traces, reports, export = erased
    meta = sqlite3.connect(db.with_suffix(".meta.sqlite"))
    try:
        for (blob,) in meta.execute("SELECT members FROM segmentmembers"):
            members = set(pq.read_table(io.BytesIO(blob)).column("customer_id").to_pylist())
            assert not members & {cid for cid, _ in traces.values()}
        assert meta.execute("SELECT count(*) FROM consentchange").fetchone()[0] == 0
        for (table,) in meta.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            for row in meta.execute(f'SELECT * FROM "{table}"'):
                text = " ".join(str(v) for v in row if not isinstance(v, bytes))
                for cid, ids in traces.values():
                    hits = _mentions(text, cid, ids)
                    # the audit log names customers by the internal id only: that id now leads nowhere
                    assert hits == ([cid] if table == "auditentry" and cid in hits else []), (table, hits)
        erasures = meta.execute("SELECT actor, role, target, detail FROM auditentry WHERE action = 'erasure'"
                                ).fetchall()
        assert [(a, r, t) for a, r, t, _ in erasures] == [("ada", "admin", cid) for cid, _ in traces.values()]
        assert all(d.endswith("reason: erasure request 4411") for *_, d in erasures)
    finally:
        meta.close()
    buyer = reports[2]
    assert [e["file"] for e in buyer["exports"]] == [str(export.path.resolve())]
    assert buyer["exports"][0]["still_on_disk"] and buyer["segment_versions"] == 1 and buyer["consent_changes"] == 1


def test_sending_their_data_again_adds_nothing_and_is_counted_as_erased(erased, demo_db, tmp_path):
    db, traces, _, _ = erased
    copy = shutil.copy(db, tmp_path / "genome.duckdb")
    sources = sorted(p for p in (demo_db.parent / "sources" / "events").rglob("*") if p.is_file())
    assert sources
    con = connect(copy)
    try:
        before = con.execute("SELECT count(*) FROM events").fetchone()[0]
        report = ingest_files(con, sources)
        totals = report.totals()
        assert totals["erased"] > 0
        assert totals["accepted"] + totals["quarantined"] + totals["duplicates"] + totals["erased"] == \
            totals["rows_read"]
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == before  # the rest were duplicates
        for cid, ids in traces.values():
            assert con.execute("SELECT count(*) FROM identifiers WHERE identifier IN (SELECT unnest(?))",
                               [[i for i, _, _ in ids]]).fetchone()[0] == 0
        assert con.execute("SELECT sum(erased) FROM ingest_batches").fetchone()[0] == totals["erased"]
    finally:
        con.close()


def test_only_administrators_erase_and_a_refusal_changes_nothing(demo_db, tmp_path):
    db = staff(shutil.copy(demo_db, tmp_path / "genome.duckdb"))
    before = db.read_bytes()
    con = connect(db, read_only=True)
    customer_id = con.execute("SELECT min(customer_id) FROM customers").fetchone()[0]
    con.close()
    with pytest.raises(AccessDenied, match="Erasing a customer is for administrators; you are working as service"):
        erase_customer(db, customer_id, actor="sam", role="service", reason="asked")
    result = runner.invoke(app, ["erase", customer_id, "--as", "ada", "--reason", "", "--yes", "--db", str(db)])
    assert result.exit_code == 1 and "say why the customer is erased" in result.stderr
    answered_no = runner.invoke(app, ["erase", customer_id, "--as", "ada", "--reason", "request 1", "--db", str(db)],
                                input="n\n")
    assert answered_no.exit_code == 1 and "nothing was erased" in answered_no.stderr
    assert db.read_bytes() == before
