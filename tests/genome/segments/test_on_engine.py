"""A rule selects the same customers on Spark as in DuckDB, every kind of condition included, and an export
worked out on Spark leaves out whom DuckDB leaves out."""

import json
import shutil

import pyarrow as pa
import pytest
from helpers import staff
from typer.testing import CliRunner

from genome.cli import app
from genome.consent_changes import record_consent_change
from genome.segments.audience import member_ids
from genome.segments.export import export_audience
from genome.segments.library import save_segment
from genome.segments.on_engine import count_on, member_ids_on
from genome.segments.text import parse
from store.duck import connect
from store.meta import meta_url_for, session
from store.spark import SparkEngine

runner = CliRunner()
# the message names a long temporary path, which the error box of a narrow terminal would break across lines
WIDE = {"COLUMNS": "400"}
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


# --- exports: consent read on Spark -------------------------------------------------------------------------------

@pytest.fixture
def saved(demo_db, tmp_path):
    """A copy of the demo store with every customer saved as one segment, its accounts and metadata store."""
    db = staff(shutil.copy(demo_db, tmp_path / "genome.duckdb"))
    con = connect(db, read_only=True)
    with session(meta_url_for(db)) as meta:
        save_segment(meta, con, name="Everyone", rule=parse(""), owner="mara", role="marketer")
        yield db, con, meta
    con.close()


@pytest.mark.parametrize("purpose", ["ids", "meta"])
def test_an_export_worked_out_on_spark_is_the_file_duckdb_writes(saved, spark, tmp_path, purpose):
    db, con, meta = saved
    here = export_audience(meta, con, name="Everyone", out=tmp_path / "duckdb.csv", by="mara", role="marketer",
                           purpose=purpose)
    there = export_audience(meta, con, name="Everyone", out=tmp_path / "spark.csv", by="mara", role="marketer",
                            purpose=purpose, engine=SparkEngine(spark))
    assert there.path.read_text() == here.path.read_text()
    assert (there.rows, there.removed_without_consent) == (here.rows, here.removed_without_consent)
    assert 0 < here.removed_without_consent < here.rows  # consent left some out and kept most
    assert [t.name for t in spark.catalog.listTables() if t.isTemporary] == []


def test_a_refusal_waiting_at_the_service_desk_is_honoured_on_spark(saved, spark, tmp_path):
    db, con, meta = saved
    customer_id = con.execute("SELECT customer_id FROM consent_latest WHERE purpose = 'marketing' AND granted "
                              "ORDER BY customer_id LIMIT 1").fetchone()[0]
    before = export_audience(meta, con, name="Everyone", out=tmp_path / "before.csv", by="mara", role="marketer",
                             engine=SparkEngine(spark))
    record_consent_change(meta, con, customer_id=customer_id, purpose="marketing", granted=False,
                          reason="asked on the phone to stop all marketing", actor="sam", role="service")
    after = export_audience(meta, con, name="Everyone", out=tmp_path / "after.csv", by="mara", role="marketer",
                            engine=SparkEngine(spark))
    exported = {path: set(path.read_text().split()[1:]) for path in (before.path, after.path)}
    assert customer_id in exported[before.path]
    assert exported[after.path] == exported[before.path] - {customer_id}


def test_the_command_line_exports_on_spark_what_it_exports_from_duckdb(saved, spark, tmp_path):
    db, _, _ = saved
    common = ["segment", "export", "Everyone", "--as", "mara", "--db", str(db)]
    duck = runner.invoke(app, [*common, "--out", str(tmp_path / "duckdb.csv")])
    on_spark = runner.invoke(app, [*common, "--out", str(tmp_path / "spark.csv"), "--engine", "spark",
                                   "--workdir", str(tmp_path)])
    assert duck.exit_code == 0 and on_spark.exit_code == 0, duck.output + on_spark.output
    assert (tmp_path / "spark.csv").read_text() == (tmp_path / "duckdb.csv").read_text()
    assert "on Spark" in on_spark.stdout


def test_a_missing_work_folder_is_named_before_anything_is_written(saved, tmp_path):
    db, _, _ = saved
    result = runner.invoke(app, ["segment", "export", "Everyone", "--as", "mara", "--db", str(db),
                                 "--out", str(tmp_path / "out.csv"), "--engine", "spark",
                                 "--workdir", str(tmp_path / "nowhere")], env=WIDE)
    assert result.exit_code != 0
    assert "the work folder" in result.output and "nowhere" in result.output
    assert not (tmp_path / "out.csv").exists()
