"""Apache Spark as a genome engine: the gene SQL translated from DuckDB's dialect, run on a Spark session.

Gene SQL is written once, for DuckDB. SQLGlot translates it to Spark SQL;
what SQLGlot cannot carry over, or carries over with another meaning, is
rewritten here and only here (`_SPARK_REWRITES`):
- `x::ENUM(...)` is a DuckDB storage optimisation: Spark keeps the text;
- `timezone(zone, timezone('UTC', t))` (UTC time to local time) is `from_utc_timestamp`;
- `date_diff('day', a, b)` counts calendar-day boundaries, as Spark's two-argument `datediff` does on dates
  (Spark's `DATEDIFF(DAY, ...)` counts whole elapsed days instead);
- `isodow` is `weekday + 1` (SQLGlot's rendering assumes another day numbering);
- `quantile_cont` is Spark's `percentile` (both interpolate linearly), and `quantile_disc(x, q)` its
  `percentile_disc(q) WITHIN GROUP (ORDER BY x)` (both the first value whose cumulative share reaches q);
- `fsum` and `favg` (compensated, so a sum does not depend on row order) sum exact decimals;
- `row(a, b)`, a tuple that orders field by field (`arg_max(x, row(at, id))`), is Spark's `struct(a, b)`;
- `$name` parameters become literals.

Sessions run in UTC with ANSI mode off, so casts that DuckDB tries (`try_cast`) and divisions by NULL behave
as in DuckDB.
"""

import tempfile
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import sqlglot
from sqlglot import exp

from store.errors import EngineUnavailable

# Money is summed as exact decimals: ten places hold any price a double carries to the cent and beyond.
_EXACT = "DECIMAL(38, 10)"


def _literal(value) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.strftime("%Y-%m-%d %H:%M:%S.%f")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, int | float):
        return exp.Literal.number(repr(float(value)) if isinstance(value, float) else str(value))
    return exp.Literal.string(str(value))


def _exact(aggregate: str, argument: exp.Expression, where: exp.Expression | None) -> exp.Expression:
    """`aggregate` over `argument` as exact decimals, optionally filtered, back as a double."""
    inner = exp.Anonymous(this=aggregate, expressions=[exp.cast(argument, _EXACT, dialect="spark")])
    if where is not None:
        inner = exp.Filter(this=inner, expression=where)
    return exp.cast(inner, "DOUBLE")


def _is_call(node: exp.Expression, *names: str) -> bool:
    if not isinstance(node, exp.Anonymous):
        return False
    name = node.this.name if isinstance(node.this, exp.Identifier) else str(node.this)  # "row"(...) is quoted
    return name.lower() in names


def _rewrite(node: exp.Expression, params: dict) -> exp.Expression:
    if isinstance(node, exp.Placeholder):
        name = str(node.this)
        if name not in params:
            raise KeyError(f"no value for ${name}")
        return _literal(params[name])
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.ENUM:
        return node.this
    if isinstance(node, exp.Filter) and _is_call(node.this, "fsum", "favg"):
        return _exact("SUM" if str(node.this.this).lower() == "fsum" else "AVG", node.this.expressions[0],
                      node.expression)
    if _is_call(node, "fsum", "favg") and not isinstance(node.parent, exp.Filter):
        return _exact("SUM" if str(node.this).lower() == "fsum" else "AVG", node.expressions[0], None)
    if _is_call(node, "timezone") and len(node.expressions) == 2:
        zone, inner = node.expressions
        if _is_call(inner, "timezone") and inner.expressions[0].name.upper() == "UTC":
            return exp.Anonymous(this="FROM_UTC_TIMESTAMP",
                                 expressions=[exp.cast(inner.expressions[1], "TIMESTAMP"), zone])
    if isinstance(node, exp.DateDiff) and (node.unit is None or node.unit.name.upper() == "DAY"):
        return exp.Anonymous(this="DATEDIFF", expressions=[exp.cast(node.this, "DATE"),
                                                           exp.cast(node.expression, "DATE")])
    if isinstance(node, exp.DayOfWeekIso):
        return exp.Paren(this=exp.Add(this=exp.Anonymous(this="WEEKDAY", expressions=[node.this]),
                                      expression=exp.Literal.number(1)))
    if isinstance(node, exp.PercentileDisc) and node.expression is not None:
        return exp.WithinGroup(this=exp.PercentileDisc(this=node.expression),
                               expression=exp.Order(expressions=[exp.Ordered(this=node.this)]))
    if _is_call(node, "row"):
        return exp.Struct(expressions=list(node.expressions))
    if isinstance(node, exp.PercentileCont):
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
    return node


def to_spark(sql: str, params: dict | None = None) -> str:
    """`sql`, written for DuckDB, as Spark SQL with `params` in place."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    # a rewritten node's own arguments are not visited again in the same pass: repeat until nothing changes
    # (every rewrite yields nodes no rule matches, so this ends)
    before = None
    while before != (after := tree.sql(dialect="duckdb")):
        before = after
        tree = tree.transform(lambda node: _rewrite(node, params or {}))
    return tree.sql(dialect="spark")


def spark_session(master: str = "local[2]"):
    """A Spark session for genome builds (the running one when there is one)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineUnavailable("the Spark engine needs pyspark: pip install 'customer-genome[spark]'") from None
    builder = (SparkSession.builder.master(master).appName("customer-genome")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false")
               .config("spark.sql.parquet.inferTimestampNTZ.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):
        # the genome keeps nothing in Spark's catalog (temporary views only): its empty warehouse folder goes to
        # the temporary folder, not into whatever folder the command ran in
        builder = (builder.config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8")
                   .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir()) / "customer-genome-spark")))
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j reports a missing Java as a generic failure
        raise EngineUnavailable(f"could not start Spark at {master}: {exc} (the Spark engine needs Java 17 or "
                               "newer: apt-get install openjdk-17-jre-headless)") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """A Spark session as a genome engine: names are temporary views, materialised where `table` is asked."""

    name = "spark"

    def __init__(self, session):
        self.spark = session
        self._kept: dict[str, object] = {}

    def table(self, name: str, sql: str, params: dict | None = None) -> None:
        # checkpointed, not just cached: each step then starts from data, not from the plan of every step before
        frame = self.spark.sql(to_spark(sql, params)).localCheckpoint(eager=True)
        self._replace(name, frame)

    def arrow(self, sql: str, params: dict | None = None) -> pa.Table:
        return self.spark.sql(to_spark(sql, params)).toArrow()

    def register(self, name: str, data: pa.Table) -> None:
        self._replace(name, self.spark.createDataFrame(data))

    def read_parquet(self, name: str, path: Path) -> None:
        self._replace(name, self.spark.read.parquet(str(path)))

    def write_parquet(self, sql: str, path: Path, params: dict | None = None) -> None:
        self.spark.sql(to_spark(sql, params)).write.mode("overwrite").parquet(str(path))

    def drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        frame = self._kept.pop(name, None)
        if frame is not None:
            frame.unpersist()

    def _replace(self, name: str, frame) -> None:
        frame.createOrReplaceTempView(name)
        old = self._kept.pop(name, None)
        if old is not None:
            old.unpersist()
        self._kept[name] = frame
