"""What a segment is: a tree of groups and conditions, with a canonical JSON form.

A group joins its items with ALL (every item holds), ANY (at least one) or
NONE (no item holds). A condition is one of:

- a flag gene (`weekend_shopper`);
- a comparison, range or top-N-% on a numeric gene (`clv_12m >= 200`);
- a value match on a category gene (`home_city IN ('Chicago', 'Boston')`);
- an event count in a window of days before the genome's reference date
  (`COUNT(purchase, category = 'running', LAST 30 DAYS) >= 2`);
- membership of another saved segment, read from its stored membership.

`normalise` gives every meaning one tree: nested groups of the same kind are
flattened and empty groups dropped (an empty container in the builder adds no
condition), so the JSON and text forms round-trip.
"""

from dataclasses import dataclass
from typing import Literal, Union

from genome.errors import RuleError

COMPARISONS = (">=", "<=", "!=", ">", "<", "=")
# Deeper rules are refused: nobody writes them on purpose, and walking them would exhaust Python's stack.
MAX_DEPTH = 50
GROUP_KINDS = ("all", "any", "none")
EVENT_FILTERS = ("category", "channel")


@dataclass(frozen=True)
class Flag:
    gene: str


@dataclass(frozen=True)
class Compare:
    gene: str
    op: str
    value: float


@dataclass(frozen=True)
class Between:
    gene: str
    low: float
    high: float


@dataclass(frozen=True)
class TopPercent:
    gene: str
    percent: float


@dataclass(frozen=True)
class OneOf:
    gene: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class EventCount:
    """Events of `event_type` between `days_from` and `days_to` days before the reference date."""

    event_type: str
    op: str
    count: int
    days_from: int
    days_to: int
    category: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class InSegment:
    segment: str


Condition = Union[Flag, Compare, Between, TopPercent, OneOf, EventCount, InSegment]


@dataclass(frozen=True)
class Group:
    kind: Literal["all", "any", "none"]
    items: tuple["Node", ...] = ()


Node = Union[Condition, Group]
EVERYONE = Group("all", ())


def genes_in(node: Node) -> list[str]:
    """Gene names the rule reads, in order of appearance."""
    if isinstance(node, Group):
        return [name for item in node.items for name in genes_in(item)]
    return [node.gene] if hasattr(node, "gene") else []


def conditions(node: Node) -> list[Condition]:
    if isinstance(node, Group):
        return [c for item in node.items for c in conditions(item)]
    return [node]


def normalise(node: Node) -> Node:
    """One tree per meaning: same-kind groups flattened, empty groups dropped, NONE of one ANY opened."""
    if not isinstance(node, Group):
        return node
    items: list[Node] = []
    for item in (normalise(i) for i in node.items):
        if isinstance(item, Group) and not item.items:
            continue
        if isinstance(item, Group) and item.kind == node.kind and node.kind != "none":
            items.extend(item.items)
        elif isinstance(item, Group) and node.kind == "none" and item.kind == "any":
            items.extend(item.items)  # NOT (a OR b) is NONE of a, b
        else:
            items.append(item)
    if node.kind != "none" and len(items) == 1:
        return items[0]  # ALL or ANY of one thing is that thing
    return Group(node.kind, tuple(items))


def root(node: Node) -> Group:
    """A rule's top is always a group (a single condition is ALL of one; no condition is everyone)."""
    node = normalise(node)
    if isinstance(node, Group):
        return node if node.items else EVERYONE
    return Group("all", (node,))


# --- canonical JSON -----------------------------------------------------------------------------------------

def _number(value) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"{value!r} is not a number")
    if value != value or value in (float("inf"), float("-inf")):
        raise RuleError(f"{value!r} is not a finite number")
    return int(value) if float(value).is_integer() else float(value)


def to_json(node: Node) -> dict:
    if isinstance(node, Group):
        return {node.kind: [to_json(i) for i in node.items]}
    if isinstance(node, Flag):
        return {"gene": node.gene}
    if isinstance(node, Compare):
        return {"gene": node.gene, "op": node.op, "value": _number(node.value)}
    if isinstance(node, Between):
        return {"gene": node.gene, "between": [_number(node.low), _number(node.high)]}
    if isinstance(node, TopPercent):
        return {"gene": node.gene, "top_percent": _number(node.percent)}
    if isinstance(node, OneOf):
        return {"gene": node.gene, "in": list(node.values)}
    if isinstance(node, EventCount):
        events = {"type": node.event_type, "days": [node.days_from, node.days_to]}
        events.update({f: getattr(node, f) for f in EVENT_FILTERS if getattr(node, f) is not None})
        return {"events": events, "op": node.op, "value": node.count}
    if isinstance(node, InSegment):
        return {"segment": node.segment}
    raise RuleError(f"not a rule node: {node!r}")


