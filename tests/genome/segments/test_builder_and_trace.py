"""The builder's containers make the rule the marketer means; traces and near misses explain the audience."""

import re

import numpy as np
import pytest

from genome.segments.builder import ANY, EXCLUDE, MUST, Builder, NotBuildable, default_condition, from_rule, palette
from genome.segments.index import GenomeIndex
from genome.segments.rules import Compare, Flag, OneOf, RuleError
from genome.segments.text import parse, to_text
from genome.segments.trace import near_misses, trace


@pytest.fixture(scope="module")
def index(demo_db):
    from store.duck import connect

    con = connect(demo_db, read_only=True)
    yield GenomeIndex(con)
    con.close()


def test_containers_become_all_any_and_none():
    builder = Builder()
    builder.add(MUST, Flag("weekend_runner"))
    builder.add(MUST, Compare("clv_12m", ">=", 200))
    builder.add(ANY, Flag("parent"))
    builder.add(ANY, Flag("traveller"))
    builder.add(EXCLUDE, Flag("lapsed_90d"))
    assert to_text(builder.rule()) == \
        "weekend_runner AND clv_12m >= 200 AND (parent OR traveller) AND NOT lapsed_90d"


def test_the_palette_groups_genes_by_family_with_the_best_match_first():
    ranked = [("runner", "personas"), ("weekend_runner", "combinations"), ("running_shoes_affinity", "category"),
              ("trail_runner", "personas"), ("bought_running_shoes", "category"), ("night_owl", "habits")]
    offered = palette(ranked, placed={"trail_runner"}, size=4)
    assert offered == [("personas", ["runner"]), ("combinations", ["weekend_runner"]),
                       ("category", ["running_shoes_affinity", "bought_running_shoes"])]
    assert palette(ranked, placed=set(), size=0) == []


def test_a_group_nests_one_level_deeper():
    builder = Builder()
    builder.add(MUST, Flag("runner"))
    group = builder.add_group("none")
    builder.add(group, Flag("lapsed_90d"))
    builder.add(group, Flag("one_time_buyer"))
    assert to_text(builder.rule()) == "runner AND NOT (lapsed_90d OR one_time_buyer)"
    builder.remove_group(group)
    assert to_text(builder.rule()) == "runner"


def test_the_same_gene_twice_gets_its_own_label():
    builder = Builder()
    first = builder.add(MUST, Compare("clv_12m", ">=", 100))
    second = builder.add(EXCLUDE, Compare("clv_12m", ">=", 1000))
    assert (first, second) == ("clv_12m", "clv_12m #2")
    assert to_text(builder.rule()) == "clv_12m >= 100 AND NOT clv_12m >= 1000"


def test_a_drag_result_is_adopted_and_new_genes_are_reported():
    builder = Builder()
    builder.add(MUST, Flag("runner"))
    arrived = builder.arrange({"Genes": ["x"], MUST: ["runner", "parent"], ANY: [], EXCLUDE: []},
                              known={"parent", "runner", "x"})
    assert arrived == ["parent"]
    builder.set_condition("parent", Flag("parent"))  # the page configures what arrived
    assert to_text(builder.rule()) == "runner AND parent"
    builder.arrange({MUST: ["parent"], ANY: [], EXCLUDE: []}, known={"parent", "runner"})
    assert to_text(builder.rule()) == "parent"  # runner was dragged back to the palette


def test_text_loads_back_into_containers_when_it_fits():
    text = "runner AND clv_12m >= 200 AND (parent OR traveller) AND NOT lapsed_90d AND (a OR b)"
    builder = from_rule(parse(text))
    assert builder.containers[MUST] == ["runner", "clv_12m"]
    assert builder.containers[ANY] == ["parent", "traveller"]
    assert builder.containers[EXCLUDE] == ["lapsed_90d"]
    assert to_text(builder.rule()) == "runner AND clv_12m >= 200 AND (parent OR traveller) AND NOT lapsed_90d AND (a OR b)"
    with pytest.raises(NotBuildable, match="edit it as text"):
        from_rule(parse("a AND (b OR (c AND d))"))


