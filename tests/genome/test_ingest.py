import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import HEADER, event, write_csv

from genome import ingest
from genome.erasure import erase_in_store
from genome.ingest import FileRefused, ingest_files
from genome.landing import land
from store.duck import connect, table_columns

BAD_ROWS = {
    "occurred_at 'yesterday' is not a timestamp": event(occurred_at="yesterday"),
    "occurred_at '1850-01-01' is out of range": event(occurred_at="1850-01-01"),
    "occurred_at '2999-01-01' is out of range": event(occurred_at="2999-01-01"),
    "missing occurred_at": event(occurred_at=""),
    "unknown channel 'fax'": event(channel="fax"),
    "unknown event_type 'teleport'": event(event_type="teleport"),
    "no identifier (need one of customer_ref, loyalty_id, email, phone, device_id)": event(customer_ref=""),
    "amount 'N/A' is not a number": event(event_type="purchase", amount="N/A"),
    "amount '12,99' is not a number": event(event_type="purchase", amount="12,99"),
    "amount '5e9' is out of range (at most 1,000,000 in size; GENOME_MAX_AMOUNT sets the limit)":
        event(event_type="purchase", amount="5e9"),
    "quantity '-5000000' is out of range (0 to 100,000; GENOME_MAX_QUANTITY sets the limit)":
        event(event_type="purchase", quantity="-5000000"),
    "attributes.rating 'five' is not a whole number from 1 to 5": event(event_type="review", attributes='{"rating": "five"}'),
    "attributes.discount_amount 'lots' is not an amount": event(event_type="purchase",
                                                                 attributes='{"discount_amount": "lots"}'),
    "attributes.discount 'maybe' is not true, false or an amount": event(event_type="purchase",
                                                                         attributes='{"discount": "maybe"}'),
    "category '???' has no letter or digit to name it by": event(event_type="purchase", category="???"),
    "quantity '2.5' is not a whole number": event(event_type="purchase", quantity="2.5"),
    "attributes is not valid JSON": event(attributes="{discount: yes"),
    "attributes is not a JSON object": event(attributes="[1, 2]"),
    "email 'not-an-email' is not an e-mail address": event(customer_ref="", email="not-an-email"),
    "email is longer than 256 characters": event(email="a" * 300 + "@example.com"),
    "phone '12' is not a valid phone number": event(customer_ref="", phone="12"),
    "attributes.granted 'maybe' is not true or false":
        event(event_type="consent", attributes='{"purpose": "marketing", "granted": "maybe"}'),
    "consent event needs attributes.purpose (text) and attributes.granted (true or false)":
        event(event_type="consent", attributes='{"purpose": "marketing"}'),
}


def counts(store, table):
    return store.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_each_bad_row_is_quarantined_with_a_reason_naming_the_problem(store, tmp_path):
    rows = [event(event_id=f"good-{i}") for i in range(3)] + list(BAD_ROWS.values())
    report = ingest_files(store, [write_csv(tmp_path / "mixed.csv", rows, HEADER + ["category"])])
    assert report.files[0].accepted == 3
    assert report.files[0].quarantined == len(BAD_ROWS)
    stored = store.execute(
        "SELECT source_line, reason, raw, source_file FROM quarantined_rows ORDER BY source_line"
    ).fetchall()
    assert [r[1] for r in stored] == list(BAD_ROWS)
    # line 1 is the header; the first bad row is the fourth data row
    assert [r[0] for r in stored] == list(range(5, 5 + len(BAD_ROWS)))
    assert "fax" in stored[4][2] and stored[4][3].endswith("mixed.csv")


def test_rows_read_is_accepted_plus_quarantined_plus_duplicates(store, tmp_path):
    rows = [event(event_id="a"), event(event_id="a"), event(channel="fax"), event(event_id="b")]
    result = ingest_files(store, [write_csv(tmp_path / "f.csv", rows)]).files[0]
    assert (result.rows_read, result.accepted, result.quarantined, result.duplicates) == (4, 2, 1, 1)


