"""The text form of a rule: it reads what marketers write, round-trips, and names mistakes."""

import re

import pytest
from hypothesis import given, settings, strategies as st

from genome.segments.rules import (
    EVERYONE, Between, Compare, EventCount, Flag, Group, InSegment, OneOf, RuleError, TopPercent, from_json,
    root, to_json,
)
from genome.segments.text import parse, to_text


def test_the_issue_example_reads_as_all_of_three_conditions():
    rule = parse("weekend_runner AND clv_12m >= 200 AND NOT lapsed_90d")
    assert rule == Group("all", (Flag("weekend_runner"), Compare("clv_12m", ">=", 200),
                                 Group("none", (Flag("lapsed_90d"),))))


def test_and_binds_tighter_than_or_and_not_tighter_than_and():
    rule = parse("a OR b AND NOT c")
    assert rule == Group("any", (Flag("a"), Group("all", (Flag("b"), Group("none", (Flag("c"),))))))
    assert to_text(rule) == "a OR (b AND NOT c)"


def test_keywords_are_read_in_any_case_and_written_in_capitals():
    assert to_text(parse("x between 1 and 5 or y in top 10% and not z")) == \
        "x BETWEEN 1 AND 5 OR (y IN TOP 10% AND NOT z)"


def test_every_condition_kind_round_trips_through_text_and_json():
    text = ("clv_12m IN TOP 10% AND home_city IN ('Chicago', 'New York') AND spend_365d BETWEEN 50 AND 500.5 "
            "AND COUNT(purchase, category = 'running_shoes', LAST 30 DAYS) >= 2 "
            "AND COUNT(purchase, 90 TO 180 DAYS AGO) = 0 AND IN SEGMENT 'Weekend runners' AND NOT (a OR b)")
    rule = parse(text)
    assert to_text(rule) == text
    assert from_json(to_json(rule)) == rule
    assert EventCount("purchase", ">=", 2, 0, 30, category="running_shoes") in rule.items
    assert InSegment("Weekend runners") in rule.items


def test_a_quote_inside_a_value_is_doubled_and_survives():
    rule = parse("home_city = 'O''Fallon'")
    assert rule.items == (OneOf("home_city", ("O'Fallon",)),)
    assert parse(to_text(rule)) == rule


def test_not_equal_on_a_category_is_none_of_the_value():
    assert parse("home_city != 'Chicago'") == Group("none", (OneOf("home_city", ("Chicago",)),))
    assert parse("home_city NOT IN ('A', 'B')") == Group("none", (OneOf("home_city", ("A", "B")),))


def test_the_empty_rule_is_everyone():
    assert parse("") == EVERYONE
    assert parse("   ") == EVERYONE
    assert to_text(EVERYONE) == ""


def test_empty_groups_from_the_builder_add_no_condition():
    rule = Group("all", (Group("any", ()), Flag("a"), Group("none", ()), Group("all", (Flag("b"),))))
    assert root(rule) == Group("all", (Flag("a"), Flag("b")))


@pytest.mark.parametrize("text, message", [
    ("a AND", "expected a gene name"),
    ("clv_12m >=", "expected a number after clv_12m >="),
    ("home_city = 'Chicago", "no closing quote"),
    ("a b", "unexpected 'b' at position 3"),
    ("(a OR b", "expected ')'"),
    ("x BETWEEN 5 AND 1", "low end is above the high end"),
    ("x IN TOP 0%", "above 0 and at most 100"),
    ("COUNT(purchase) > 1", "needs a window"),
    ("COUNT(purchase, colour = 'red', LAST 3 DAYS) > 1", "cannot filter on 'colour'"),
    ("a ; DROP TABLE events", "unexpected character ';' at position 3"),
    ("home_city > 'A'", "compare only with = or !="),
])
def test_mistakes_are_named_with_the_token_and_where_it_is(text, message):
    with pytest.raises(RuleError, match=re.escape(message)):
        parse(text)


@pytest.mark.parametrize("data, message", [
    ({"all": "a"}, "one key"),
    ({"gene": "x", "op": "~", "value": 1}, "not one of"),
    ({"gene": "x", "op": ">", "value": "1"}, "not a number"),
    ({"gene": "x", "between": [3]}, "low, high"),
    ({"events": {"type": "purchase", "days": [30, 0]}, "op": ">", "value": 1}, "nearer day"),
    ({"gene": "x", "colour": "red"}, "unknown condition keys"),
    (["x"], "must be an object"),
])
def test_bad_json_is_refused_with_the_part_named(data, message):
    with pytest.raises(RuleError, match=re.escape(message)):
        from_json(data)


# --- properties -------------------------------------------------------------------------------------------------

names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda n: n.upper() not in {"AND", "OR", "NOT", "BETWEEN", "IN", "TOP", "COUNT", "LAST", "DAYS", "DAY", "TO",
                                "AGO", "SEGMENT"})
numbers = st.one_of(st.integers(-10**9, 10**9), st.floats(-1e9, 1e9, allow_nan=False).map(lambda f: round(f, 3)))
texts = st.text(min_size=1, max_size=12)
ops = st.sampled_from([">=", "<=", "!=", ">", "<", "="])
conditions = st.one_of(
    names.map(Flag),
    st.builds(Compare, names, ops, numbers),
    st.builds(lambda g, a, b: Between(g, min(a, b), max(a, b)), names, numbers, numbers),
    st.builds(TopPercent, names, st.integers(1, 100)),
    st.builds(OneOf, names, st.lists(texts, min_size=1, max_size=3).map(tuple)),
    st.builds(lambda t, op, n, a, b, c: EventCount(t, op, n, min(a, b), max(a, b), category=c),
              names, ops, st.integers(0, 50), st.integers(0, 400), st.integers(0, 400), st.none() | texts),
    texts.map(InSegment),
)
trees = st.recursive(conditions, lambda kids: st.builds(
    Group, st.sampled_from(["all", "any", "none"]), st.lists(kids, min_size=0, max_size=4).map(tuple)),
    max_leaves=12)


def _canonical(node):
    # what the rule means is the same after normalising; numbers compare by value
    return to_json(root(node))


@settings(max_examples=300, deadline=None)
@given(trees)
def test_any_rule_round_trips_through_its_text_form(tree):
    text = to_text(tree)
    again = parse(text)
    assert to_json(again) == _canonical(tree)
    assert to_text(again) == text


@settings(max_examples=300, deadline=None)
@given(trees)
def test_any_rule_round_trips_through_its_json_form(tree):
    assert from_json(to_json(tree)) == tree


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_either_parses_or_fails_with_a_rule_error(text):
    try:
        rule = parse(text)
    except RuleError:
        return
    assert to_text(parse(to_text(rule))) == to_text(rule)
