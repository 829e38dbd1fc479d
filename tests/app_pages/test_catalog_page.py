import pytest

from store.duck import connect


@pytest.fixture
def catalog_page(page_at, demo_db):
    return page_at("catalog.py", demo_db)


def total_genes(demo_db):
    con = connect(demo_db, read_only=True)
    n = con.execute("SELECT count(*) FROM gene_catalog").fetchone()[0]
    con.close()
    return n


def test_the_catalog_lists_every_gene_and_opens_the_first(catalog_page, demo_db):
    at = catalog_page.run()
    assert not at.exception
    n = total_genes(demo_db)
    assert at.caption[0].value.startswith(f"{n:,} of {n:,} genes")
    assert at.selectbox(key="catalog_open_gene").value == at.subheader[0].value.strip("`")


def test_searching_narrows_the_catalog_to_matching_genes(catalog_page):
    at = catalog_page.run()
    at.text_input(key="catalog_search").input("weekend").run()
    options = at.selectbox(key="catalog_open_gene").options
    assert "weekend_shopper" in options and "weekend_runner" in options
    assert "bought_luggage" not in options


def test_opening_a_gene_shows_coverage_distribution_and_value(catalog_page, demo_db):
    at = catalog_page.run()
    at.selectbox(key="catalog_open_gene").set_value("weekend_shopper").run()
    con = connect(demo_db, read_only=True)
    coverage = con.execute("SELECT coverage FROM gene_catalog WHERE name = 'weekend_shopper'").fetchone()[0]
    con.close()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Coverage"] == f"{coverage:.1%}"
    assert len(at.get("plotly_chart")) == 2
    assert "expected 12-month value of non-carriers" in at.caption[-1].value


def test_sensitive_genes_are_labelled(catalog_page):
    at = catalog_page.run()
    at.radio(key="catalog_sensitivity").set_value("Only sensitive").run()
    at.selectbox(key="catalog_open_gene").set_value("parent").run()
    assert "Sensitive gene (children)" in at.warning[0].value


def test_a_search_without_matches_says_so(catalog_page):
    at = catalog_page.run()
    at.text_input(key="catalog_search").input("zzz-no-such-gene").run()
    assert not at.exception
    assert at.caption[0].value == "No gene matches these filters."
