import numpy as np
from helpers import event, write_csv
from hypothesis import given, strategies as st

from genome.identity import _link, resolve_identities
from genome.ingest import ingest_files


def customer_of(store, identifier):
    row = store.execute("SELECT customer_id FROM identifiers WHERE identifier = ?", [identifier]).fetchone()
    return row[0] if row else None


def test_identifiers_seen_on_one_event_belong_to_one_customer(store, tmp_path):
    rows = [
        event(event_id="1", customer_ref="CR-1", email="Ann@Example.com"),
        event(event_id="2", customer_ref="", channel="store", event_type="purchase",
              loyalty_id="L-1", phone="(312) 555-0142"),
        event(event_id="3", customer_ref="", channel="service", event_type="ticket",
              phone="+1 312 555 0142", email="ann@example.com "),
        event(event_id="4", customer_ref="CR-9"),
    ]
    ingest_files(store, [write_csv(tmp_path / "f.csv", rows)])
    ann = customer_of(store, "customer_ref:CR-1")
    assert {customer_of(store, i) for i in ["email:ann@example.com", "loyalty_id:L-1", "phone:+13125550142"]} == {ann}
    assert customer_of(store, "customer_ref:CR-9") not in (None, ann)
    assert store.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    assert store.execute("SELECT n_events FROM customers WHERE customer_id = ?", [ann]).fetchone()[0] == 3


def test_each_link_records_the_event_that_joined_the_identifiers(store, tmp_path):
    rows = [event(event_id="first", email="a@b.co", occurred_at="2025-01-01"),
            event(event_id="later", email="a@b.co", occurred_at="2025-05-01")]
    ingest_files(store, [write_csv(tmp_path / "f.csv", rows)])
    assert store.execute("SELECT identifier, other, event_id FROM identity_links").fetchall() == [
        ("customer_ref:CR-1", "email:a@b.co", "first")
    ]


def test_an_identifier_never_an_anchor_keeps_its_kind_value_and_first_sighting(store, tmp_path):
    # the device is only ever seen beside a customer reference, so it is never an event's anchor
    rows = [event(event_id="late", customer_ref="CR-1", device_id="dev:42:a", occurred_at="2025-03-01"),
            event(event_id="early", customer_ref="CR-1", device_id="dev:42:a", occurred_at="2025-01-02"),
            event(event_id="alone", customer_ref="CR-1", occurred_at="2024-12-01")]
    ingest_files(store, [write_csv(tmp_path / "f.csv", rows)])
    assert store.execute(
        "SELECT identifier, kind, value, CAST(first_seen AS DATE)::VARCHAR FROM identifiers ORDER BY identifier"
    ).fetchall() == [("customer_ref:CR-1", "customer_ref", "CR-1", "2024-12-01"),
                     ("device_id:dev:42:a", "device_id", "dev:42:a", "2025-01-02")]
    assert store.execute("SELECT n_identifiers, n_events, CAST(first_seen AS DATE)::VARCHAR FROM customers"
                         ).fetchall() == [(2, 3, "2024-12-01")]


def test_a_shared_device_does_not_merge_its_many_users(store, tmp_path):
    rows = [event(event_id=f"k{i}", channel="store", event_type="store_visit", customer_ref="",
                  loyalty_id=f"L-{i}", device_id="kiosk") for i in range(60)]
    report = ingest_files(store, [write_csv(tmp_path / "f.csv", rows)])
    assert report.identity.customers == 60
    assert report.identity.refused_shared == 60
    reasons = store.execute("SELECT DISTINCT reason FROM identity_refusals").fetchall()
    assert reasons == [("shared identifier: seen with more than 5 identifiers of one kind",)]


