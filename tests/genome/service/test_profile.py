"""One customer's profile holds what service staff need, each part read from the store as it is now."""

import pytest

from genome.access import AccessDenied
from genome.segments.library import save_segment
from genome.segments.text import parse
from genome.service.profile import customer_profile, timeline
from store.duck import connect
from store.meta import session


@pytest.fixture(scope="module")
def store(fitted_demo):
    con = connect(fitted_demo[0], read_only=True)
    yield con
    con.close()


@pytest.fixture
def meta(tmp_path):
    with session(f"sqlite:///{tmp_path / 'meta.sqlite'}") as s:
        yield s


@pytest.fixture(scope="module")
def linked(store):
    """A customer with an e-mail, a phone and another identifier, joined by events."""
    return store.execute("""
        SELECT customer_id FROM identifiers GROUP BY 1
        HAVING count(*) FILTER (WHERE kind = 'email') >= 1 AND count(*) FILTER (WHERE kind = 'phone') >= 1
           AND count(*) >= 3
        ORDER BY 1 LIMIT 1
    """).fetchone()[0]


def test_reading_a_profile_is_refused_to_a_role_that_may_not(store, linked, meta):
    with pytest.raises(AccessDenied, match="you are working as manager"):
        customer_profile(store, linked, actor="sam", role="manager", meta=meta)


def test_each_identity_shows_the_event_that_proved_it_and_contacts_are_masked_for_marketers(store, linked, meta):
    full = customer_profile(store, linked, actor="sam", role="service", meta=meta)
    held = {(k, v) for k, v in store.execute("SELECT kind, value FROM identifiers WHERE customer_id = ?",
                                             [linked]).fetchall()}
    assert {(i["kind"], i["value"]) for i in full["identities"]} == held and not full["contacts_masked"]
    assert any(not i["proved_by"].startswith("its own events") for i in full["identities"])
    for identity in full["identities"]:
        proved = identity["proved_by"]
        if not proved.startswith("its own events"):
            assert store.execute("SELECT count(*) FROM customer_events WHERE customer_id = ? AND event_id = ?",
                                 [linked, proved]).fetchone()[0] == 1
    masked = customer_profile(store, linked, actor="sam", role="marketer", meta=meta)
    assert masked["contacts_masked"]
    shown = {i["kind"]: i["value"] for i in masked["identities"]}
    assert "***@" in shown["email"] and shown["phone"].startswith("*** *** ")


def test_every_look_is_audited_and_a_full_view_of_contacts_says_so(store, linked, meta):
    from genome.audit import entries, verify

    with pytest.raises(AccessDenied):
        customer_profile(store, linked, actor="max", role="manager", meta=meta)
    customer_profile(store, linked, actor="mara", role="marketer", meta=meta)
    customer_profile(store, linked, actor="sam", role="service", meta=meta)
    logged = [(e.actor, e.role, e.action, e.target) for e in entries(meta)]
    assert logged == [("mara", "marketer", "profile view", linked), ("sam", "service", "profile view", linked),
                      ("sam", "service", "unmasked view", linked)]
    assert verify(meta).intact


def test_consent_now_is_the_latest_decision_and_the_history_is_newest_first(store, linked, meta):
    consent = customer_profile(store, linked, actor="sam", role="service", meta=meta)["consent"]
    latest = {p: g for p, g in store.execute("SELECT purpose, granted FROM consent_latest WHERE customer_id = ?",
                                             [linked]).fetchall()}
    assert {c["purpose"]: c["granted"] for c in consent["now"]} == latest
    times = [h["occurred_at"] for h in consent["history"]]
    assert times == sorted(times, reverse=True) and len(times) >= len(latest)


def test_genes_shown_are_the_customers_own_values_and_only_what_says_something(store, linked, meta):
    profile = customer_profile(store, linked, actor="sam", role="service", meta=meta)
    row = store.execute("SELECT * FROM customer_genes WHERE customer_id = ?", [linked]).df().iloc[0]
    types = dict(store.execute("SELECT name, type FROM gene_catalog").fetchall())
    shown = [g for genes in profile["genes"].values() for g in genes]
    assert shown
    for gene in shown:
        assert not gene["name"].endswith(("_pct", "_fallback"))
        if types[gene["name"]] == "flag":
            assert bool(row[gene["name"]]) and gene["value"] == "yes"


def test_favourite_categories_are_named_by_the_category_alone_and_ranked_by_spend(store, meta):
    gene = store.execute("SELECT name FROM gene_catalog WHERE family = 'category' AND name LIKE '%\\_spend\\_365d' "
                         "ESCAPE '\\' ORDER BY carriers DESC LIMIT 1").fetchone()[0]
    shopper = store.execute(f'SELECT customer_id FROM customer_genes ORDER BY "{gene}" DESC LIMIT 1').fetchone()[0]
    favourites = customer_profile(store, shopper, actor="sam", role="service", meta=meta)["favourite_categories"]
    labels = dict(store.execute("SELECT name, label FROM gene_catalog").fetchall())
    spend = store.execute("SELECT * FROM customer_genes WHERE customer_id = ?", [shopper]).df().iloc[0]
    assert favourites and all(f["label"] + " spend, last 365 days" == labels[f["name"]] for f in favourites)
    assert [spend[f["name"]] for f in favourites] == sorted((spend[f["name"]] for f in favourites), reverse=True)