def test_an_event_names_its_batch_and_line_and_the_batch_names_its_source_and_file(store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [event(event_id="a"), event(channel="fax"), event(event_id="b")])
    ingest_files(store, [path], source="web shop")
    assert store.execute("""
        SELECT e.event_id, e.source_line, b.source, b.source_file
        FROM events e JOIN ingest_batches b USING (batch_id) ORDER BY e.source_line
    """).fetchall() == [("a", 2, "web shop", str(path)), ("b", 4, "web shop", str(path))]  # line 1: the header


def test_a_store_that_kept_source_and_file_on_every_event_drops_them_and_keeps_its_events(tmp_path):
    db = tmp_path / "old.duckdb"
    con = connect(db)
    ingest_files(con, [write_csv(tmp_path / "f.csv", [event(event_id="a")])])
    # the layout such stores have: the two texts before the line and the batch
    con.execute("CREATE OR REPLACE TABLE events AS SELECT * EXCLUDE (source_line, batch_id), 'web' AS source, "
                "'f.csv' AS source_file, source_line, batch_id FROM events")
    con.close()
    con = connect(db)
    try:
        assert table_columns(con, "events")[-2:] == ["source_line", "batch_id"]
        assert not {"source", "source_file"} & set(table_columns(con, "events"))
        ingest_files(con, [write_csv(tmp_path / "g.csv", [event(event_id="a"), event(event_id="b")])])
        assert sorted(r[0] for r in con.execute("SELECT event_id FROM events").fetchall()) == ["a", "b"]
    finally:
        con.close()


def test_reingesting_the_same_file_adds_nothing(store, tmp_path):
    rows = [event(), event(event_type="search"), event(channel="fax")]  # no event_id: content hash
    path = write_csv(tmp_path / "f.csv", rows)
    ingest_files(store, [path])
    before = counts(store, "events"), counts(store, "quarantined_rows")
    again = ingest_files(store, [path]).files[0]
    assert (again.accepted, again.quarantined, again.duplicates) == (0, 0, 3)
    assert (counts(store, "events"), counts(store, "quarantined_rows")) == before


@pytest.mark.parametrize("ids", [["e1", "e2", "e3", "e4"], ["e3", "e4", "e1", "e2"]], ids=["in order", "out of order"])
def test_a_file_of_new_ids_stores_its_good_rows_and_quarantines_its_bad_ones(store, tmp_path, ids):
    path = write_csv(tmp_path / "f.csv", [event(event_id=ids[0]), event(event_id=ids[1], channel="fax"),
                                          event(event_id=ids[2]), event(event_id=ids[3], channel="fax")])
    assert land(path, phone_region="US").ids_ascend is (ids == sorted(ids))
    result = ingest_files(store, [path]).files[0]
    assert (result.accepted, result.quarantined, result.duplicates) == (2, 2, 0)
    assert store.execute("SELECT event_id, source_line FROM events ORDER BY 2").fetchall() == \
        [(ids[0], 2), (ids[2], 4)]
    assert store.execute("SELECT source_line, reason FROM quarantined_rows ORDER BY 1").fetchall() == \
        [(3, "unknown channel 'fax'"), (5, "unknown channel 'fax'")]


@pytest.mark.parametrize("order", [sorted, lambda ids: sorted(ids, reverse=True)], ids=["in order", "out of order"])
def test_a_file_whose_ids_overlap_stored_ones_adds_only_the_new_ones(store, tmp_path, order):
    first = ingest_files(store, [write_csv(tmp_path / "a.csv", [event(event_id=f"e{i}") for i in (1, 2, 3)])])
    path = write_csv(tmp_path / "b.csv", [event(event_id=i) for i in order(["e2", "e3", "e4", "e5"])])
    second = ingest_files(store, [path]).files[0]
    assert (second.accepted, second.duplicates) == (2, 2)
    assert store.execute("SELECT event_id, batch_id = ? FROM events ORDER BY 1", [first.files[0].batch_id]
                         ).fetchall() == [("e1", True), ("e2", True), ("e3", True), ("e4", False), ("e5", False)]
    again = ingest_files(store, [path]).files[0]
    assert (again.accepted, again.duplicates) == (0, 4)
    assert counts(store, "events") == 5


