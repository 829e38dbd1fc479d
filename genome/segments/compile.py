"""Segment rules to parameterised SQL over the genome.

Gene names are checked against the catalog before they are written into the
query (and then only as quoted snake_case identifiers); every value the
marketer typed is a bound parameter. Each condition is two-valued (a missing
gene value fails a comparison and passes its NOT), so counts obey the usual
algebra: A AND B plus A AND NOT B equals A.

Event-window conditions count the customer's events in a window of days
before the genome's reference date, the same `days_ago` the genes use.
Membership of a saved segment reads that segment's stored members, registered
as a relation under a generated name; the other rule is never inlined.
"""

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from genome.errors import UnknownGene
from genome.events import EVENT_TYPES
from genome.segments.rules import (
    Between,
    Compare,
    EventCount,
    Flag,
    Group,
    InSegment,
    Node,
    OneOf,
    RuleError,
    TopPercent,
    conditions,
    root,
)

# A saved segment's members by name (a table with a customer_id column), or None when no such segment.
Members = Callable[[str], pa.Table | None]

NEEDS = {Flag: "flag", Compare: "number", Between: "number", TopPercent: "number", OneOf: "category"}
USAGE = {
    "flag": "use it on its own, e.g. {g} or NOT {g}",
    "number": "compare it, e.g. {g} >= 10, {g} BETWEEN 1 AND 5 or {g} IN TOP 10%",
    "category": "match its values, e.g. {g} = 'value' or {g} IN ('a', 'b')",
}


class UnknownGeneInRule(RuleError, UnknownGene):
    """A rule names a gene the catalog does not hold: a rule error and an unknown gene at once."""


def check(rule: Node, genes: Mapping[str, str]) -> None:
    """Every gene exists and is used as its type allows; the error names the gene."""
    for condition in conditions(rule):
        need = NEEDS.get(type(condition))
        if need is not None:
            name = condition.gene
            if name not in genes:
                near = difflib.get_close_matches(name, list(genes), n=1)
                hint = f" (did you mean {near[0]}?)" if near else ""
                raise UnknownGeneInRule(f"unknown gene {name!r}{hint}")
            if genes[name] != need:
                raise RuleError(f"{name} is a {genes[name]} gene: {USAGE[genes[name]].format(g=name)}")
        elif isinstance(condition, EventCount) and condition.event_type not in EVENT_TYPES:
            raise RuleError(f"unknown event type {condition.event_type!r} in COUNT(...); "
                            f"use one of {', '.join(EVENT_TYPES)}")


@dataclass
class CompiledRule:
    """`where` over the genome aliased `g`, with the CTEs and joins it needs; values in `params`."""

    where: str
    ctes: list[str] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)
    relations: dict[str, pa.Table] = field(default_factory=dict)

    def select(self, columns: str, tail: str = "") -> str:
        with_ = f"WITH {', '.join(self.ctes)} " if self.ctes else ""
        return f"{with_}SELECT {columns} FROM customer_genes g {' '.join(self.joins)} WHERE {self.where} {tail}"


class _Compiler:
    def __init__(self, as_of: datetime, members: Members | None, events: str,
                 spellings: Mapping[str, Mapping[str, str]]):
        self.out = CompiledRule(where="")
        self.as_of = as_of
        self.members = members
        self.events = events
        self.spellings = spellings

    def bind(self, value) -> str:
        name = f"p{len(self.out.params)}"
        self.out.params[name] = value
        return f"${name}"

    def node(self, node: Node) -> str:
        if isinstance(node, Group):
            parts = [self.node(i) for i in node.items]
            if node.kind == "all":
                return "(" + " AND ".join(parts) + ")" if parts else "true"
            joined = "(" + " OR ".join(parts) + ")" if parts else "false"
            return joined if node.kind == "any" else f"(NOT {joined})"
        return f"coalesce({self.condition(node)}, false)"

    def condition(self, node) -> str:
        if isinstance(node, Flag):
            return f'g."{node.gene}"'
        if isinstance(node, Compare):
            return f'g."{node.gene}" {node.op} {self.bind(float(node.value))}'
        if isinstance(node, Between):
            return f'g."{node.gene}" BETWEEN {self.bind(float(node.low))} AND {self.bind(float(node.high))}'
        if isinstance(node, TopPercent):
            # the value of the customer at the edge of the top share; ties at the edge are in
            return (f'g."{node.gene}" >= (SELECT quantile_disc(t."{node.gene}", {self.bind(top_quantile(node.percent))})'
                    f' FROM customer_genes t)')
        if isinstance(node, OneOf):
            return f'g."{node.gene}" IN ({", ".join(self.bind(v) for v in node.values)})'
        if isinstance(node, EventCount):
            return self.event_count(node)
        if isinstance(node, InSegment):
            return self.in_segment(node)
        raise RuleError(f"not a rule node: {node!r}")

    def event_count(self, node: EventCount) -> str:
        name = f"ev{len(self.out.ctes)}"
        filters = [f"e.event_type = {self.bind(node.event_type)}",
                   f"date_diff('day', e.occurred_at, {self.bind(self.as_of)}::TIMESTAMP) "
                   f"BETWEEN {self.bind(node.days_from)} AND {self.bind(node.days_to)}"]
        # a spelling merged into another value is counted as that value, as the events relation reads it
        filters += [f"e.{f} = {self.bind(self.spellings.get(f, {}).get(getattr(node, f), getattr(node, f)))}"
                    for f in ("category", "channel") if getattr(node, f) is not None]
        self.out.ctes.append(
            f"{name} AS (SELECT i.customer_id, count(*) AS n FROM {self.events} e "
            f"JOIN identifiers i ON i.identifier = e.anchor WHERE {' AND '.join(filters)} GROUP BY i.customer_id)")
        self.out.joins.append(f"LEFT JOIN {name} ON {name}.customer_id = g.customer_id")
        return f"coalesce({name}.n, 0) {node.op} {self.bind(node.count)}"

    def in_segment(self, node: InSegment) -> str:
        table = self.members(node.segment) if self.members else None
        if table is None:
            raise RuleError(f"unknown segment {node.segment!r}: save it before using it in another segment")
        name = f"_members_{len(self.out.relations)}"
        self.out.relations[name] = table
        return f"g.customer_id IN (SELECT customer_id FROM {name})"


def top_quantile(percent: float) -> float:
    return 1.0 - float(percent) / 100.0


def compile_rule(rule: Node, genes: Mapping[str, str], *, as_of: datetime, members: Members | None = None,
                 events: str = "events", spellings: Mapping[str, Mapping[str, str]] | None = None) -> CompiledRule:
    """`rule` as SQL over customer_genes; event-window conditions count rows of `events` (a table or a
    parenthesised query, such as `genome.genes.build.counted_events_relation`: product text, never user text),
    where `spellings` (column -> {spelling: value}) were merged into the values they name."""
    rule = root(rule)
    check(rule, genes)
    compiler = _Compiler(as_of, members, events, spellings or {})
    compiler.out.where = compiler.node(rule)
    return compiler.out
