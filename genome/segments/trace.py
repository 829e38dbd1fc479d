"""Why is this customer in or out, and who nearly made it.

The trace walks the rule and shows, for one customer, each condition with the
customer's value and whether it held, and each group with its outcome. Near
misses count, for each top-level condition, the customers who fail that one
condition and pass all the others: the cheapest way to grow an audience.
"""

from dataclasses import dataclass

import numpy as np

from genome.formatting import money
from genome.genes.catalog import format_amount
from genome.segments.compile import Members
from genome.segments.index import GenomeIndex
from genome.segments.rules import EventCount, Group, InSegment, Node, RuleError, root
from genome.segments.text import condition_text, item_text

KIND_WORDS = {"all": "all of", "any": "any of", "none": "none of"}


@dataclass(frozen=True)
class Step:
    depth: int
    text: str
    passed: bool
    value: str  # the customer's value, as shown


def _shown(index: GenomeIndex, node, at: int) -> str:
    if isinstance(node, EventCount):
        return f"{int(index.event_counts(node)[at])} events"
    if isinstance(node, InSegment):
        return ""
    column = index.column(node.gene)
    if hasattr(column, "codes"):
        code = column.codes[at]
        return "missing" if code < 0 else str(column.values[code])
    value = column[at]
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if np.isnan(value):
        return "missing"
    unit = index.units.get(node.gene)
    # in the gene's unit: $12,204.00 rather than 12204, to the cent a threshold can fall between
    return money(float(value), cents=True) if unit == "USD" else format_amount(float(value), unit)


def trace(index: GenomeIndex, rule: Node, customer_id: str, *, members: Members | None = None) -> list[Step]:
    found = index.positions([customer_id.strip()])
    if len(found) == 0:
        raise RuleError(f"no customer {customer_id.strip()!r} in the genome")
    at = int(found[0])
    steps: list[Step] = []

    def walk(node: Node, depth: int) -> bool:
        if isinstance(node, Group):
            slot = len(steps)
            steps.append(None)  # filled once the items are known
            results = [walk(i, depth + 1) for i in node.items]
            passed = {"all": all(results), "any": any(results), "none": not any(results)}[node.kind]
            steps[slot] = Step(depth, KIND_WORDS[node.kind], passed, f"{sum(results)} of {len(results)} hold")
            return passed
        passed = bool(index.mask(node, members=members)[at])
        steps.append(Step(depth, condition_text(node), passed, _shown(index, node, at)))
        return passed

    walk(root(rule), 0)
    return steps


@dataclass(frozen=True)
class NearMiss:
    condition: str
    customers: int  # fail only this condition


def near_misses(index: GenomeIndex, rule: Node, *, members: Members | None = None) -> list[NearMiss]:
    """Per top-level condition of an ALL rule: customers failing exactly that one (a NONE group counts as one)."""
    top = root(rule)
    if top.kind != "all" or len(top.items) < 2:
        return []
    masks = [index.mask(item, members=members) for item in top.items]
    passes = np.sum(masks, axis=0)
    result = []
    for item, mask in zip(top.items, masks):
        only_this = (passes == len(masks) - 1) & ~mask
        result.append(NearMiss(item_text(item) if isinstance(item, Group) else condition_text(item),
                               int(np.count_nonzero(only_this))))
    return result