def test_a_dropped_gene_starts_with_a_sensible_condition(index):
    assert default_condition("runner", "flag", None) == Flag("runner")
    purchases = default_condition("purchases_90d", "number", index.column("purchases_90d"))
    assert isinstance(purchases, Compare) and purchases.value >= 1  # not ">= 0", which is everyone
    city = default_condition("home_city", "category", index.column("home_city"))
    assert isinstance(city, OneOf) and len(city.values) == 1


def test_a_gene_of_small_values_gets_a_threshold_that_selects_about_half_its_carriers():
    risks = np.r_[np.linspace(0.001, 0.009, 900), [0.2, 0.5, np.nan]]  # churn risks: nearly all tiny
    condition = default_condition("churn_risk_90d", "number", risks)
    assert condition.op == ">=" and 0 < condition.value < 0.01
    assert 0.4 < np.mean(risks[~np.isnan(risks)] >= condition.value) < 0.6


def test_a_trace_shows_each_condition_with_the_customers_value(index):
    rule = parse("repeat_buyer AND clv_12m >= 100 AND NOT lapsed_90d")
    member = index.customer_ids[index.mask(rule)][0]
    steps = trace(index, rule, member)
    assert steps[0].text == "all of" and steps[0].passed
    assert [s.text for s in steps[1:]] == ["repeat_buyer", "clv_12m >= 100", "none of", "lapsed_90d"]
    # a value in dollars reads as money, to the cent
    assert steps[1].value == "yes" and re.fullmatch(r"\$[\d,]+\.\d\d", steps[2].value)
    assert float(steps[2].value.lstrip("$").replace(",", "")) >= 100
    outsider = index.customer_ids[~index.mask(rule)][0]
    assert not trace(index, rule, outsider)[0].passed
    with pytest.raises(RuleError, match="no customer 'nobody'"):
        trace(index, rule, "nobody")


def test_near_misses_fail_exactly_one_condition(index):
    rule = parse("repeat_buyer AND clv_12m >= 100 AND NOT lapsed_90d")
    misses = {m.condition: m.customers for m in near_misses(index, rule)}
    assert set(misses) == {"repeat_buyer", "clv_12m >= 100", "NOT lapsed_90d"}
    relaxed = int(index.mask(parse("repeat_buyer AND NOT lapsed_90d")).sum())
    assert misses["clv_12m >= 100"] == relaxed - int(index.mask(rule).sum())
    assert near_misses(index, parse("bargain_hunter")) == []  # one condition: nothing to relax


def test_rule_examples_read_only_the_stores_own_genes_and_its_commonest_favourite_category(index):
    from genome.segments.builder import FAVOURITE, rule_examples
    from genome.segments.text import parse

    examples = rule_examples(index.base.genes, index.column(FAVOURITE))
    assert examples and all(parse(e) for e in examples)  # each one parses as a rule
    favourite = index.column(FAVOURITE)
    commonest = favourite.values[np.bincount(favourite.codes[favourite.codes >= 0]).argmax()]
    assert examples[-1] == f"COUNT(purchase, category = '{commonest}', LAST 30 DAYS) >= 2"
    # a store without those genes gets no example that would be refused
    assert rule_examples({"clv_12m": "number"}) == []
    # a category whose name holds markup is not made an example (help text is read as Markdown)
    hostile = type(favourite)(np.array([0, 0, 1], dtype=np.int32), np.array(["![x](http://h/b.png)", "TEA"], object))
    assert rule_examples({}, hostile) == []
    plain_name = type(favourite)(np.array([0], dtype=np.int32), np.array(["KIDS' SNACKS & JUICE"], object))
    assert rule_examples({}, plain_name) == ["COUNT(purchase, category = 'KIDS'' SNACKS & JUICE', LAST 30 DAYS) >= 2"]
