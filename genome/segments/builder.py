"""The drag-and-drop builder's shape of a rule: named containers of labelled conditions.

The marketer sees containers: "Must have all", "Any of", "Exclude", and
groups added one level deeper ("Group 1", each ALL, ANY or NONE of its own
items). Each item is a label (the gene name, made unique with " #2" when a
gene is used twice) standing for one condition. This module turns that shape
into a rule and back; a rule nested deeper than the builder shows is edited
as text instead.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from genome.segments.rules import (
    EVERYONE,
    Between,
    Compare,
    Condition,
    EventCount,
    Flag,
    Group,
    InSegment,
    Node,
    OneOf,
    RuleError,
    TopPercent,
    from_json,
    root,
    to_json,
)
from genome.segments.text import condition_text

MUST, ANY, EXCLUDE = "Must have all", "Any of", "Exclude"
FIXED = (MUST, ANY, EXCLUDE)
GROUP_PREFIX = "Group "


class NotBuildable(RuleError):
    """A rule the containers cannot show (nested deeper than one group)."""


@dataclass
class Builder:
    """What the containers hold. `conditions` maps each item label to its condition (JSON form)."""

    containers: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in FIXED})
    conditions: dict[str, dict] = field(default_factory=dict)
    group_kinds: dict[str, str] = field(default_factory=dict)  # "Group 1" -> all / any / none
    # a rule nested deeper than the containers show, held as its JSON form and edited as text
    expert: dict | None = None

    def add_group(self, kind: str = "any") -> str:
        number = 1 + max([int(g.removeprefix(GROUP_PREFIX)) for g in self.group_kinds] or [0])
        name = f"{GROUP_PREFIX}{number}"
        self.containers[name] = []
        self.group_kinds[name] = kind
        return name

    def remove_group(self, name: str) -> None:
        for label in self.containers.pop(name, []):
            self.conditions.pop(label, None)
        self.group_kinds.pop(name, None)

    def label_for(self, base: str) -> str:
        used = {label for items in self.containers.values() for label in items}
        if base not in used:
            return base
        n = 2
        while f"{base} #{n}" in used:
            n += 1
        return f"{base} #{n}"

    def add(self, container: str, condition: Condition, base: str | None = None) -> str:
        if container not in self.containers:
            raise RuleError(f"no container named {container!r}")
        label = self.label_for(base or _base_label(condition))
        self.containers[container].append(label)
        self.conditions[label] = to_json(condition)
        return label

    def remove(self, label: str) -> None:
        for items in self.containers.values():
            if label in items:
                items.remove(label)
        self.conditions.pop(label, None)

    def arrange(self, containers: dict[str, list[str]], known: set[str]) -> list[str]:
        """Adopt a drag result; items dragged in from the palette (gene names) are returned to be configured."""
        arrived = []
        for name in list(self.containers):
            items = containers.get(name, [])
            for label in items:
                if label not in self.conditions and label in known:
                    arrived.append(label)
            self.containers[name] = [label for label in items if label in self.conditions or label in known]
        placed = {label for items in self.containers.values() for label in items}
        for label in list(self.conditions):
            if label not in placed:
                del self.conditions[label]  # dragged back to the palette
        return arrived

    def condition(self, label: str) -> Condition:
        return from_json(self.conditions[label])

    def set_condition(self, label: str, condition: Condition) -> None:
        self.conditions[label] = to_json(condition)

    def rule(self) -> Group:
        if self.expert is not None:
            return root(from_json(self.expert))
        items: list[Node] = [self.condition(label) for label in self.containers[MUST]]
        if self.containers[ANY]:
            items.append(Group("any", tuple(self.condition(label) for label in self.containers[ANY])))
        if self.containers[EXCLUDE]:
            items.append(Group("none", tuple(self.condition(label) for label in self.containers[EXCLUDE])))
        for name, kind in self.group_kinds.items():
            if self.containers.get(name):
                items.append(Group(kind, tuple(self.condition(label) for label in self.containers[name])))
        return root(Group("all", tuple(items)))


def _base_label(condition: Condition) -> str:
    if isinstance(condition, EventCount):
        return condition_text(condition)
    if isinstance(condition, InSegment):
        return f"segment: {condition.segment}"
    return condition.gene


def for_rule(rule: Node) -> Builder:
    """The containers showing `rule`, or, for a rule nested deeper than they show, the rule held as text."""
    try:
        return from_rule(rule)
    except NotBuildable:
        return Builder(expert=to_json(root(rule)))


def from_rule(rule: Node) -> Builder:
    """The containers showing `rule`; NotBuildable when it is nested deeper than one group."""
    rule = root(rule)
    builder = Builder()
    if rule == EVERYONE:
        return builder
    top = rule if rule.kind == "all" else Group("all", (rule,))
    for item in top.items:
        if not isinstance(item, Group):
            builder.add(MUST, item)
            continue
        if any(isinstance(i, Group) for i in item.items):
            raise NotBuildable("this rule nests groups deeper than the builder shows: edit it as text")
        target = {"any": ANY, "none": EXCLUDE}.get(item.kind)
        if target is None or builder.containers[target]:
            target = builder.add_group(item.kind)
        for condition in item.items:
            builder.add(target, condition)
    return builder


def palette(ranked: list[tuple[str, str]], placed: set[str], *, size: int) -> list[tuple[str, list[str]]]:
    """The genes to offer for dragging, grouped by family.

    `ranked` is (gene, family) best match first; the first `size` genes not yet
    placed are offered, and families come in the order of their best match so
    the closest gene is always in the first group.
    """
    groups: dict[str, list[str]] = {}
    offered = [(gene, family) for gene, family in ranked if gene not in placed][:size]
    for gene, family in offered:
        groups.setdefault(family, []).append(gene)
    return list(groups.items())


def default_condition(gene: str, kind: str, values) -> Condition:
    """What a gene means when first dropped: the flag, at least the median carrier's value, or the commonest value."""
    if kind == "flag":
        return Flag(gene)
    if kind == "number":
        known = values[~np.isnan(values)]
        carriers = known[known > 0]  # most counts are 0 for most customers: ">= 0" would select everyone
        median = float(np.median(carriers if len(carriers) else known)) if len(known) else 0.0
        # two decimals, but two significant digits below 1: a churn risk's median of 0.004 rounded to 0.00 or 0.01
        # would select everyone or nearly nobody
        value = round(median, 2) if abs(median) >= 1 else float(f"{median:.2g}")
        return Compare(gene, ">=", value)
    codes = values.codes[values.codes >= 0]
    if len(codes) == 0:
        raise RuleError(f"{gene} has no values to match yet")
    return OneOf(gene, (str(values.values[np.bincount(codes).argmax()]),))


