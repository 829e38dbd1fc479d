"""Exact audiences in SQL: counts and member lists for a rule, over the built genome.

This is the reference path (the CLI, saving, export); the in-memory index
(`genome.segments.index`) answers previews and must agree with it.
"""

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from genome.consent import CONSENT_NOW_SQL, allowed_sql
from genome.errors import NotBuilt
from genome.genes.build import counted_events_relation, merged_spellings
from genome.genes.catalog import catalog_relation
from genome.genes.labels import label_for
from genome.segments.compile import CompiledRule, Members, compile_rule
from genome.segments.figures import REACH, VALUE_GENE, Figures, bin_codes, lift_rows, value_edges, value_interval
from genome.segments.rules import Node, genes_in


@dataclass(frozen=True)
class Genome:
    """What a rule is checked against: gene types and the reference date of the build; labels for people."""

    genes: dict[str, str]
    as_of: datetime
    customers: int
    labels: dict[str, str] = field(default_factory=dict)
    published: frozenset[str] = frozenset()  # the genes the catalog shows (rules may name the others too)
    # the events as genes read them (a till line takes its product's category, a merged spelling the value it
    # was merged into): what event-window rules count
    events: str = "events"
    spellings: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {spelling: value merged into}

    def label(self, gene: str) -> str:
        return self.labels.get(gene) or label_for(gene)

    def compile(self, rule: Node, *, members: Members | None = None, events: str | None = None) -> CompiledRule:
        """`rule` as SQL over this genome; event-window conditions count `events` (default: this genome's
        events relation) with the spellings it merged read as the values they were merged into."""
        return compile_rule(rule, self.genes, as_of=self.as_of, members=members, events=events or self.events,
                            spellings=self.spellings)


def genome(con: duckdb.DuckDBPyConnection) -> Genome:
    try:
        rows = con.execute(f"SELECT name, type, label, published FROM {catalog_relation(con)}").fetchall()
        as_of = con.execute("SELECT max(as_of) FROM gene_catalog").fetchall()[0][0]
        customers = con.execute("SELECT count(*) FROM customer_genes").fetchall()[0][0]
    except duckdb.CatalogException as e:
        raise NotBuilt("the genome is not built yet: run `genome build` first") from e
    merged = merged_spellings(con)
    return Genome({n: t for n, t, _, _ in rows}, as_of, customers,
                  {n: (lab if lab and lab != n else label_for(n)) for n, _, lab, _ in rows},
                  frozenset(n for n, _, _, shown in rows if shown), counted_events_relation(con, merged), merged)


@dataclass(frozen=True)
class Count:
    count: int
    total: int


def count(con: duckdb.DuckDBPyConnection, rule: Node, *, members: Members | None = None,
          base: Genome | None = None) -> Count:
    base = base or genome(con)
    compiled = base.compile(rule, members=members)
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
    compiled = base.compile(rule, members=members)
    cursor = con.cursor()
    try:
        for name, table in compiled.relations.items():
            cursor.register(name, table)
        return cursor.sql(compiled.select("g.customer_id", "ORDER BY g.customer_id"),
                          params=compiled.params).to_arrow_table()
    finally:
        cursor.close()


def figures(con: duckdb.DuckDBPyConnection, rule: Node, *, members: Members | None = None,
            base: Genome | None = None, with_lift: bool = True) -> Figures:
    """The preview's figures computed in SQL over the store: what `genome segment count` prints.

    An independent path from the in-memory index the builder page uses:
    membership, sums, reach and lift are all counted by DuckDB here.
    """
    base = base or genome(con)
    compiled = base.compile(rule, members=members)
    value = f'coalesce(g."{VALUE_GENE}", 0)' if base.genes.get(VALUE_GENE) == "number" else "0"
    app = 'coalesce(g."uses_app", false)' if base.genes.get("uses_app") == "flag" else "false"
    audience = compiled.select(f"g.customer_id, CAST({value} AS DOUBLE) AS value, {app} AS uses_app")
    has = {"email": "coalesce(k.email, false)", "phone": "coalesce(k.phone, false)"}
    if base.genes.get("uses_app") == "flag":  # a store without app users has no app channel (as in the preview)
        has["uses_app"] = "a.uses_app"
    channels = {label: [n for n in needs if n in has] for label, needs in REACH.items()}
    channels = {label: needs for label, needs in channels.items() if needs}
    reach = [f"count(*) FILTER (WHERE ({' OR '.join(has[n] for n in needs)}) AND {allowed_sql(label)})"
             for label, needs in channels.items()]
    cursor = con.cursor()
    try:
        for name, table in compiled.relations.items():
            cursor.register(name, table)
        row = cursor.execute(f"""
            SELECT count(*), coalesce(sum(a.value), 0), coalesce(sum(a.value * a.value), 0), {', '.join(reach)}
            FROM ({audience}) a
            LEFT JOIN (SELECT customer_id, bool_or(kind = 'email') AS email, bool_or(kind = 'phone') AS phone
                       FROM identifiers GROUP BY customer_id) k USING (customer_id)
            LEFT JOIN ({CONSENT_NOW_SQL}) c USING (customer_id)
        """, compiled.params).fetchall()[0]
        values = cursor.execute(f"SELECT value FROM ({audience}) a", compiled.params).fetchnumpy()["value"]
        lowest, p95 = cursor.execute(f"SELECT min({value}), quantile_cont({value}, 0.95) FROM customer_genes g"
                                     ).fetchall()[0]
        edges = value_edges(float(lowest or 0.0), float(p95 or 0.0))
        every = cursor.execute(f"SELECT {value} FROM customer_genes g").fetchnumpy()
        base_values = next(iter(every.values()))
        lift = _lift_sql(cursor, compiled, base, row[0], frozenset(genes_in(rule))) if with_lift else []
    finally:
        cursor.close()
    n, total, squares = int(row[0]), float(row[1]), float(row[2])
    low, high = value_interval(n, total, squares)
    return Figures(
        count=n, total=base.customers, value_total=total, value_mean=total / n if n else 0.0,
        value_low=low, value_high=high,
        histogram=np.bincount(bin_codes(np.asarray(values, dtype=float), edges), minlength=len(edges) - 1),
        base_histogram=np.bincount(bin_codes(np.asarray(base_values, dtype=float), edges), minlength=len(edges) - 1),
        edges=edges, reachable={label: int(v) for label, v in zip(channels, row[3:])}, lift=lift,
    )


def _lift_sql(cursor, compiled: CompiledRule, base: Genome, n: int, leave_out: frozenset[str]) -> list[dict]:
    flags = [name for name, kind in base.genes.items() if kind == "flag" and name in base.published]
    if not flags or n in (0, base.customers):
        return []
    counts = ", ".join(f'count(*) FILTER (WHERE g."{name}")' for name in flags)  # names from the catalog
    inside = cursor.execute(compiled.select(counts), compiled.params).fetchall()[0]
    carriers = cursor.execute(f"SELECT {counts} FROM customer_genes g").fetchall()[0]
    return lift_rows(flags, np.asarray(inside), np.asarray(carriers), n, base.customers, leave_out=leave_out)
