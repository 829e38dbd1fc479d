"""Audiences computed on an engine beside the store (Apache Spark): who a rule selects, from the same SQL, and
whom an export may reach.

A rule compiles to one parameterised query over the genome (`genome.segments.compile`); here the genome's
columns the rule reads, and the events when it counts events in a window, are handed to the engine as
Parquet and the query runs there, translated by the engine. The answer is the one DuckDB gives
(`genome.segments.audience`): tests hold the two to the same members.

An export's consent is read there the same way: the consent events and identifiers are handed over, the
store's own views (`customer_events`, `consent_latest`, as `store/schema.sql` defines them) and the decisions
still waiting at the service desk are rebuilt on the engine, and the consent query the DuckDB path runs
(`genome.consent.consenting_sql`) runs there.
"""

import re
import tempfile
from pathlib import Path

import duckdb
import pyarrow as pa

from genome.consent import consenting_sql
from genome.consent_changes import desk_consent_sql, desk_decisions, waiting
from genome.errors import InputError
from genome.segments.audience import Count, Genome, genome
from genome.segments.compile import Members
from genome.segments.platforms import CONTACT_IDENTIFIERS_SQL, by_person
from genome.segments.rules import EventCount, Node, conditions, genes_in
from store.engine import ExternalEngine, hand_over


def _check_workdir(workdir: Path | None) -> None:
    if workdir is not None and not Path(workdir).is_dir():
        raise InputError(f"the work folder {workdir} does not exist: create it, on storage the engine can reach")


def _answer(engine: ExternalEngine, con: duckdb.DuckDBPyConnection, rule: Node, columns: str, tail: str, *,
            members: Members | None, base: Genome, workdir: Path | None) -> pa.Table:
    _check_workdir(workdir)
    compiled = base.compile(rule, members=members, events="events")  # handed over under that name
    genes = ", ".join(["customer_id", *(f'"{g}"' for g in dict.fromkeys(genes_in(rule)))])  # checked names
    inputs = {"customer_genes": f"SELECT {genes} FROM customer_genes"}
    if any(isinstance(c, EventCount) for c in conditions(rule)):
        inputs |= {"events": f"SELECT anchor, event_type, category, channel, occurred_at FROM {base.events} e",
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


def _store_view(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """The query of the store's own view `name`, as the store defines it."""
    found = con.execute("SELECT sql FROM duckdb_views() WHERE database_name = current_database() "
                        "AND schema_name = 'main' AND view_name = ?", [name]).fetchall()
    if not found:
        raise InputError(f"the store has no {name} view: open it once for writing to bring its schema up to date")
    return re.sub(r"^\s*CREATE\s+VIEW\s+\S+\s+AS\s+", "", found[0][0], flags=re.IGNORECASE).rstrip().rstrip(";")


def reachable_on(engine: ExternalEngine, con: duckdb.DuckDBPyConnection, people: pa.Table, *,
                 channel: str | None = None, meta=None, contacts: bool = False,
                 workdir: Path | None = None) -> tuple[pa.Table, dict[str, tuple[list[str], list[str]]] | None]:
    """Of `people` (a customer_id column), those marketing may reach now (on `channel`), sorted by id, worked out
    on `engine`; with the metadata session `meta`, decisions waiting at the service desk count too. With
    `contacts`, also their e-mails and phones, most recently seen first (`genome.segments.platforms`)."""
    _check_workdir(workdir)
    inputs = {"events": "SELECT * REPLACE (CAST(attributes AS VARCHAR) AS attributes) FROM events "
                        "WHERE event_type = 'consent'",
              "identifiers": "SELECT * FROM identifiers"}
    changes = waiting(meta) if meta is not None else []
    made = [*inputs, "_consent_customers", "customer_events", "consent_latest"]
    with tempfile.TemporaryDirectory(dir=workdir) as folder:
        try:  # whatever was handed over or made is dropped again, also when a step fails
            hand_over(con, engine, inputs, Path(folder))
            engine.register("_consent_customers", people.select(["customer_id"]))
            engine.table("customer_events", _store_view(con, "customer_events"))
            if changes:
                made += ["_desk_consent", "_store_consent_latest"]
                engine.register("_desk_consent", desk_decisions(changes))
                engine.table("_store_consent_latest", _store_view(con, "consent_latest"))
                engine.table("consent_latest", desk_consent_sql("_store_consent_latest", "identifiers"))
            else:
                engine.table("consent_latest", _store_view(con, "consent_latest"))
            allowed = engine.arrow(consenting_sql(channel))
            found = None
            if contacts:
                made.append("_export_members")
                engine.register("_export_members", allowed)
                rows = engine.arrow(CONTACT_IDENTIFIERS_SQL)
                found = by_person(zip(*(rows.column(c).to_pylist() for c in ("customer_id", "kind", "value"))))
        finally:
            for name in made:
                engine.drop(name)
    return allowed, found