SEPARATOR = " · "


def shown_as(label: str, labels: dict[str, str]) -> str:
    """What the drag component shows for an item: the gene's label for people, then its name
    ("Weekend shopper · weekend_shopper #2"); event windows and saved segments read as they are."""
    gene = label.split(" #")[0]
    human = labels.get(gene)
    return f"{human}{SEPARATOR}{label}" if human else label



# How a numeric condition is set: the marketer's three modes.
MODES = ("at least / at most", "between", "top %")


def condition_from_inputs(condition: Condition, value_of: Callable[[str, object], object]) -> Condition | None:
    """The condition the marketer's inputs describe, or None when they describe none yet (no value picked, a
    range running backwards). `value_of(part, default)` reads one input ("mode", "op", "value", "low",
    "high", "top", "values"), `default` when it is not there; the page's widgets show the same defaults."""
    if isinstance(condition, (Compare, Between, TopPercent)):
        mode = value_of("mode", MODES[{Compare: 0, Between: 1, TopPercent: 2}[type(condition)]])
        if mode == MODES[0]:
            op = value_of("op", condition.op if isinstance(condition, Compare) else ">=")
            return Compare(condition.gene, op, float(value_of("value", float(getattr(condition, "value", 0.0)))))
        if mode == MODES[1]:
            low = float(value_of("low", float(getattr(condition, "low", 0.0))))
            high = float(value_of("high", float(getattr(condition, "high", max(low, 0.0)))))
            return Between(condition.gene, low, high) if low <= high else None
        return TopPercent(condition.gene, float(value_of("top", float(getattr(condition, "percent", 10.0)))))
    if isinstance(condition, OneOf):
        picked = value_of("values", list(condition.values))
        return OneOf(condition.gene, tuple(picked)) if picked else None
    return condition


# Examples of rules written as text, shown beside the text box; each is offered only when the store holds every
# gene it names, so a grocer is not shown the demo's running shoes.
FAVOURITE = "favourite_category"  # the gene whose commonest value names the event-window example's category
RULE_EXAMPLES = ("weekend_shopper AND clv_12m >= 200 AND NOT lapsed_90d",
                 "(bargain_hunter OR coupon_user) AND clv_tier IN ('top', 'high')")


def rule_examples(genes: dict[str, str], favourite=None) -> list[str]:
    """Text rules that read this store's genes; with the favourite-category column (a `GenomeIndex` category:
    codes, -1 when missing, into values), an event-window rule on the commonest favourite category."""
    from genome.segments.rules import genes_in
    from genome.segments.text import parse

    examples = [text for text in RULE_EXAMPLES if set(genes_in(parse(text))) <= set(genes)]
    known = favourite.codes[favourite.codes >= 0] if favourite is not None else np.empty(0, dtype=np.int32)
    if known.size:
        commonest = str(favourite.values[int(np.bincount(known).argmax())])
        # an example is help text: a name with markup characters in it ("![x](…)") is not offered as one
        if re.fullmatch(r"[\w &/,.'+-]+", commonest):
            examples.append(condition_text(EventCount("purchase", ">=", 2, 0, 30, commonest, None)))
    return examples
