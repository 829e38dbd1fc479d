"""No value in a retailer's data can make a build fail, and the genome keeps only genes that tell customers apart."""

import json

import pytest
from helpers import HEADER, event, write_csv

from genome.genes.build import build_genome
from genome.genes.definition import spelling_key
from genome.ingest import ingest_files
from store.duck import connect

COLUMNS = HEADER + ["category", "store_id", "city", "product_id"]


def _store(tmp_path, rows):
    con = connect(tmp_path / "s.duckdb")
    ingest_files(con, [write_csv(tmp_path / "events.csv", rows, COLUMNS)])
    return con


def _purchase(i, **values):
    row = event(event_type="purchase", channel="store", amount="10", quantity="1",
                occurred_at=f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{10 + i % 8:02d}:00:00", customer_ref="CR-1")
    row.update(values)
    return row


def test_a_customer_with_a_hundred_thousand_purchases_builds(tmp_path):
    rows = [_purchase(i, event_id=f"e{i}", category="milk", store_id="S1") for i in range(100_000)]
    rows += [_purchase(i, event_id=f"o{i}", customer_ref="CR-2", category="bread", store_id="S1") for i in range(30)]
    con = _store(tmp_path, rows)
    build_genome(con)
    total, milk = con.execute("SELECT purchases_total, milk_purchases_365d FROM customer_genes g "
                              "JOIN identifiers i USING (customer_id) WHERE i.value = 'CR-1'").fetchone()
    assert total == 100_000 and milk > 0
    con.close()


def test_spellings_of_one_category_merge_and_the_build_says_so(tmp_path):
    rows = [_purchase(i, event_id=f"a{i}", category="running_shoes") for i in range(30)]
    rows += [_purchase(i, event_id=f"b{i}", category="Running Shoes", customer_ref="CR-2") for i in range(25)]
    con = _store(tmp_path, rows)
    report = build_genome(con)
    assert ("category", "Running Shoes", "running_shoes") in report.merged
    bought = dict(con.execute("SELECT i.value, g.bought_running_shoes FROM customer_genes g "
                              "JOIN identifiers i USING (customer_id)").fetchall())
    assert bought == {"CR-1": True, "CR-2": True}
    assert con.execute("SELECT count(*) FROM value_spellings").fetchone()[0] == 1
    build_genome(con)  # and again: a later build does not fail either
    con.close()


@pytest.mark.parametrize(("ours", "theirs", "one"), [
    ("BABY FOODS", "BABYFOOD", True), ("CHEESE", "CHEESES", True), ("Tea bags", "TEABAG", True),
    ("KIDS TOYS", "KIDSTOYS", True),
    ("GLASS", "GLASSES", False), ("GAS", "GA", False), ("12S", "12", False), ("WINE", "WINES & SPIRITS", False),
])
def test_spellings_apart_only_by_spaces_or_a_plural_s_are_one_value(ours, theirs, one):
    assert (spelling_key(ours) == spelling_key(theirs)) is one


def _two_spellings(tmp_path, commoner, rarer):
    """A store where CR-1 buys `commoner` 30 times and CR-2 buys `rarer` 25 times."""
    rows = [_purchase(i, event_id=f"a{i}", category=commoner) for i in range(30)]
    rows += [_purchase(i, event_id=f"b{i}", category=rarer, customer_ref="CR-2") for i in range(25)]
    return _store(tmp_path, rows)


def test_a_plural_spelling_merges_into_the_commoner_one_in_the_genome(tmp_path):
    con = _two_spellings(tmp_path, "BABY FOODS", "BABYFOOD")
    report = build_genome(con)
    assert report.merged == [("category", "BABYFOOD", "BABY FOODS")]
    bought = dict(con.execute("SELECT i.value, g.bought_baby_foods FROM customer_genes g "
                              "JOIN identifiers i USING (customer_id)").fetchall())
    assert bought == {"CR-1": True, "CR-2": True}
    assert not con.execute("SELECT count(*) FROM gene_catalog WHERE name LIKE '%babyfood%'").fetchone()[0]
    con.close()


def test_a_merged_category_is_as_sensitive_as_any_of_its_spellings(tmp_path):
    # the commoner spelling, kept as the name, is one the word list does not catch
    con = _two_spellings(tmp_path, "BABYWIPE", "BABY WIPES")
    build_genome(con)
    assert con.execute("SELECT DISTINCT sensitivity FROM gene_catalog WHERE name LIKE '%babywipe%'").fetchall() == [
        ("children",)]
    con.close()


def test_a_rule_counting_a_categorys_lines_counts_its_merged_spellings_under_either_name(tmp_path):
    from genome.segments.audience import count
    from genome.segments.rules import EventCount

    con = _two_spellings(tmp_path, "CHEESE", "CHEESES")
    build_genome(con)
    for name in ("CHEESE", "CHEESES"):
        assert count(con, EventCount("purchase", ">=", 1, 0, 3650, category=name)).count == 2
    con.close()


@pytest.mark.parametrize("category", ["7 Up", "É" * 5 + " crème brûlée " + "x" * 60, "Beer & Wine", "CAT 'A'"])
def test_any_category_name_makes_valid_gene_names(tmp_path, category):
    rows = [_purchase(i, event_id=f"a{i}", category=category) for i in range(30)]
    rows += [_purchase(i, event_id=f"b{i}", category=category + "!", customer_ref="CR-2") for i in range(25)]
    con = _store(tmp_path, rows)
    report = build_genome(con)
    names = [r[0] for r in con.execute("SELECT name FROM gene_catalog").fetchall()]
    assert len(names) == len(set(names)) and all(n[0].isalpha() and len(n) <= 63 for n in names)
    assert report.genes == len(names)
    con.close()


def test_consent_decisions_after_the_data_do_not_move_the_genomes_today(tmp_path):
    rows = [_purchase(i, event_id=f"a{i}", occurred_at=f"2025-06-{1 + i:02d}T10:00:00") for i in range(20)]
    rows += [event(event_type="consent", channel="web", occurred_at="2026-01-15T10:00:00", customer_ref="CR-1",
                   attributes=json.dumps({"purpose": "marketing", "granted": True}))]
    con = _store(tmp_path, rows)
    report = build_genome(con)
    assert f"{report.as_of:%Y-%m-%d}" == "2025-06-20"
    assert con.execute("SELECT active_30d FROM customer_genes").fetchone()[0] is True
    con.close()


def test_the_genomes_today_can_be_set_and_later_events_do_not_count(tmp_path):
    from datetime import datetime

    rows = [_purchase(i, event_id=f"a{i}", occurred_at=f"2025-06-{1 + i:02d}T10:00:00") for i in range(20)]
    con = _store(tmp_path, rows)
    report = build_genome(con, as_of=datetime(2025, 6, 10, 23, 59))
    assert report.as_of == datetime(2025, 6, 10, 23, 59)
    assert con.execute("SELECT purchases_total FROM customer_genes").fetchone()[0] == 10
    con.close()


def test_genes_that_tell_nobody_apart_are_left_out_with_their_reason(tmp_path):
    # every purchase in a store: buying a category in a store is buying it
    rows = [_purchase(i, event_id=f"a{i}", category="milk" if i % 7 < 3 else "bread", customer_ref=f"CR-{i % 7}")
            for i in range(70)]
    con = _store(tmp_path, rows)
    report = build_genome(con)
    assert report.hidden["milk_store_buyer"] == "the same as bought_milk for every customer"
    reasons = dict(con.execute("SELECT name, hidden_reason FROM gene_catalog WHERE NOT published").fetchall())
    assert reasons["milk_store_buyer"].startswith("the same as bought_milk")
    assert "no customer carries it" in reasons.values()
    aliases = con.execute("SELECT aliases FROM gene_catalog WHERE name = 'bought_milk'").fetchone()[0]
    assert "milk_store_buyer" in aliases
    # the left-out gene is still a column: a saved rule naming it still counts
    assert con.execute("SELECT count(*) FROM customer_genes WHERE milk_store_buyer").fetchone()[0] > 0
    con.close()


@pytest.mark.parametrize("attributes, discount, coupon", [
    ({"discount": True, "coupon": "SAVE10"}, True, True),
    ({"discount": False, "coupon": False}, False, False),
    ({"discount": 0.5}, True, False),
    ({"discount": "false", "coupon": "0"}, False, False),
    ({"discount_amount": 1.25, "coupon_amount": 0.5}, True, True),
    ({"coupon_code": "X1"}, False, True),
])
def test_discount_and_coupon_read_what_the_attributes_mean(tmp_path, attributes, discount, coupon):
    rows = [_purchase(i, event_id=f"a{i}", attributes=json.dumps(attributes)) for i in range(5)]
    con = _store(tmp_path, rows)
    build_genome(con)
    shares = con.execute("SELECT discount_share, coupon_share FROM customer_genes").fetchone()
    assert shares == (1.0 if discount else 0.0, 1.0 if coupon else 0.0)
    con.close()