@pytest.mark.parametrize(("ids", "outcome", "e1_line"), [
    (["e3", "e1", "e2", "e1"], (3, 1, 0), 5),  # the first e1 is rejected: the second is the first good one
    (["e1", "e2", "e1", "e3"], (2, 1, 1), 2),  # the second e1 repeats a good row
])
def test_an_id_repeated_within_a_file_is_stored_once_from_its_first_good_row(store, tmp_path, ids, outcome, e1_line):
    rows = [event(event_id=i, channel=channel) for i, channel in zip(ids, ["web", "fax", "web", "web"])]
    result = ingest_files(store, [write_csv(tmp_path / "f.csv", rows)]).files[0]
    assert (result.accepted, result.quarantined, result.duplicates) == outcome
    stored = dict(store.execute("SELECT event_id, source_line FROM events").fetchall())
    assert sorted(stored) == sorted(set(ids) - {ids[1]} | {"e1"}) and stored["e1"] == e1_line


@pytest.mark.parametrize("ids", [["e1", "e2", "e3", "e4"], ["e4", "e3", "e2", "e1"]], ids=["in order", "out of order"])
def test_an_erased_customers_new_rows_are_neither_stored_nor_quarantined(store, tmp_path, ids):
    ingest_files(store, [write_csv(tmp_path / "a.csv", [event(event_id="old", customer_ref="CR-9")])])
    customer = store.execute("SELECT customer_id FROM identifiers WHERE value = 'CR-9'").fetchone()[0]
    erase_in_store(store, customer)
    rows = [event(event_id=ids[0]), event(event_id=ids[1], customer_ref="CR-9"),
            event(event_id=ids[2], customer_ref="CR-9", channel="fax"), event(event_id=ids[3], channel="fax")]
    result = ingest_files(store, [write_csv(tmp_path / "b.csv", rows)]).files[0]
    assert (result.accepted, result.quarantined, result.duplicates, result.erased) == (1, 1, 0, 2)
    assert store.execute("SELECT event_id FROM events").fetchall() == [(ids[0],)]
    assert store.execute("SELECT source_line FROM quarantined_rows").fetchall() == [(5,)]


def test_a_row_whose_id_an_erased_customers_row_had_first_is_accepted(store, tmp_path):
    ingest_files(store, [write_csv(tmp_path / "a.csv", [event(event_id="old", customer_ref="CR-9")])])
    erase_in_store(store, store.execute("SELECT customer_id FROM identifiers WHERE value = 'CR-9'").fetchone()[0])
    rows = [event(event_id="e1", customer_ref="CR-9"), event(event_id="e1", customer_ref="CR-1")]
    result = ingest_files(store, [write_csv(tmp_path / "b.csv", rows)]).files[0]
    assert (result.accepted, result.duplicates, result.erased) == (1, 0, 1)
    assert store.execute("SELECT event_id, customer_ref FROM events").fetchall() == [("e1", "CR-1")]


@pytest.mark.parametrize(("first", "second", "one_pass"), [
    (["a1", "a2"], ["b2", "b1"], [True, True]),  # new ids in either order
    (["a1", "a2"], ["a2", "b1"], [True, False]),  # an id stored by the file before, in the same call
    (["a1", "a2"], ["b1", "b2", "b1"], [True, False]),  # an id repeated within the file
    (["a1", ""], ["b1", "b2"], [False, True]),  # a row without an id
])
def test_only_files_that_cannot_hold_a_duplicate_are_checked_as_they_are_stored(
        store, tmp_path, monkeypatch, first, second, one_pass):
    taken = []
    original = ingest._store_checking
    monkeypatch.setattr(ingest, "_store_checking", lambda *a, **k: taken.append(True) or original(*a, **k))
    monkeypatch.setattr(ingest, "_check", lambda *a, _check=ingest._check: taken.append(False) or _check(*a))
    paths = [write_csv(tmp_path / f"{name}.csv", [event(event_id=i) for i in ids])
             for name, ids in (("first", first), ("second", second))]
    report = ingest_files(store, paths)
    assert taken == one_pass
    rows = first + second
    assert sum(f.accepted + f.duplicates + f.quarantined for f in report.files) == len(rows)
    assert sorted(r[0] for r in store.execute("SELECT event_id FROM events").fetchall() if not r[0].startswith("h-")) \
        == sorted({i for i in rows if i})


