"""Audiences computed on an engine beside the store (Apache Spark): who a rule selects, from the same SQL.

A rule compiles to one parameterised query over the genome (`genome.segments.compile`); here the genome's
columns the rule reads, and the events when it counts events in a window, are handed to the engine as
Parquet and the query runs there, translated by the engine. The answer is the one DuckDB gives
(`genome.segments.audience`): tests hold the two to the same members.
"""

import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from genome.errors import InputError
from genome.segments.audience import Count, Genome, genome
from genome.segments.compile import Members, compile_rule
from genome.segments.rules import EventCount, Node, conditions, genes_in
from store.engine import ExternalEngine, hand_over


def _answer(engine: ExternalEngine, con: duckdb.DuckDBPyConnection, rule: Node, columns: str, tail: str, *,
            members: Members | None, base: Genome, workdir: Path | None) -> pa.Table:
    if workdir is not None and not Path(workdir).is_dir():
        raise InputError(f"the work folder {workdir} does not exist: create it, on storage the engine can reach")
    compiled = compile_rule(rule, base.genes, as_of=base.as_of, members=members)
    genes = ", ".join(["customer_id", *(f'"{g}"' for g in dict.fromkeys(genes_in(rule)))])  # checked names
    inputs = {"customer_genes": f"SELECT {genes} FROM customer_genes"}
    if any(isinstance(c, EventCount) for c in conditions(rule)):
        inputs |= {"events": "SELECT anchor, event_type, category, channel, occurred_at FROM events",
                   "identifiers": "SELECT identifier, customer_id FROM identifiers"}
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        hand_over(con, engine, inputs, Path(folder))
        for name, table in compiled.relations.items():
            engine.register(name, table)
        try:
            return engine.arrow(compiled.select(columns, tail), compiled.params)
        finally:
            for name in [*inputs, *compiled.relations]:
                engine.drop(name)


def member_ids_on(engine: ExternalEngine, con: duckdb.DuckDBPyConnection, rule: Node, *,
                  members: Members | None = None, base: Genome | None = None,
                  workdir: Path | None = None) -> pa.Table:
    """The audience's customer ids, sorted, computed on `engine`: one row per member."""
    return _answer(engine, con, rule, "g.customer_id", "ORDER BY g.customer_id", members=members,
                   base=base or genome(con), workdir=workdir)


def count_on(engine: ExternalEngine, con: duckdb.DuckDBPyConnection, rule: Node, *, members: Members | None = None,
             base: Genome | None = None, workdir: Path | None = None) -> Count:
    """How many customers the rule selects, counted on `engine`, of all customers in the genome."""
    base = base or genome(con)
    found = _answer(engine, con, rule, "count(*) AS n", "", members=members, base=base, workdir=workdir)
    return Count(int(found.column("n")[0].as_py()), base.customers)
