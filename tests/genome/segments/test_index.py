"""The in-memory index answers exactly what SQL answers, for every kind of condition."""

import numpy as np
import pandas as pd
import pytest

from genome.segments.audience import count, member_ids
from genome.segments.index import GenomeIndex
from genome.segments.preview import lift, preview, reach_masks, sample
from genome.segments.rules import RuleError
from genome.segments.text import parse


@pytest.fixture(scope="module")
def index(demo_db):
    from store.duck import connect

    con = connect(demo_db, read_only=True)
    yield GenomeIndex(con)
    con.close()


RULES = [
    "",
    "repeat_buyer",
    "NOT repeat_buyer",
    "repeat_buyer AND clv_12m >= 100",
    "repeat_buyer OR clv_12m >= 100",
    "clv_12m IN TOP 10%",
    "clv_12m IN TOP 33.3% AND NOT active_30d",
    "days_since_last_purchase BETWEEN 10 AND 200",
    "days_since_last_purchase != 30",
    "NOT days_since_last_purchase < 30",
    "home_city IN ('Chicago', 'Boston') OR home_city = 'Seattle'",
    "home_city != 'Chicago'",
    "COUNT(purchase, LAST 30 DAYS) >= 1",
    "COUNT(view, channel = 'web', 30 TO 120 DAYS AGO) >= 3 AND NOT (lapsed_90d OR one_time_buyer)",
]


@pytest.mark.parametrize("text", RULES)
def test_the_index_counts_what_sql_counts(demo, index, text):
    rule = parse(text)
    assert int(index.mask(rule).sum()) == count(demo, rule).count


def test_the_index_selects_the_same_customers_as_sql(demo, index):
    rule = parse("repeat_buyer AND clv_12m IN TOP 20%")
    chosen = set(index.customer_ids[index.mask(rule)])
    assert chosen == set(member_ids(demo, rule).column("customer_id").to_pylist())


def test_membership_of_a_saved_segment_is_read_from_its_members(demo, index):
    stored = member_ids(demo, parse("repeat_buyer"))
    members = {"Repeat buyers": stored}.get
    rule = parse("IN SEGMENT 'Repeat buyers' AND clv_12m >= 50")
    assert int(index.mask(rule, members=members).sum()) == count(demo, rule, members=members).count


def test_an_unknown_gene_is_named(index):
    with pytest.raises(RuleError, match="unknown gene 'clv_12n'"):
        index.mask(parse("clv_12n > 3"))


@pytest.mark.parametrize("text", ["repeat_buyer", "NOT repeat_buyer"])  # most of the base, and the few
def test_the_preview_adds_up(index, text):
    mask = index.mask(parse(text))
    shown = preview(index, mask)
    assert shown.count == int(mask.sum()) and shown.total == index.size
    assert shown.histogram.tolist() == np.bincount(index.value_codes[mask], minlength=len(shown.edges) - 1).tolist()
    assert shown.base_histogram.sum() == index.size
    values = index.value[mask]
    assert shown.value_total == pytest.approx(float(values.sum()))
    assert shown.value_mean == pytest.approx(float(values.mean()))
    half_width = 1.96 * values.std(ddof=1) * np.sqrt(len(values))
    assert shown.value_high - shown.value_total == pytest.approx(half_width, rel=1e-6)


def test_reach_counts_only_customers_with_marketing_consent(demo, index):
    mask = np.ones(index.size, dtype=bool)
    shown = preview(index, mask)
    consenting = demo.execute("SELECT count(*) FROM customer_genes WHERE consent_marketing").fetchone()[0]
    assert 0 < shown.reachable["e-mail"] <= consenting
    assert shown.reachable["ad platforms"] >= max(shown.reachable["e-mail"], shown.reachable["SMS"])
    with_email = demo.execute("""
        SELECT count(DISTINCT g.customer_id) FROM customer_genes g JOIN identifiers i USING (customer_id)
        WHERE g.consent_marketing AND i.kind = 'email'""").fetchone()[0]
    assert shown.reachable["e-mail"] == with_email
    assert set(reach_masks(index)) == {"e-mail", "SMS", "app push", "ad platforms"}


def test_an_empty_audience_has_a_zero_preview_and_no_lift(index):
    mask = index.mask(parse("clv_12m < -1"))
    shown = preview(index, mask)
    assert shown.count == 0 and shown.value_total == 0 and shown.histogram.sum() == 0
    assert lift(index, mask) == []
    assert sample(index, mask) == []


def test_lift_ranks_the_genes_that_define_the_audience_first(index):
    mask = index.mask(parse("bargain_hunter"))
    table = pd.DataFrame(lift(index, mask))
    assert table.iloc[0]["lift"] >= table.iloc[-1]["lift"]
    assert "bargain_hunter" in set(table["gene"])
    row = table.set_index("gene").loc["bargain_hunter"]
    assert row["audience_share"] == 1.0


def test_lift_shares_are_the_exact_shares_sql_counts(demo, index):
    hunters = count(demo, parse("bargain_hunter")).count
    table = pd.DataFrame(lift(index, index.mask(parse("bargain_hunter"))))
    assert len(table) > 3
    for gene, inside, base in table[["gene", "audience_share", "base_share"]].itertuples(index=False):
        assert inside == count(demo, parse(f"bargain_hunter AND {gene}")).count / hunters
        assert base == count(demo, parse(gene)).count / index.size


def test_a_sample_is_members_only_and_stable(index):
    mask = index.mask(parse("repeat_buyer"))
    chosen = sample(index, mask)
    assert len(chosen) == 10 and chosen == sample(index, mask)
    member = set(index.customer_ids[mask])
    assert set(chosen) <= member


def test_the_value_intervals_are_the_normal_interval_of_the_members_values(demo, index):
    rule = parse("repeat_buyer")
    shown = preview(index, index.mask(rule))
    values = np.array([v for (v,) in demo.execute(
        "SELECT coalesce(clv_12m, 0) FROM customer_genes WHERE repeat_buyer").fetchall()])
    half = 1.96 * values.std(ddof=1) / np.sqrt(len(values))
    low, high = shown.mean_interval
    assert low == pytest.approx(values.mean() - half) and high == pytest.approx(values.mean() + half)
    assert shown.value_low == pytest.approx(len(values) * low) and low < shown.value_mean < high
