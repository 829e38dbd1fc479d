"""Micro-campaigns: one saved segment cut by one or two gene dimensions into many small campaigns at once.

Each cell of the cut (for example favourite category x loyalty tier) becomes a
campaign plan of its own: the segment's version, the cell's rule (`dim =
'value' AND ...`, checked like any segment rule), the template, its own
hold-out (the split hashes campaign and customer, so each cell's control
group is its own) and so its own measured result. A cell smaller than
`min_size` is left out and counted: a campaign that small cannot show
anything (its detectable effect is given for every cell kept).
"""

import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from sqlmodel import Session

from genome.access import require
from genome.campaigns.library import latest_campaign, save_campaign
from genome.campaigns.stats import minimum_detectable_effect
from genome.errors import InputError
from genome.segments.audience import genome
from genome.segments.library import saved_version, stored_members
from genome.segments.rules import Flag, Group, OneOf
from genome.segments.text import to_text

MAX_CELLS = 500
BASELINE_RATE = 0.05  # the response rate the detectable effect is given for, when none is known


@dataclass(frozen=True)
class Cell:
    campaign: str
    rule: str
    size: int
    detectable_effect: float | None


@dataclass(frozen=True)
class MicroPlan:
    cells: list[Cell]
    left_out: int  # cells smaller than the minimum
    left_out_customers: int


def _slug(value) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")
    return text[:24] or "x"


def cut_genes(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The genes a segment can be cut by: category and flag genes someone has."""
    from genome.genes.catalog import catalog_relation

    return [r[0] for r in con.execute(f"SELECT name FROM {catalog_relation(con)} WHERE type IN ('category', 'flag') "
                                      "AND coverage > 0 ORDER BY name").fetchall()]


def _condition(gene: str, kind: str, value):
    if kind == "flag":
        return Flag(gene) if value else Group("none", (Flag(gene),))
    return OneOf(gene, (str(value),))


def _word(gene: str, kind: str, value) -> str:
    """How a cell's value reads in its campaign's name: the category, or the flag gene (or no-gene)."""
    if kind == "flag":
        return gene if value else f"no-{gene}"
    return str(value)


def plan_micro_campaigns(s: Session, con: duckdb.DuckDBPyConnection, *, prefix: str, segment: str,
                         dimensions: list[str], template: str, goal: str, owner: str, role: str,
                         channel: str = "email", holdout_share: float = 0.1, window_days: int = 14,
                         message_cost: float = 0.0, min_size: int = 200) -> MicroPlan:
    """Plan one draft campaign per cell of `segment` cut by `dimensions` (one or two category or flag genes), for
    `owner` acting as `role` (which must allow running campaigns). A cell whose name is a campaign already is
    refused before anything is saved: another prefix keeps the history of the first apart."""
    require(role, "run_campaigns", doing="Planning campaigns")
    if not 1 <= len(dimensions) <= 2:
        raise InputError(f"cut a segment by one or two genes; got {len(dimensions)}")
    known = genome(con).genes
    for gene in dimensions:
        if gene not in known:
            raise InputError(f"no gene {gene!r} in the genome")
        if known[gene] not in ("category", "flag"):
            raise InputError(f"{gene} is a {known[gene]} gene: cut by category or flag genes (yes/no, favourite "
                             "category, tier), whose values name the cells")
    _, version = saved_version(s, segment, missing=": save it before cutting it into campaigns")
    members = stored_members(s, version)
    columns = ", ".join('g."' + d.replace('"', '""') + '"' for d in dimensions)  # genes checked above
    cursor = con.cursor()
    try:
        cursor.register("_micro_members", members.select(["customer_id"]))
        counts = cursor.execute(f"SELECT {columns}, count(*) FROM _micro_members m JOIN customer_genes g "
                                f"USING (customer_id) GROUP BY ALL ORDER BY count(*) DESC").fetchall()
    finally:
        cursor.close()
    kept = [row for row in counts if row[-1] >= min_size and all(v is not None for v in row[:-1])]
    if len(kept) > MAX_CELLS:
        raise InputError(f"{len(kept):,} cells of at least {min_size:,} people: at most {MAX_CELLS}; raise the "
                         "minimum size or cut by fewer values")
    if not kept:
        raise InputError(f"no cell of {segment} cut by {', '.join(dimensions)} has {min_size:,} people or more")
    cells, names, planned = [], set(), []
    for *values, size in kept:
        cut = list(zip(dimensions, values))
        conditions = tuple(_condition(d, known[d], v) for d, v in cut)
        name = "-".join([prefix, *(_slug(_word(d, known[d], v)) for d, v in cut)])[:80]
        while name in names:  # two values that read alike ("Kid's", "kids") get names of their own
            name = f"{name[:76]}-{len(names) % 1000}"
        names.add(name)
        planned.append((name, to_text(Group("all", conditions)), int(size)))
    taken = [name for name, _, _ in planned if latest_campaign(s, name) is not None]
    if taken:
        raise InputError(f"{len(taken):,} of these campaigns exist already ({', '.join(taken[:3])}"
                         f"{', …' if len(taken) > 3 else ''}): choose another prefix")
    for name, rule, size in planned:
        save_campaign(s, name=name, goal=goal, owner=owner, role=role, channel=channel, segment=segment,
                      segment_version=version.version, cell=rule, template=template, holdout_share=holdout_share,
                      window_days=window_days, message_cost=message_cost)
        cells.append(Cell(name, rule, size, minimum_detectable_effect(size, holdout_share, BASELINE_RATE)))
    small = [row for row in counts if row not in kept]
    return MicroPlan(cells, len(small), int(sum(row[-1] for row in small)))


def cell_members(con: duckdb.DuckDBPyConnection, members: pa.Table, rule: str) -> pa.Table:
    """The members a micro-campaign's cell rule takes in."""
    from genome.segments.audience import member_ids
    from genome.segments.text import parse

    inside = set(member_ids(con, parse(rule)).column("customer_id").to_pylist())
    return members.filter(pa.array([c in inside for c in members.column("customer_id").to_pylist()]))