def test_recommendations_are_named_products_in_rank_order(store, linked, meta):
    recommendations = customer_profile(store, linked, actor="sam", role="service", meta=meta)["recommendations"]
    assert [r["rank"] for r in recommendations] == list(range(1, len(recommendations) + 1))
    names = dict(store.execute("SELECT product_id, any_value(name) FROM products GROUP BY 1").fetchall())
    assert all(r["name"] == names.get(r["product_id"], r["product_id"]) for r in recommendations)


def test_the_timeline_pages_through_every_event_and_filters_by_channel(store):
    customer, events = store.execute("SELECT customer_id, count(*) FROM customer_events GROUP BY 1 "
                                     "ORDER BY 2 DESC, 1 LIMIT 1").fetchone()
    first = timeline(store, customer, page=1, page_size=10)
    second = timeline(store, customer, page=2, page_size=10)
    assert first["total"] == events and first["pages"] == -(-events // 10)
    assert len(first["events"]) == 10 and first["events"][-1]["occurred_at"] >= second["events"][0]["occurred_at"]
    channel = first["channels"][0]
    only = timeline(store, customer, channel=channel, page_size=500)
    assert {e["channel"] for e in only["events"]} == {channel}
    assert only["total"] == store.execute("SELECT count(*) FROM customer_events WHERE customer_id = ? AND "
                                          "channel = ?", [customer, channel]).fetchone()[0]


def test_saved_segments_the_customer_is_in_are_listed(store, linked, tmp_path):
    with session(f"sqlite:///{tmp_path / 'meta.sqlite'}") as meta:
        save_segment(meta, store, name="Everyone who bought", rule=parse("purchases_total >= 1"), owner="mara", role="marketer")
        save_segment(meta, store, name="Nobody", rule=parse("purchases_total < 0"), owner="mara", role="marketer")
        bought = store.execute("SELECT purchases_total >= 1 FROM customer_genes WHERE customer_id = ?",
                               [linked]).fetchone()[0]
        segments = customer_profile(store, linked, actor="sam", role="service", meta=meta)["segments"]
    assert [s["segment"] for s in segments] == (["Everyone who bought"] if bought else [])


def test_tickets_and_returns_come_with_advice_for_a_return(store, meta):
    customer = store.execute("SELECT customer_id FROM customer_events WHERE event_type = 'return' "
                             "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()[0]
    profile = customer_profile(store, customer, actor="sam", role="service", meta=meta)
    assert profile["returns"] and all(r["occurred_at"] for r in profile["returns"])
    assert profile["returns_support"]["suggestion"] in ("Exchange", "Refund", "Keep-it credit")
    assert str(len(profile["returns"])) in profile["returns_support"]["reason"]


def test_events_ingested_after_the_build_are_in_the_profile_at_once(demo_db, tmp_path):
    import shutil

    from helpers import event, write_csv

    from genome.ingest import ingest_files

    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    con = connect(db)
    try:
        customer, email = con.execute("SELECT customer_id, value FROM identifiers WHERE kind = 'email' "
                                      "ORDER BY 1 LIMIT 1").fetchone()
        assert con.execute("SELECT count(*) FROM event_rows").fetchone()[0] == \
            con.execute("SELECT count(*) FROM events").fetchone()[0]
        before = timeline(con, customer)["total"]
        ingest_files(con, [write_csv(tmp_path / "late.csv", [event(email=email, customer_ref="", channel="web",
                                                                   occurred_at="2026-09-30T10:00:00")])])
        after = timeline(con, customer)
        assert after["total"] == before + 1 == con.execute(
            "SELECT count(*) FROM customer_events WHERE customer_id = ?", [customer]).fetchone()[0]
    finally:
        con.close()


def test_a_next_best_action_never_suggests_a_product_of_a_special_category():
    from genome.service.profile import suggestable

    recommended = [{"name": "CIGARETTES 20 PK", "category": "CIGARETTES"},
                   {"name": "ADULT PADS", "category": "ADULT INCONTINENCE"},
                   {"name": "FLUID MILK 1 GAL", "category": "FLUID MILK PRODUCTS"}]
    assert suggestable(recommended) == "FLUID MILK 1 GAL"
    assert suggestable(recommended[:2]) is None and suggestable([]) is None


def test_every_recommendation_is_listed_and_a_repeated_name_is_told_apart_by_brand_or_product(monkeypatch):
    import pandas as pd

    from genome.service import profile

    found = pd.DataFrame({"rank": [1, 2, 3, 4, 5], "product_id": ["P1", "P2", "P3", "P4", "P5"],
                          "name": ["SHREDDED CHEESE", "SHREDDED CHEESE", "BANANAS", "FLUID MILK", "FLUID MILK"],
                          "category": ["CHEESE", "CHEESE", "TROPICAL FRUIT", "MILK", "MILK"],
                          "brand": ["National", "Private", None, "National", "National"]})
    monkeypatch.setattr(profile, "recommendations_for", lambda con, customer_id: found)
    assert [(r["rank"], r["name"]) for r in profile._recommendations(None, "C1")] == [
        (1, "SHREDDED CHEESE (National)"), (2, "SHREDDED CHEESE (Private)"), (3, "BANANAS"),
        (4, "FLUID MILK (product P4)"), (5, "FLUID MILK (product P5)")]
