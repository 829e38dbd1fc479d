"""The genome built on Spark (`genome build --engine spark`) is the genome DuckDB builds, gene for gene, and the
app reads it from the same store."""

import shutil

import pytest
from helpers import genome_rows, paced_store
from typer.testing import CliRunner

from genome.cli import app
from store.duck import connect

runner = CliRunner()
# the message names a long temporary path, which the error box of a narrow terminal would break across lines
WIDE = {"COLUMNS": "400"}
CATALOG = "SELECT name, carriers, coverage, published, hidden_reason, aliases FROM gene_catalog ORDER BY name"


@pytest.fixture(scope="module")
def spark_build(demo_db, spark, tmp_path_factory):
    """A copy of the small demo store rebuilt on Spark local[2] from the command line, beside the DuckDB build."""
    copy = tmp_path_factory.mktemp("spark_build") / "demo.duckdb"
    shutil.copy(demo_db, copy)
    result = runner.invoke(app, ["build", "--engine", "spark", "--db", str(copy)])
    con = connect(copy, read_only=True)
    built = genome_rows(con), con.execute(CATALOG).fetchall()
    con.close()
    con = connect(demo_db, read_only=True)
    whole = genome_rows(con), con.execute(CATALOG).fetchall()
    con.close()
    return result, whole, built


def test_the_command_line_builds_on_spark_and_says_so(spark_build):
    result, _, _ = spark_build
    assert result.exit_code == 0, result.output
    assert "on Spark" in result.output


def test_every_gene_of_every_customer_equals_the_duckdb_build(spark_build):
    _, ((columns, rows), _), ((spark_columns, spark_rows), _) = spark_build
    assert spark_columns == columns
    assert len(spark_rows) == len(rows) > 1000
    differing = {}
    for whole, built in zip(rows, spark_rows):
        for i, (a, b) in enumerate(zip(whole, built)):
            exact = a == b and type(a) is type(b) or (isinstance(a, int) and isinstance(b, int) and a == b)
            close = isinstance(a, float) and isinstance(b, float) and b == pytest.approx(a, rel=1e-9)
            if not (exact or close):
                differing.setdefault(columns[i], (whole[0], a, b))
    assert differing == {}


def test_the_catalog_coverage_and_what_is_left_out_are_the_same(spark_build):
    _, (_, catalog), (_, spark_catalog) = spark_build
    assert spark_catalog == catalog


def test_where_the_rules_beat_the_lifetime_value_models_spark_publishes_the_same_rules(spark, tmp_path):
    whole = paced_store(tmp_path, steady=False)  # customers who change pace: the rules win
    copy = tmp_path / "spark.duckdb"
    shutil.copy(whole, copy)
    result = runner.invoke(app, ["build", "--engine", "spark", "--db", str(copy)])
    assert result.exit_code == 0, result.output
    lifetime = ("SELECT customer_id, clv_12m, p_alive, expected_purchases_90d, clv_fallback, value_decile, clv_tier "
                "FROM customer_genes ORDER BY customer_id")
    choice = "SELECT value FROM store_settings WHERE key = 'lifetime_published'"
    built, expected = connect(copy, read_only=True), connect(whole, read_only=True)
    assert '"published": "rule"' in expected.execute(choice).fetchone()[0]
    assert built.execute(choice).fetchone() == expected.execute(choice).fetchone()
    assert built.execute(lifetime).fetchall() == expected.execute(lifetime).fetchall()
    built.close()
    expected.close()


def test_an_unknown_engine_is_refused_by_name(tmp_path):
    result = runner.invoke(app, ["build", "--engine", "oracle", "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code != 0
    assert "unknown engine 'oracle'" in result.output


def test_partitions_belong_to_the_duckdb_engine(tmp_path):
    result = runner.invoke(app, ["build", "--engine", "spark", "--partitions", "2", "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code != 0
    assert "--partitions is for the DuckDB engine" in result.output


def test_a_missing_work_folder_is_named_before_anything_is_built(tmp_path):
    result = runner.invoke(app, ["build", "--engine", "spark", "--workdir", str(tmp_path / "nowhere"),
                                 "--db", str(tmp_path / "s.duckdb")], env=WIDE)
    assert result.exit_code != 0
    assert "the work folder" in result.output and "nowhere" in result.output
    assert not (tmp_path / "s.duckdb").exists()
