import pytest
from helpers import event, write_csv

from genome.errors import NotBuilt
from genome.genes.build import build_genome, catalog
from genome.genes.definition import Gene, GeneDefinitionError, case_filters, sql_literal
from genome.ingest import ingest_files
from store.duck import connect


def test_customer_genes_has_one_row_per_customer(demo):
    rows, distinct, nulls = demo.execute(
        "SELECT count(*), count(DISTINCT customer_id), count(*) - count(customer_id) FROM customer_genes"
    ).fetchone()
    customers = demo.execute("SELECT count(*) FROM customers").fetchone()[0]
    missing = demo.execute(
        "SELECT count(*) FROM customers c ANTI JOIN customer_genes g USING (customer_id)"
    ).fetchone()[0]
    assert (rows, distinct, nulls, missing) == (customers, customers, 0, 0)


def test_every_catalog_gene_is_a_column_with_its_declared_type(demo):
    genes = demo.execute("SELECT name, type FROM gene_catalog").fetchall()
    columns = dict(demo.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'customer_genes'"
    ).fetchall())
    for name, type_ in genes:
        assert name in columns, name
        if type_ == "flag":
            assert columns[name] == "BOOLEAN", name
        elif type_ == "category":
            assert columns[name] == "VARCHAR", name


def test_flags_are_never_null(demo):
    flags = [r[0] for r in demo.execute("SELECT name FROM gene_catalog WHERE type = 'flag'").fetchall()]
    nulls = demo.execute(
        "SELECT " + ", ".join(f'count(*) - count("{f}")' for f in flags) + " FROM customer_genes"
    ).fetchone()
    assert set(nulls) == {0}


def test_coverage_is_the_share_of_customers_carrying_the_gene(demo):
    coverage, carriers = demo.execute(
        "SELECT coverage, carriers FROM gene_catalog WHERE name = 'bought_running_shoes'").fetchone()
    actual, total = demo.execute("SELECT count_if(bought_running_shoes), count(*) FROM customer_genes").fetchone()
    assert carriers == actual and coverage == pytest.approx(actual / total)


def test_purchase_counts_match_the_events(demo):
    expected = dict(demo.execute("""
        SELECT customer_id, count(*) FROM customer_events
        WHERE event_type = 'purchase' AND category = 'running_shoes'
          AND occurred_at >= (SELECT max(occurred_at) FROM events) - INTERVAL 365 DAY
        GROUP BY 1""").fetchall())
    genes = dict(demo.execute(
        "SELECT customer_id, running_shoes_purchases_365d FROM customer_genes WHERE running_shoes_purchases_365d > 0"
    ).fetchall())
    assert genes == {k: v for k, v in expected.items() if v > 0}


def test_sensitive_genes_are_marked(demo):
    marked = dict(demo.execute(
        "SELECT name, sensitivity FROM gene_catalog WHERE sensitivity IS NOT NULL").fetchall())
    assert marked["bought_diapers"] == "children" and marked["bought_baby_food_organic"] == "children"
    assert "bought_luggage" not in marked


def test_a_failed_build_leaves_the_previous_genome_in_place(tmp_path, monkeypatch):
    con = connect(tmp_path / "g.duckdb")
    ingest_files(con, [write_csv(tmp_path / "f.csv", [event(event_type="purchase", amount="10")])])
    build_genome(con)
    before = con.execute("SELECT * FROM customer_genes").fetchall()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("genome.genes.build.lifetime_values", broken)
    ingest_files(con, [write_csv(tmp_path / "g.csv", [event(customer_ref="CR-2")])])
    with pytest.raises(RuntimeError):
        build_genome(con)
    assert con.execute("SELECT * FROM customer_genes").fetchall() == before
    con.close()


def test_values_found_in_the_data_are_quoted_in_gene_definitions(tmp_path):
    con = connect(tmp_path / "g.duckdb")
    rows = [event(event_id=str(i), event_type="purchase", category="kid's toys", amount="5") for i in range(25)]
    header = ["event_id", "occurred_at", "channel", "event_type", "customer_ref", "category", "amount"]
    ingest_files(con, [write_csv(tmp_path / "f.csv", rows, header=header)])
    build_genome(con)
    assert con.execute("SELECT bought_kid_s_toys FROM customer_genes").fetchone() == (True,)
    assert sql_literal("kid's toys") == "'kid''s toys'"
    con.close()


def test_building_without_events_is_a_clear_error(tmp_path):
    con = connect(tmp_path / "g.duckdb")
    with pytest.raises(NotBuilt, match="no purchases, visits or other activity"):
        build_genome(con)


def test_gene_definitions_are_checked():
    with pytest.raises(GeneDefinitionError, match="snake_case"):
        Gene("Bad Name", "f", "d", "flag", "true")
    with pytest.raises(GeneDefinitionError, match="type 'bool'"):
        Gene("ok", "f", "d", "bool", "true")
    with pytest.raises(GeneDefinitionError, match="description is empty"):
        Gene("ok", "f", " ", "flag", "true")


def test_filtered_aggregates_are_rewritten_as_equivalent_case_expressions(store):
    expression = "count(*) FILTER (WHERE x > 1) + sum(x) FILTER (WHERE x IN (1, 2))"
    rewritten = case_filters(expression)
    assert "FILTER" not in rewritten
    values = "(VALUES (1), (2), (3)) t(x)"
    assert store.execute(f"SELECT {expression} FROM {values}").fetchone() == \
        store.execute(f"SELECT {rewritten} FROM {values}").fetchone() == (5,)


def test_the_catalog_has_no_duplicate_names(demo):
    genes = catalog(demo).genes
    assert len({g.name for g in genes}) == len(genes)
