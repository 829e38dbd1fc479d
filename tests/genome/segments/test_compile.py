"""Compiling rules to SQL: genes checked against the catalog, values always bound, counts that add up."""

from datetime import datetime

import pyarrow as pa
import pytest
from hypothesis import given, settings, strategies as st

from genome.segments.audience import count, genome, member_ids
from genome.errors import NotBuilt, UnknownGene
from genome.segments.compile import compile_rule
from genome.segments.rules import Compare, EventCount, Flag, Group, InSegment, OneOf, RuleError
from genome.segments.text import parse

GENES = {"weekend_runner": "flag", "clv_12m": "number", "home_city": "category", "lapsed_90d": "flag"}
AS_OF = datetime(2026, 1, 1)


def test_an_unknown_gene_is_named_with_the_nearest_known_one():
    with pytest.raises(UnknownGene, match="unknown gene 'weekend_runer' \\(did you mean weekend_runner\\?\\)"):
        compile_rule(parse("weekend_runer AND clv_12m > 1"), GENES, as_of=AS_OF)


@pytest.mark.parametrize("text, message", [
    ("clv_12m", "clv_12m is a number gene: compare it"),
    ("weekend_runner >= 2", "weekend_runner is a flag gene: use it on its own"),
    ("home_city >= 2", "home_city is a category gene: match its values"),
    ("COUNT(purchased, LAST 30 DAYS) > 0", "unknown event type 'purchased'"),
    ("IN SEGMENT 'nobody saved this'", "unknown segment 'nobody saved this'"),
])
def test_a_gene_used_against_its_type_is_refused_with_how_to_use_it(text, message):
    with pytest.raises(RuleError, match=message):
        compile_rule(parse(text), GENES, as_of=AS_OF)


hostile = st.text(min_size=1, max_size=40)


def _compiled(city: str, category: str, segment: str):
    rule = Group("all", (OneOf("home_city", (city,)), EventCount("purchase", ">=", 1, 0, 30, category=category),
                         InSegment(segment)))
    return compile_rule(rule, GENES, as_of=AS_OF, members=lambda name: pa.table({"customer_id": [name]}))


@settings(max_examples=200, deadline=None)
@given(hostile, hostile, hostile)
def test_typed_values_reach_the_query_only_as_parameters(city, category, segment):
    compiled = _compiled(city, category, segment)
    # the SQL text does not depend on what was typed: the values travel beside it
    assert compiled.select("count(*)") == _compiled("x", "y", "z").select("count(*)")
    assert city in compiled.params.values() and category in compiled.params.values()
    assert [t["customer_id"][0].as_py() for t in compiled.relations.values()] == [segment]


gene_names = st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True).filter(lambda n: n not in GENES)


@settings(max_examples=200, deadline=None)
@given(gene_names, st.sampled_from(["{} >= 1", "{}", "NOT {}", "{} IN ('x')", "{} IN TOP 5%"]))
def test_any_gene_name_outside_the_catalog_is_refused_before_sql_is_written(name, shape):
    rule = Group("all", (Flag("weekend_runner"), Compare(name, ">=", 1)))
    with pytest.raises(UnknownGene, match=f"unknown gene '{name}'"):
        compile_rule(rule, GENES, as_of=AS_OF)
    try:
        parsed = parse(shape.format(name))
    except RuleError:
        return  # a keyword such as AND is not a name
    with pytest.raises(UnknownGene, match=f"unknown gene '{name}'"):
        compile_rule(parsed, GENES, as_of=AS_OF)


# --- on the demo store ------------------------------------------------------------------------------------------

def _n(con, text, **kw) -> int:
    return count(con, parse(text), **kw).count


def test_the_total_is_every_customer_in_the_genome(demo):
    result = count(demo, parse(""))
    assert result.count == result.total == demo.execute("SELECT count(*) FROM customers").fetchone()[0]


A, B = "repeat_buyer", "clv_12m >= 100"


def test_counts_obey_the_algebra_of_sets(demo):
    total = count(demo, parse("")).total
    a, b = _n(demo, A), _n(demo, B)
    assert 0 < a < total and 0 < b < total
    assert _n(demo, f"{A} AND {B}") + _n(demo, f"{A} AND NOT {B}") == a
    assert _n(demo, f"NOT {A}") == total - a
    assert _n(demo, f"{A} OR {B}") == a + b - _n(demo, f"{A} AND {B}")


def test_a_missing_value_fails_a_comparison_and_passes_its_negation(demo):
    total = count(demo, parse("")).total
    missing = demo.execute("SELECT count(*) FROM customer_genes WHERE days_since_last_purchase IS NULL").fetchone()[0]
    assert missing > 0  # customers who never bought
    assert _n(demo, "days_since_last_purchase >= 0") == total - missing
    assert _n(demo, "NOT days_since_last_purchase >= 0") == missing


def test_top_percent_takes_the_most_valuable_share(demo):
    total = count(demo, parse("")).total
    top = _n(demo, "clv_12m IN TOP 10%")
    assert total * 0.10 <= top <= total * 0.11  # ties at the edge are in
    edge = demo.execute("SELECT min(clv_12m) FROM (SELECT clv_12m FROM customer_genes ORDER BY clv_12m DESC "
                        f"LIMIT {top})").fetchone()[0]
    assert _n(demo, f"clv_12m >= {edge}") == top


def test_an_event_window_counts_purchases_before_the_reference_date(demo):
    recent = _n(demo, "COUNT(purchase, LAST 30 DAYS) >= 1")
    assert recent == _n(demo, "purchases_30d >= 1")
    lapsed = _n(demo, "COUNT(purchase, LAST 90 DAYS) = 0 AND COUNT(purchase, 91 TO 100000 DAYS AGO) >= 1")
    assert lapsed == _n(demo, "lapsed_90d")


def test_a_category_window_matches_the_category_gene(demo):
    category = demo.execute("SELECT favourite_category FROM customer_genes WHERE favourite_category IS NOT NULL "
                            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    from genome.genes.definition import slug
    assert _n(demo, f"COUNT(purchase, category = '{category}', LAST 90 DAYS) >= 2") == \
        _n(demo, f"{slug(category)}_purchases_90d >= 2")


def test_membership_reads_the_stored_members_of_the_other_segment(demo):
    stored = member_ids(demo, parse("repeat_buyer"))
    assert len(stored) == _n(demo, "repeat_buyer")
    members = {"Repeat buyers": stored}.get
    assert _n(demo, "IN SEGMENT 'Repeat buyers'", members=members) == len(stored)
    assert _n(demo, "IN SEGMENT 'Repeat buyers' AND NOT repeat_buyer", members=members) == 0
    # what is stored is used, not the rule behind it
    assert _n(demo, "IN SEGMENT 'Two'", members={"Two": stored.slice(0, 2)}.get) == 2


def test_a_store_without_a_genome_says_so(store):
    with pytest.raises(NotBuilt, match="genome build"):
        genome(store)