def test_a_file_mixing_rows_with_and_without_ids_stores_each_under_its_own_key(store, tmp_path):
    rows = [event(event_id="till-7"), event(event_type="search"), event(event_id="till-7"), event(event_type="search")]
    result = ingest_files(store, [write_csv(tmp_path / "f.csv", rows)]).files[0]
    assert (result.accepted, result.duplicates) == (2, 2)
    stored = dict(store.execute("SELECT event_type, event_id FROM events").fetchall())
    assert stored["view"] == "till-7" and stored["search"].startswith("h-")


@pytest.mark.parametrize("written", ["2025-06-01T12:00:00+02:00", "2025-06-01 12:00+02:00", "2025-06-01 12:00+02",
                                     "2025-06-01T11:00:00+0100", "2025-06-01T10:00:00Z"])
def test_timestamps_with_offsets_are_stored_as_utc(store, tmp_path, written):
    ingest_files(store, [write_csv(tmp_path / "f.csv", [event(occurred_at=written)])])
    assert str(store.execute("SELECT occurred_at FROM events").fetchone()[0]) == "2025-06-01 10:00:00"


def test_values_are_read_without_surrounding_blanks_and_blank_values_count_as_missing(store, tmp_path):
    header = HEADER + ["category"]
    padded = event(event_id=" p-1\t", occurred_at=" 2025-06-01T10:00:00 ", channel="  Store", event_type="purchase\r",
                   customer_ref="  CR-7 ", email=" Ann@Example.com ", amount=" 12.50 ", quantity=" \t ",
                   category=" toys ")
    blank_channel = event(event_id="p-2", channel=" \t ")
    ingest_files(store, [write_csv(tmp_path / "f.csv", [padded, blank_channel], header)])
    assert store.execute("SELECT event_id, occurred_at::VARCHAR, channel, event_type, customer_ref, email, amount, "
                         "quantity, category FROM events").fetchall() == [
        ("p-1", "2025-06-01 10:00:00", "store", "purchase", "CR-7", "ann@example.com", 12.5, None, "toys")]
    assert store.execute("SELECT reason FROM quarantined_rows").fetchall() == [("missing channel",)]


HOSTILE_TEXT = [
    "it's \"quoted\" and 'single'",
    "'; DROP TABLE events; --",
    "<script>alert('x')</script> <b>bold</b>",
    "emoji 🎉👶🏽💍 and accents éàü",
    "line one\nline two, with comma",
    "x" * 50_000,
]


def test_text_survives_unchanged_and_never_reaches_sql(store, tmp_path):
    rows = [event(event_id=f"t{i}", event_type="review", text=t) for i, t in enumerate(HOSTILE_TEXT)]
    ingest_files(store, [write_csv(tmp_path / "f.csv", rows)])
    stored = dict(store.execute("SELECT event_id, text FROM events").fetchall())
    assert [stored[f"t{i}"] for i in range(len(HOSTILE_TEXT))] == HOSTILE_TEXT
    assert counts(store, "events") == len(HOSTILE_TEXT)


def test_hostile_identifiers_are_data_too(store, tmp_path):
    ref = "x' OR '1'='1"
    ingest_files(store, [write_csv(tmp_path / "f.csv", [event(customer_ref=ref)])])
    assert store.execute("SELECT value FROM identifiers").fetchone()[0] == ref


def test_a_file_without_a_required_column_is_refused_and_changes_nothing(store, tmp_path):
    good = write_csv(tmp_path / "good.csv", [event()])
    bad = write_csv(tmp_path / "bad.csv", [event()], header=["occurred_at", "event_type", "customer_ref"])
    with pytest.raises(FileRefused, match="bad.csv: missing required column channel"):
        ingest_files(store, [good, bad])
    assert counts(store, "events") == 0 and counts(store, "ingest_batches") == 0


