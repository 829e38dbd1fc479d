"""Exact audiences in SQL: counts and member lists for a rule, over the built genome.

This is the reference path (the CLI, saving, export); the in-memory index
(`genome.segments.index`) answers previews and must agree with it.
"""

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from genome.segments.compile import CompiledRule, Members, compile_rule
from genome.segments.rules import Node, RuleError


@dataclass(frozen=True)
class Genome:
    """What a rule is checked against: gene types and the reference date of the build."""

    genes: dict[str, str]
    as_of: datetime
    customers: int


def genome(con: duckdb.DuckDBPyConnection) -> Genome:
    try:
        rows = con.execute("SELECT name, type FROM gene_catalog").fetchall()
        as_of = con.execute("SELECT max(as_of) FROM gene_catalog").fetchall()[0][0]
        customers = con.execute("SELECT count(*) FROM customer_genes").fetchall()[0][0]
    except duckdb.CatalogException as e:
        raise RuleError("the genome is not built yet: run `genome build` first") from e
    return Genome(dict(rows), as_of, customers)


@dataclass(frozen=True)
class Count:
    count: int
    total: int


def count(con: duckdb.DuckDBPyConnection, rule: Node, *, members: Members | None = None,
          base: Genome | None = None) -> Count:
    base = base or genome(con)
    compiled = compile_rule(rule, base.genes, as_of=base.as_of, members=members)
    return Count(_fetch_one(con, compiled, "count(*)"), base.customers)


def _fetch_one(con, compiled: CompiledRule, columns: str):
    cursor = con.cursor()
    try:
        for name, table in compiled.relations.items():
            cursor.register(name, table)
        return cursor.execute(compiled.select(columns), compiled.params).fetchall()[0][0]
    finally:
        cursor.close()


def member_ids(con: duckdb.DuckDBPyConnection, rule: Node, *, members: Members | None = None,
               base: Genome | None = None) -> pa.Table:
    """The audience's customer ids, sorted: one row per member."""
    base = base or genome(con)
    compiled = compile_rule(rule, base.genes, as_of=base.as_of, members=members)
    cursor = con.cursor()
    try:
        for name, table in compiled.relations.items():
            cursor.register(name, table)
        return cursor.sql(compiled.select("g.customer_id", "ORDER BY g.customer_id"),
                          params=compiled.params).to_arrow_table()
    finally:
        cursor.close()
