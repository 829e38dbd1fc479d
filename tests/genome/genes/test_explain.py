import pytest

from genome.errors import UnknownCustomer, UnknownGene
from genome.genes.explain import explain


def some_customer(con, condition):
    return con.execute(f"SELECT customer_id FROM customer_genes WHERE {condition} LIMIT 1").fetchone()[0]


def test_a_count_gene_is_explained_by_the_events_behind_it(demo):
    customer = some_customer(demo, "running_shoes_purchases_365d >= 2")
    value = demo.execute("SELECT running_shoes_purchases_365d FROM customer_genes WHERE customer_id = ?",
                         [customer]).fetchone()[0]
    explanation = explain(demo, customer, "running_shoes_purchases_365d")
    assert explanation.value == value
    assert len(explanation.evidence) == value
    assert f"{value} running_shoes purchases" in explanation.sentence
    assert "latest on" in explanation.sentence


def test_weekend_evidence_is_counted(demo):
    customer = some_customer(demo, "weekend_shopper")
    explanation = explain(demo, customer, "weekend_shopper")
    weekend = int(explanation.evidence["weekend"].sum())
    assert weekend == len(explanation.evidence) > 0
    assert f"{weekend} of them at weekends" in explanation.sentence


def test_a_derived_gene_is_explained_through_the_genes_it_combines(demo):
    customer = some_customer(demo, "bargain_hunter_weekend_shopper")
    explanation = explain(demo, customer, "bargain_hunter_weekend_shopper")
    assert [p.gene for p in explanation.parts] == ["bargain_hunter", "weekend_shopper"]
    assert "bargain_hunter = yes" in explanation.sentence
    assert explanation.parts[0].parts  # bargain_hunter itself explains through its discount share


def test_money_and_shares_read_as_money_and_percentages(demo):
    customer = some_customer(demo, "spend_total > 0")
    assert "$" in explain(demo, customer, "spend_total").sentence
    assert "%" in explain(demo, customer, "weekend_purchase_share").sentence or \
        "unknown" in explain(demo, customer, "weekend_purchase_share").sentence


def test_unknown_gene_and_customer_are_named(demo):
    customer = some_customer(demo, "true")
    with pytest.raises(UnknownGene, match="'no_such_gene'"):
        explain(demo, customer, "no_such_gene")
    with pytest.raises(UnknownCustomer, match="'C000'"):
        explain(demo, "C000", "bargain_hunter")
