"""A rule selects the same customers on Spark as in DuckDB, every kind of condition included."""

import json

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from genome.cli import app
from genome.segments.audience import member_ids
from genome.segments.on_engine import count_on, member_ids_on
from genome.segments.text import parse
from store.duck import connect
from store.spark import SparkEngine

runner = CliRunner()
RULES = [
    "weekend_shopper AND clv_12m >= 200",
    "clv_12m IN TOP 10%",
    "home_city IN ('Austin', 'Denver') OR NOT email_engaged",
    "days_since_last_purchase BETWEEN 10 AND 200 AND NOT (uses_app OR purchases_90d < 2)",
    "COUNT(purchase, LAST 90 DAYS) >= 2",
    "COUNT(view, category = 'books', 10 TO 365 DAYS AGO) >= 1 AND IN SEGMENT 'first hundred'",
]


@pytest.fixture(scope="module")
def store(demo_db, spark):
    con = connect(demo_db, read_only=True)
    first = con.sql("SELECT customer_id FROM customer_genes ORDER BY customer_id LIMIT 100").to_arrow_table()
    yield con, SparkEngine(spark), (lambda name: first if name == "first hundred" else None)
    con.close()


@pytest.mark.parametrize("rule", RULES)
def test_spark_selects_the_customers_duckdb_selects(store, rule):
    con, engine, members = store
    expected = member_ids(con, parse(rule), members=members).column("customer_id").to_pylist()
    found = member_ids_on(engine, con, parse(rule), members=members).column("customer_id").to_pylist()
    assert found == expected
    assert 0 < len(expected) < 1_600  # each rule selects some customers and not everyone


def test_a_count_on_spark_is_its_number_of_members(store):
    con, engine, members = store
    counted = count_on(engine, con, parse(RULES[0]), members=members)
    assert counted.count == len(member_ids(con, parse(RULES[0])))
    assert counted.total == con.execute("SELECT count(*) FROM customer_genes").fetchone()[0]


def test_the_command_line_counts_on_spark_what_it_counts_in_duckdb(demo_db, spark):
    duck = runner.invoke(app, ["segment", "count", RULES[0], "--db", str(demo_db), "--json"])
    on_spark = runner.invoke(app, ["segment", "count", RULES[0], "--db", str(demo_db), "--json",
                                   "--engine", "spark"])
    assert duck.exit_code == 0 and on_spark.exit_code == 0, duck.output + on_spark.output
    assert json.loads(on_spark.stdout)["count"] == json.loads(duck.stdout)["count"]
    assert json.loads(on_spark.stdout)["engine"] == "spark"


def test_an_unknown_gene_is_named_before_spark_is_asked(store):
    con, engine, _ = store
    with pytest.raises(Exception, match="unknown gene 'clv_13m'"):
        member_ids_on(engine, con, parse("clv_13m > 1"))


def test_registered_members_are_forgotten_afterwards(store):
    con, engine, members = store
    member_ids_on(engine, con, parse(RULES[-1]), members=members)
    assert [t.name for t in engine.spark.catalog.listTables() if t.isTemporary] == []
    assert isinstance(members("first hundred"), pa.Table)