def test_a_file_without_any_identifier_column_is_refused(store, tmp_path):
    bad = write_csv(tmp_path / "bad.csv", [event()], header=["occurred_at", "channel", "event_type"])
    with pytest.raises(FileRefused, match="no identifier column"):
        ingest_files(store, [bad])


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "file is empty"),
    ("broken.parquet", b"PAR1 not really parquet", "cannot read as Parquet"),
    ("notes.xlsx", b"x", "unknown file type '.xlsx'"),
])
def test_unreadable_files_are_refused_with_a_message(store, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=message):
        ingest_files(store, [path])
    assert counts(store, "events") == 0


def test_an_interrupted_ingest_leaves_the_store_as_it_was(store, tmp_path, monkeypatch):
    ingest_files(store, [write_csv(tmp_path / "first.csv", [event(event_id="kept")])])

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("genome.ingest.resolve_identities", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ingest_files(store, [write_csv(tmp_path / "second.csv", [event(event_id=f"n{i}") for i in range(50)])])
    assert store.execute("SELECT list(event_id) FROM events").fetchone()[0] == ["kept"]
    assert counts(store, "ingest_batches") == 1


def test_jsonl_lines_are_validated_one_by_one(store, tmp_path):
    lines = [
        json.dumps(event(event_id="j1", attributes={"page": "product"}, amount=12.5)),
        "{not json",
        "[1, 2, 3]",
        "",
        json.dumps(event(event_id="j2", channel="fax")),
    ]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_files(store, [path]).files[0]
    assert (result.rows_read, result.accepted, result.quarantined) == (4, 1, 3)
    reasons = [r[0] for r in store.execute("SELECT reason FROM quarantined_rows ORDER BY source_line").fetchall()]
    assert reasons[0].startswith("invalid JSON") and reasons[1] == "line is not a JSON object"
    attributes, amount = store.execute("SELECT attributes, amount FROM events").fetchone()
    assert json.loads(attributes) == {"page": "product"} and amount == 12.5


def test_parquet_files_with_typed_columns_are_ingested(store, tmp_path):
    table = pa.table({
        "occurred_at": pa.array(["2025-06-01 10:00:00", "never"]),
        "channel": ["store", "store"], "event_type": ["purchase", "purchase"],
        "loyalty_id": ["L-1", "L-2"], "amount": pa.array([19.99, 5.0]),
        "quantity": pa.array([2, 1], pa.int32()),
    })
    pq.write_table(table, tmp_path / "till.parquet")
    result = ingest_files(store, [tmp_path / "till.parquet"]).files[0]
    assert (result.accepted, result.quarantined) == (1, 1)
    assert store.execute("SELECT amount, quantity FROM events").fetchone() == (19.99, 2)
    raw, line = store.execute("SELECT raw, source_line FROM quarantined_rows").fetchone()
    assert json.loads(raw)["occurred_at"] == "never" and line == 2


def test_rows_of_a_parquet_file_are_numbered_across_its_row_groups(store, tmp_path):
    times = ["2025-06-01 10:00:00"] * 5
    times[3] = "never"  # the fourth row, in the second of three row groups
    table = pa.table({"occurred_at": times, "channel": ["web"] * 5, "event_type": ["view"] * 5,
                      "customer_ref": [f"CR-{i}" for i in range(5)]})
    pq.write_table(table, tmp_path / "views.parquet", row_group_size=2)
    assert pq.ParquetFile(tmp_path / "views.parquet").num_row_groups == 3
    result = ingest_files(store, [tmp_path / "views.parquet"]).files[0]
    assert (result.rows_read, result.accepted, result.quarantined) == (5, 4, 1)
    assert store.execute("SELECT source_line FROM quarantined_rows").fetchall() == [(4,)]
    assert sorted(r[0] for r in store.execute("SELECT source_line FROM events").fetchall()) == [1, 2, 3, 5]


def test_ragged_and_undecodable_csv_rows_are_quarantined(store, tmp_path):
    path = write_csv(tmp_path / "f.csv", [event(event_id="ok")])
    with path.open("ab") as fh:
        fh.write(b"x1,2025-06-01,web\n")
        fh.write(b"x2,2025-06-01,web,view,CR-\xff\xfe,,,,,,,,\n")
    result = ingest_files(store, [path]).files[0]
    assert (result.accepted, result.quarantined) == (1, 2)
    reasons = [r[0] for r in store.execute("SELECT reason FROM quarantined_rows ORDER BY source_line").fetchall()]
    assert reasons == [f"expected {13} fields, found 3", "line 4 is not valid UTF-8"]


def test_latest_consent_per_customer_and_purpose_wins(store, tmp_path):
    consent = lambda when, purpose, granted: event(  # noqa: E731
        occurred_at=when, event_type="consent",
        attributes=json.dumps({"purpose": purpose, "granted": granted}))
    rows = [
        consent("2025-01-01", "marketing", True),
        consent("2025-03-01", "marketing", False),
        consent("2025-02-01", "profiling", True),
        consent("2025-01-15", "marketing", True) | {"customer_ref": "CR-2"},
    ]
    ingest_files(store, [write_csv(tmp_path / "consent.csv", rows)])
    latest = store.execute("""
        SELECT i.value, c.purpose, c.granted FROM consent_latest c
        JOIN identifiers i USING (customer_id) ORDER BY 1, 2
    """).fetchall()
    assert latest == [("CR-1", "marketing", False), ("CR-1", "profiling", True), ("CR-2", "marketing", True)]


def test_identities_are_resolved_as_part_of_the_ingest(store, tmp_path):
    report = ingest_files(store, [write_csv(tmp_path / "f.csv", [event(email="a@b.co")])])
    assert report.identity.customers == 1 and report.identity.identifiers == 2


@pytest.mark.parametrize("given, stored", [
    ({"discount": "TRUE", "coupon": "SAVE10"}, {"discount": True, "coupon": True, "coupon_code": "SAVE10"}),
    ({"discount": False, "coupon": "false"}, {"discount": False, "coupon": False}),
    ({"discount": 0.5}, {"discount": True, "discount_amount": 0.5}),
    ({"discount": "-1,25", "coupon": 0}, {"discount": True, "discount_amount": 1.25, "coupon": False}),
    ({"coupon_amount": "0.75", "basket_id": 31198570044, "shelf": "A3"},
     {"coupon_amount": 0.75, "coupon": True, "basket_id": "31198570044", "shelf": "A3"}),
])
def test_typed_attributes_are_stored_in_one_form_and_unknown_keys_are_kept(store, tmp_path, given, stored):
    import json as _json

    ingest_files(store, [write_csv(tmp_path / "a.csv", [event(event_type="purchase", attributes=_json.dumps(given))])])
    kept = _json.loads(store.execute("SELECT attributes FROM events").fetchone()[0])
    assert kept == {**{k: v for k, v in given.items() if k not in stored}, **stored}


def test_a_negative_purchase_is_stored_as_a_return_of_its_size(store, tmp_path):
    ingest_files(store, [write_csv(tmp_path / "r.csv", [event(event_type="purchase", amount="-12.5")])])
    assert store.execute("SELECT event_type, amount FROM events").fetchone() == ("return", 12.5)


def test_limits_are_settings_and_what_they_refuse_says_so(store, tmp_path):
    from genome.ingest import Limits

    rows = [event(event_id="fuel", event_type="purchase", quantity="15000", amount="40")]
    report = ingest_files(store, [write_csv(tmp_path / "f.csv", rows)], limits=Limits(max_quantity=10_000))
    assert report.files[0].quarantined == 1
    reason = store.execute("SELECT reason FROM quarantined_rows").fetchone()[0]
    assert reason == "quantity '15000' is out of range (0 to 10,000; GENOME_MAX_QUANTITY sets the limit)"
    report = ingest_files(store, [write_csv(tmp_path / "f2.csv", rows)])  # the default takes fuel lines
    assert report.files[0].accepted == 1