def from_json(data, _depth: int = 0) -> Node:
    """The tree for a JSON form; errors name the part that is wrong."""
    if not isinstance(data, dict):
        raise RuleError(f"a rule part must be an object, not {_short(data)}")
    kinds = [k for k in GROUP_KINDS if k in data]
    if kinds:
        if len(data) != 1 or not isinstance(data[kinds[0]], list):
            raise RuleError(f"a group holds one key (all, any or none) with a list: {_short(data)}")
        if _depth >= MAX_DEPTH:
            raise RuleError(f"the rule nests groups more than {MAX_DEPTH} levels deep: simplify it")
        return Group(kinds[0], tuple(from_json(i, _depth + 1) for i in data[kinds[0]]))
    if "segment" in data:
        return InSegment(_text(data["segment"], "segment"))
    if "events" in data:
        events = data["events"]
        if not isinstance(events, dict) or "type" not in events or "days" not in events:
            raise RuleError(f"events need a type and days [from, to]: {events!r}")
        days = events["days"]
        if not (isinstance(days, list) and len(days) == 2 and all(isinstance(d, int) and not isinstance(d, bool)
                                                                     for d in days)):
            raise RuleError(f"events days must be [from, to] whole days: {days!r}")
        unknown = set(events) - {"type", "days", *EVENT_FILTERS}
        if unknown:
            raise RuleError(f"events filter {sorted(unknown)[0]!r} is unknown; use {', '.join(EVENT_FILTERS)}")
        return event_count(_text(events["type"], "event type"), data.get("op"), data.get("value"), days[0], days[1],
                           **{f: _text(events[f], f) for f in EVENT_FILTERS if f in events})
    gene = _text(data.get("gene"), "gene")
    if "op" in data:
        return compare(gene, data["op"], data.get("value"))
    if "between" in data:
        span = data["between"]
        if not isinstance(span, list) or len(span) != 2:
            raise RuleError(f"between needs [low, high]: {span!r}")
        return between(gene, span[0], span[1])
    if "top_percent" in data:
        return top_percent(gene, data["top_percent"])
    if "in" in data:
        values = data["in"]
        if not isinstance(values, list) or not values:
            raise RuleError(f"in needs a non-empty list of values: {values!r}")
        return OneOf(gene, tuple(_text(v, "value") for v in values))
    if set(data) != {"gene"}:
        raise RuleError(f"unknown condition keys {sorted(set(data) - {'gene'})} for gene {gene!r}")
    return Flag(gene)


def _short(value) -> str:
    """A value quoted in an error message, cut short: a message is one line, not the whole input."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _text(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise RuleError(f"{what} must be non-empty text, not {value!r}")
    return value


# --- constructors that check their values (shared by the JSON and text readers) -------------------------------

def compare(gene: str, op, value) -> Compare:
    if op not in COMPARISONS:
        raise RuleError(f"comparison {op!r} on {gene} is not one of {' '.join(COMPARISONS)}")
    return Compare(gene, op, _number(value))


def between(gene: str, low, high) -> Between:
    low, high = _number(low), _number(high)
    if low > high:
        raise RuleError(f"{gene} BETWEEN {low} AND {high}: the low end is above the high end")
    return Between(gene, low, high)


def top_percent(gene: str, percent) -> TopPercent:
    percent = _number(percent)
    if not 0 < percent <= 100:
        raise RuleError(f"{gene} IN TOP {percent}%: the share must be above 0 and at most 100")
    return TopPercent(gene, percent)


def event_count(event_type: str, op, value, days_from, days_to, **filters) -> EventCount:
    if op not in COMPARISONS:
        raise RuleError(f"comparison {op!r} on COUNT({event_type}) is not one of {' '.join(COMPARISONS)}")
    count = _number(value)
    if not isinstance(count, int) or count < 0:
        raise RuleError(f"COUNT({event_type}) compares with a whole number of events, not {value!r}")
    if not (isinstance(days_from, int) and isinstance(days_to, int)) or not 0 <= days_from <= days_to:
        raise RuleError(f"COUNT({event_type}): the window {days_from} TO {days_to} days ago must run from "
                        f"the nearer day to the farther, both 0 or more")
    return EventCount(event_type, op, count, days_from, days_to, **filters)