def test_no_customer_grows_beyond_the_cap_and_the_refusal_is_visible(store, tmp_path):
    # one person's chain of 60 devices, each seen with the next: no single identifier is a hub
    rows = [event(event_id=f"d{i}", channel="app", customer_ref="", device_id=f"dev-{i}",
                  email=f"p{i}@chain.co", occurred_at=f"2025-01-01T00:{i // 60:02d}:{i % 60:02d}")
            for i in range(60)]
    rows += [event(event_id=f"e{i}", channel="app", customer_ref="", device_id=f"dev-{i + 1}",
                   email=f"p{i}@chain.co", occurred_at=f"2025-01-02T00:00:{i:02d}") for i in range(59)]
    ingest_files(store, [write_csv(tmp_path / "f.csv", rows)], identity_cap=50)
    sizes = store.execute("SELECT max(n_identifiers), sum(n_identifiers) FROM customers").fetchone()
    assert sizes == (50, 120)
    # the chain of 120 identifiers breaks at 50 and again at 100
    refused = store.execute("SELECT count(*), any_value(reason) FROM identity_refusals").fetchone()
    assert refused == (2, "customer would exceed 50 identifiers")


def test_resolution_is_deterministic(store, tmp_path):
    rows = [event(event_id=str(i), customer_ref=f"CR-{i % 7}", email=f"u{i % 5}@x.co") for i in range(40)]
    ingest_files(store, [write_csv(tmp_path / "f.csv", rows)])
    first = store.execute("SELECT identifier, customer_id FROM identifiers ORDER BY 1").fetchall()
    store.execute("BEGIN")
    resolve_identities(store)
    store.execute("COMMIT")
    assert store.execute("SELECT identifier, customer_id FROM identifiers ORDER BY 1").fetchall() == first


def test_customer_ids_are_pseudonymous(store, tmp_path):
    ingest_files(store, [write_csv(tmp_path / "f.csv", [event(email="jane@example.com")])])
    customer_id = store.execute("SELECT customer_id FROM customers").fetchone()[0]
    assert customer_id.startswith("C") and "jane" not in customer_id.lower() and len(customer_id) == 11


def test_two_customers_whose_names_would_share_ten_hex_digits_stay_two_customers(store, tmp_path):
    # the md5 digests of these two identifiers begin with the same ten hex digits (a235958457)
    rows = [event(event_id="older", customer_ref="T-1591024", occurred_at="2025-01-01"),
            event(event_id="newer", customer_ref="T-1888987", occurred_at="2025-02-01")]
    ingest_files(store, [write_csv(tmp_path / "f.csv", rows)])
    older, newer = customer_of(store, "customer_ref:T-1591024"), customer_of(store, "customer_ref:T-1888987")
    assert store.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
    assert older == "CA235958457"  # the first seen keeps the short name it always had
    assert newer.startswith("CA235958457") and len(newer) == 33


def _one_by_one(n_nodes, links, cap):
    """Links taken in order, each refused when shared or when it would grow a customer past the cap."""
    group = list(range(n_nodes))
    accepted = []
    for a, b, shared in links:
        ga, gb = group[a], group[b]
        size_a, size_b = group.count(ga), group.count(gb)
        ok = not shared and (ga == gb or size_a + size_b <= cap)
        if ok and ga != gb:
            group = [ga if g == gb else g for g in group]
        accepted.append(ok)
    return group, accepted


def _partition(groups):
    members = {}
    for node, g in enumerate(groups):
        members.setdefault(int(g), set()).add(node)
    return sorted(sorted(m) for m in members.values())


@given(st.integers(2, 25).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.booleans()), max_size=60),
    st.integers(2, 8))))
def test_linking_groups_at_once_gives_what_taking_links_one_by_one_gives(case):
    n_nodes, links, cap = case
    links = [(a, b, shared) for a, b, shared in links if a != b]
    a, b, shared = (np.array([link[i] for link in links], dtype=dtype)
                    for i, dtype in ((0, np.int64), (1, np.int64), (2, bool)))
    roots, accepted, reasons = _link(n_nodes, a, b, shared, cap=cap, shared_links=5)
    groups, expected = _one_by_one(n_nodes, links, cap)
    assert _partition(roots) == _partition(groups)
    assert accepted.tolist() == expected
    assert [r is None for r in reasons] == expected
