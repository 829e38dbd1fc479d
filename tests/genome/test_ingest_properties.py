"""Arbitrary rows thrown at ingestion: nothing crashes and every row is counted once."""

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from helpers import HEADER, write_csv
from genome.ingest import ingest_files
from store.duck import connect

plausible = {
    "occurred_at": st.sampled_from(["2025-06-01T10:00:00", "2025-06-01", "2025-13-01", "", "now"]),
    "channel": st.sampled_from(["web", "store", "APP ", "fax", ""]),
    "event_type": st.sampled_from(["view", "purchase", "consent", "teleport", ""]),
    "customer_ref": st.sampled_from(["CR-1", "CR-2", ""]),
    "email": st.sampled_from(["a@b.co", "A@B.CO ", "nope", ""]),
    "phone": st.sampled_from(["3125550142", "12", ""]),
    "amount": st.sampled_from(["1.5", "-3", "N/A", "1e12", "nan", ""]),
    "quantity": st.sampled_from(["1", "0", "2.5", "99999999999999999999", ""]),
    "attributes": st.sampled_from(['{"purpose": "marketing", "granted": true}', "{bad", "[]", ""]),
}
anything = st.text(max_size=30)
row = st.fixed_dictionaries({
    name: st.one_of(plausible.get(name, anything), anything) for name in HEADER
})


def assert_every_row_counted(path, rows_written):
    con = connect(":memory:")
    report = ingest_files(con, [path])
    result = report.files[0]
    assert result.rows_read == rows_written
    assert result.accepted + result.quarantined + result.duplicates == result.rows_read
    stored = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM quarantined_rows)").fetchone()
    assert stored == (result.accepted, result.quarantined)
    con.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=12))
def test_arbitrary_csv_rows_are_all_accounted_for(tmp_path, rows):
    assert_every_row_counted(write_csv(tmp_path / "any.csv", rows), len(rows))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(row.map(json.dumps), st.text(min_size=1, max_size=40)), min_size=1, max_size=12))
def test_arbitrary_jsonl_lines_are_all_accounted_for(tmp_path, lines):
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]
    lines = [line for line in lines if line.strip()]  # blank lines are layout, not rows
    path = tmp_path / "any.jsonl"
    path.write_text("\n".join([json.dumps({"occurred_at": "2025-06-01", "channel": "web",
                                           "event_type": "view", "customer_ref": "CR-0"})] + lines),
                    encoding="utf-8")
    assert_every_row_counted(path, len(lines) + 1)
