"""What a gene is: a named, typed, explainable definition held as data.

A gene's `expression` is plain SQL: an aggregate over its family's events for
event genes, or an expression over other genes for derived ones. Definitions
are portable (no DuckDB-only syntax beyond FILTER clauses) so the catalog can
be compiled for a warehouse when one machine is not enough.
"""

import hashlib
import re
from dataclasses import dataclass, field
from typing import Literal

from genome.errors import InputError
from genome.genes.labels import label_for

GeneType = Literal["flag", "number", "category"]
GENE_TYPES = ("flag", "number", "category")
# Sensitive genes are labelled wherever they are shown, and need a reason to use.
SENSITIVITIES = ("children", "pregnancy", "health", "alcohol_tobacco", "religion", "life_event", "inferred",
                 "financial", "demographic")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class GeneDefinitionError(InputError):
    """A gene definition that cannot be compiled; the message names the gene and field."""


@dataclass(frozen=True)
class Evidence:
    """Which of a customer's events support a gene, in words and as a filter.

    `where` is a SQL condition over the event relation (`_ev` columns) built
    from constants; `noun` names one such event ("running_shoes purchases").
    """

    where: str
    noun: str


@dataclass(frozen=True)
class Gene:
    name: str
    family: str
    description: str
    type: GeneType
    expression: str
    unit: str | None = None
    source: str = "events"
    sensitivity: str | None = None
    owner: str = "genome"
    version: int = 1
    evidence: Evidence | None = None
    # Derived genes name the genes they combine, to explain themselves through them.
    inputs: tuple[str, ...] = field(default=())
    # Value for a customer with no events in the family (NULL unless said; flags are false).
    fill: str | None = None
    # What people read beside the name ("Weekend runner"); from `genome.genes.labels` unless the family says.
    label: str | None = None

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise GeneDefinitionError(f"gene name {self.name!r}: use snake_case letters, digits and _")
        if self.type not in GENE_TYPES:
            raise GeneDefinitionError(f"gene {self.name}: type {self.type!r} is not one of {GENE_TYPES}")
        if self.sensitivity is not None and self.sensitivity not in SENSITIVITIES:
            raise GeneDefinitionError(f"gene {self.name}: sensitivity {self.sensitivity!r} is unknown")
        if not self.description.strip():
            raise GeneDefinitionError(f"gene {self.name}: description is empty")
        if not self.label:
            object.__setattr__(self, "label", label_for(self.name))

    @property
    def fill_sql(self) -> str | None:
        return "false" if self.type == "flag" and self.fill is None else self.fill

    @property
    def derived(self) -> bool:
        return self.source == "genes"


def sql_literal(value: str) -> str:
    """A SQL string literal for a value discovered in the data (a category, a city).

    Values from the data become part of gene definitions, so they are quoted
    here, once, rather than trusted.
    """
    return "'" + str(value).replace("'", "''") + "'"


def merge_key(value: str) -> str:
    """What two spellings of one value share: "Running Shoes", "running_shoes" and " RUNNING-SHOES" are one."""
    return re.sub(r"[^a-z0-9]+", "_", str(value).lower()).strip("_")


def spelling_key(value: str) -> str:
    """What spellings of one product category share, for merging them: the `merge_key` without its word breaks
    or a plural s at the end ("BABY FOODS" and "BABYFOOD", "CHEESE" and "CHEESES"). The last word keeps an s
    after another s ("GLASS"), when it has three letters ("GAS") or when it holds a digit. Letters outside a-z
    break words like punctuation, so "Crème" and "Crme" are one. Names are still made by `slug`, from the
    value kept."""
    words = merge_key(value).split("_")
    last = words[-1]
    if len(last) > 3 and last.isalpha() and last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return "".join(words[:-1]) + last


def slug(value: str) -> str:
    """A snake_case fragment for a gene name from a value found in the data.

    Always a valid part of a name whatever the value: it starts with a
    letter ("7up" -> "n7up"), and a long value keeps its first 25 characters
    and a short hash of the rest, so two long values never share a name.
    """
    text = merge_key(value)
    if not text:
        text = "v_" + hashlib.md5(str(value).encode("utf-8")).hexdigest()[:6]
    if not text[0].isalpha():
        text = "n" + text
    if len(text) > 30:
        text = text[:25].rstrip("_") + "_" + hashlib.md5(text.encode("utf-8")).hexdigest()[:4]
    return text


def rounded(expression: str, places: int) -> str:
    """`expression` rounded to `places` decimals, half away from zero, as a decimal number.

    Gene values are ratios and sums of cents: 17/160 is 0.10625 exactly, but the double holding it sits a
    hair below, so rounding the double gives 0.1062 on one engine and 0.1063 on another (and a sum of cents
    can land either side of a half cent depending on the order it was added in). Read at ten decimals first,
    the value is the exact one, and every engine rounds it the same way. A value no decimal holds (NaN) is NULL.
    """
    return f"CAST(round(TRY_CAST({expression} AS DECIMAL(38, 10)), {places}) AS DOUBLE)"


def decimal_rounds(expression: str) -> str:
    """Every `round(x, n)` in a gene's SQL as `rounded(x, n)`, so gene authors write plain SQL."""
    out, at = [], 0
    while (start := expression.find("round(", at)) >= 0:
        if start and (expression[start - 1].isalnum() or expression[start - 1] == "_"):
            out.append(expression[at:start + 6])
            at = start + 6
            continue
        close = _closing(expression, start + 5)
        inner, depth, comma = expression[start + 6:close], 0, -1
        for i, ch in enumerate(inner):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if ch == "," and depth == 0:
                comma = i
        if comma < 0 or not inner[comma + 1:].strip().isdigit():
            raise GeneDefinitionError(f"round() in a gene needs its decimal places: {expression!r}")
        out += [expression[at:start], rounded(decimal_rounds(inner[:comma]), int(inner[comma + 1:]))]
        at = close + 1
    return "".join(out) + expression[at:]


def _closing(text: str, opening: int) -> int:
    """Index of the parenthesis closing the one at `opening`."""
    depth = 0
    for i in range(opening, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    raise GeneDefinitionError(f"unbalanced parentheses in {text!r}")


def case_filters(expression: str) -> str:
    """`agg(x) FILTER (WHERE c)` as `agg(CASE WHEN c THEN x END)`.

    Both are standard SQL with the same meaning; DuckDB runs the CASE form
    several times faster when a query holds dozens of filtered aggregates.
    arg_max keeps its FILTER: a NULL value would still compete on its key.
    """
    marker = " FILTER (WHERE "
    while True:
        at = expression.find(marker)
        if at < 0:
            return expression
        close_arg = at - 1
        depth, open_arg = 0, close_arg
        while open_arg >= 0:
            depth += {")": 1, "(": -1}.get(expression[open_arg], 0)
            if depth == 0:
                break
            open_arg -= 1
        start = open_arg
        while start > 0 and (expression[start - 1].isalnum() or expression[start - 1] == "_"):
            start -= 1
        function = expression[start:open_arg]
        if function == "arg_max":
            head, tail = expression[:at + len(marker)], expression[at + len(marker):]
            return head + case_filters(tail)
        condition_end = _closing(expression, at + len(" FILTER "))
        condition = expression[at + len(marker):condition_end]
        argument = expression[open_arg + 1:close_arg]
        distinct = argument.startswith("DISTINCT ")
        value = "1" if argument == "*" else argument.removeprefix("DISTINCT ")
        rewritten = f"{function}({'DISTINCT ' if distinct else ''}CASE WHEN {condition} THEN {value} END)"
        expression = expression[:start] + rewritten + expression[condition_end + 1:]
