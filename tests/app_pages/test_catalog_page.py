"""The gene catalog page: find a gene, open it, read its distribution and what it is worth, as the CLI says."""

import json
import re

import pytest
from helpers import plotly_array
from typer.testing import CliRunner

from genome.cli import app as cli
from genome.genes.labels import family_label
from store.duck import connect


@pytest.fixture
def catalog_page(page_at, demo_db):
    return page_at("catalog.py", demo_db)


def total_genes(demo_db):
    con = connect(demo_db, read_only=True)
    n = con.execute("SELECT count(*) FROM gene_catalog WHERE published").fetchone()[0]
    con.close()
    return n


def plain(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def said_by_cli(demo_db, name: str) -> dict:
    result = CliRunner().invoke(cli, ["gene", name, "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_catalog_lists_every_gene_with_its_label_and_opens_the_first(catalog_page, demo_db):
    at = catalog_page.run()
    assert not at.exception
    n = total_genes(demo_db)
    assert at.caption[0].value.startswith(f"{n:,} of {n:,} genes")
    table = at.dataframe[0].value
    assert list(table.columns[:2]) == ["label", "name"]
    opened = at.selectbox(key="catalog_open_gene").value
    assert plain(at.caption[1].value).startswith(f"Technical name: {opened} · ")


def test_an_opened_gene_says_its_type_and_unit_as_the_cli_gives_them(catalog_page, demo_db):
    at = catalog_page.run()
    at.selectbox(key="catalog_open_gene").set_value("clv_12m").run()
    gene = said_by_cli(demo_db, "clv_12m")
    assert gene["unit"]
    assert plain(at.caption[1].value) == (f"Technical name: clv_12m · {gene['type']} in {gene['unit']} · family: "
                                          f"{family_label(gene['family'])}")


def test_searching_narrows_the_catalog_to_matching_genes(catalog_page):
    at = catalog_page.run()
    at.text_input(key="catalog_search").input("weekend").run()
    options = at.selectbox(key="catalog_open_gene").options
    assert any("weekend_shopper" in o for o in options) and any("bargain_hunter_weekend_shopper" in o for o in options)
    assert not any("bought_luggage" in o for o in options)


def test_searching_an_exact_name_or_label_opens_that_gene(catalog_page):
    at = catalog_page.run()
    at.text_input(key="catalog_search").input("bargain_hunter_weekend_shopper").run()
    assert at.selectbox(key="catalog_open_gene").value == "bargain_hunter_weekend_shopper"
    assert plain(at.subheader[0].value) == "Bargain hunter who shops at weekends"
    at.text_input(key="catalog_search").input("Expected 12-month value").run()
    assert at.selectbox(key="catalog_open_gene").value == "clv_12m"


@pytest.mark.parametrize("name", ["weekend_shopper", "spend_total", "purchases_90d", "home_city", "p_alive"])
def test_an_opened_gene_shows_what_the_cli_says(catalog_page, demo_db, name):
    at = catalog_page.run()
    at.selectbox(key="catalog_open_gene").set_value(name).run()
    assert not at.exception
    said = said_by_cli(demo_db, name)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Coverage"] == f"{said['coverage']:.1%}"
    assert metrics["Customers carrying it"] == f"{said['carriers']:,}"
    distribution, value = (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
    bars = distribution["data"][0]
    assert plotly_array(bars["y"]) == [row["customers"] for row in said["distribution"]]
    assert plotly_array(bars["x"]) == [row["label"] for row in said["distribution"]]
    assert any(plain(m.value) == said["value_comparison"]["sentence"] for m in at.markdown)
    means = [round(v, 2) for v in plotly_array(value["data"][0]["x"])]
    assert means == [g["mean_value"] for g in said["value_comparison"]["groups"]]


def test_numeric_genes_use_growing_bins_and_compare_quarters_not_carriers(demo_db):
    said = said_by_cli(demo_db, "spend_total")
    labels = [row["label"] for row in said["distribution"]]
    assert labels[0] == "$0" and "$100–$200" in labels and "$1.0k–$2.0k" in labels
    biggest = max(said["distribution"], key=lambda r: r["customers"])
    assert biggest["customers"] < 0.5 * sum(r["customers"] for r in said["distribution"])
    groups = said["value_comparison"]["groups"]
    assert [g["group"] for g in groups] == ["top quarter", "bottom quarter"]
    assert abs(groups[0]["customers"] - groups[1]["customers"]) <= 1
    ratio = groups[0]["mean_value"] / groups[1]["mean_value"]
    assert 1 < ratio < 1000 and f"({ratio:.1f}×)" in said["value_comparison"]["sentence"]


def test_sensitive_genes_are_labelled(catalog_page):
    at = catalog_page.run()
    at.radio(key="catalog_sensitivity").set_value("Only sensitive").run()
    at.selectbox(key="catalog_open_gene").set_value("bought_diapers").run()
    assert "Sensitive gene (children)" in at.warning[0].value


def test_a_search_without_matches_says_so(catalog_page):
    at = catalog_page.run()
    at.text_input(key="catalog_search").input("zzz-no-such-gene").run()
    assert not at.exception
    assert at.info[0].value.startswith("No gene matches these filters")


def test_a_row_picked_before_a_new_search_never_opens_a_gene_of_the_new_list(catalog_page):
    at = catalog_page.run()
    at.text_input(key="catalog_search").input("weekend").run()
    table = next(k for k in at.session_state.keys() if str(k).startswith("catalog_table::"))
    at.session_state[table] = {"selection": {"rows": [5], "columns": [], "cells": []}}
    at.run()
    picked = at.selectbox(key="catalog_open_gene").value
    at.text_input(key="catalog_search").input("spend_total").run()
    assert not at.exception
    assert at.selectbox(key="catalog_open_gene").value == "spend_total"
    at.text_input(key="catalog_search").input("coupon").run()
    assert not at.exception
    assert at.selectbox(key="catalog_open_gene").value != picked


def test_clicking_any_cell_of_a_row_opens_its_gene(catalog_page):
    at = catalog_page.run()
    at.text_input(key="catalog_search").input("weekend").run()
    table = next(k for k in at.session_state.keys() if str(k).startswith("catalog_table::"))
    names = at.selectbox(key="catalog_open_gene").options
    at.session_state[table] = {"selection": {"rows": [], "columns": [], "cells": [(2, "label")]}}
    at.run()
    assert at.selectbox(key="catalog_open_gene").value in names[2]
