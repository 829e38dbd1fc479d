"""Gene SQL written for DuckDB means the same on Spark once translated: each rewrite is checked by running the
same expression on both engines."""

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from genome.errors import GenomeError
from store.engine import DuckEngine
from store.spark import SparkEngine, to_spark

EVENTS = pa.table({
    "cust": pa.array([1, 1, 1, 2, 2], pa.int64()),
    "amount": [0.1, 0.2, 17.005, 25.36, 25.37],
    "kind": ["a", "b", "a", "a", "b"],
    "seen": pa.array([datetime(2024, 3, 3, 23, 30), datetime(2024, 3, 4, 1, 0), datetime(2024, 3, 9, 12, 0),
                    datetime(2024, 12, 31, 23, 59), datetime(2025, 1, 1, 0, 1)], pa.timestamp("us")),
})


@pytest.fixture(scope="module")
def engines(spark):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    duck, sparked = DuckEngine(con), SparkEngine(spark)
    for engine in (duck, sparked):
        engine.register("t", EVENTS)
    yield duck, sparked
    sparked.drop("t")
    con.close()


def _both(engines, sql: str, params: dict | None = None) -> tuple[list[dict], list[dict]]:
    duck, sparked = engines
    return duck.arrow(sql, params).to_pylist(), sparked.arrow(sql, params).to_pylist()


def test_weekdays_hours_and_local_days_agree_in_a_time_zone(engines):
    sql = ("SELECT cust, isodow(timezone('America/Chicago', timezone('UTC', seen))) AS dow, "
           "hour(timezone('America/Chicago', timezone('UTC', seen))) AS hour, "
           "CAST(timezone('America/Chicago', timezone('UTC', seen)) AS DATE) AS day FROM t ORDER BY seen")
    duck, spark = _both(engines, sql)
    assert spark == duck
    assert [r["dow"] for r in duck] == [7, 7, 6, 2, 2]  # 01:00 UTC on Monday 4 March is Sunday evening in Chicago


def test_day_differences_count_calendar_days_as_duckdb_does(engines):
    sql = "SELECT date_diff('day', seen, $as_of) AS days FROM t ORDER BY seen"
    duck, spark = _both(engines, sql, {"as_of": datetime(2025, 1, 1, 0, 0, 30)})
    assert spark == duck
    assert duck[-2]["days"] == 1  # a minute before midnight is yesterday, not zero whole days ago


def test_compensated_sums_and_decimal_rounding_give_the_same_cents(engines):
    from genome.genes.definition import decimal_rounds

    sql = decimal_rounds("SELECT cust, round(fsum(amount) FILTER (WHERE kind = 'a'), 2) AS spend, "
                         "round(favg(amount), 2) AS average, round(count(*) / 3, 4) AS share "
                         "FROM t GROUP BY cust ORDER BY cust")
    duck, spark = _both(engines, sql)
    assert spark == duck
    assert duck[1]["average"] == 25.37  # (25.36 + 25.37) / 2 is a half cent: rounded up on both


def test_enum_casts_and_percentiles_translate(engines):
    sql = ("SELECT kind::ENUM('a', 'b') AS kind, quantile_cont(amount, 0.8) AS p80 FROM t GROUP BY 1 ORDER BY 1")
    duck, spark = _both(engines, sql)
    assert [r["kind"] for r in spark] == ["a", "b"]
    assert [r["p80"] for r in spark] == pytest.approx([r["p80"] for r in duck], rel=1e-12)


def test_the_latest_by_a_tuple_picks_the_same_row_on_both(engines):
    # every row of a customer ties on the first field: the second decides
    sql = "SELECT cust, arg_max(kind, row(cust, amount)) AS latest FROM t GROUP BY cust ORDER BY cust"
    duck, spark = _both(engines, sql)
    assert spark == duck == [{"cust": 1, "latest": "a"}, {"cust": 2, "latest": "b"}]


def test_parameters_become_literals_and_a_missing_one_is_named():
    assert "'2025-01-01 00:00:00.000000'" in to_spark("SELECT $as_of AS d", {"as_of": datetime(2025, 1, 1)})
    with pytest.raises(KeyError, match="as_of"):
        to_spark("SELECT $as_of AS d", {})


def test_a_spark_that_cannot_start_says_what_to_install(monkeypatch):
    import builtins

    from store import spark

    real_import = builtins.__import__

    def no_pyspark(name, *args, **kwargs):
        if name.startswith("pyspark"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(GenomeError, match=r"pip install 'customer-genome\[spark\]'"):
        spark.spark_session()


def test_a_local_session_keeps_its_warehouse_folder_out_of_the_working_folder(spark):
    warehouse = spark.conf.get("spark.sql.warehouse.dir")
    assert "customer-genome-spark" in warehouse and str(Path.cwd()) not in warehouse
