"""A rule written as a program for `genome.segments.kernels`, over the index's one-byte columns.

Numbers are read through one-byte quantile codes (`Quantized`): a condition
such as "spend_90d >= 120" becomes "code above 37 is yes, code 37 is maybe,
below is no", from the smallest and largest value each code holds. Only the
rows in a bucket that straddles the threshold are compared exactly, so a
number costs one byte per customer to scan, not eight, and answers the same.
"""

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np

from genome.segments.kernels import AND, BITS, CONST, FLAG, IN, MISSING, NOT, OR, PRESENT, RANGE
from genome.segments.rules import Between, Compare, EventCount, Flag, Group, InSegment, OneOf, RuleError, TopPercent

# columns from Arrow are read-only views: the compiled loops only read them
READ_ONLY_BYTES = numba.types.Array(numba.uint8, 1, "C", readonly=True)
LEVELS = 255  # codes 0..254 for values (at most 254 quantile edges), 255 for missing
LOW_END, HIGH_END = 1, 2

# comparison -> (low, high, which ends count), for a threshold t
_INTERVALS: dict[str, Callable[[float], tuple[float, float, int]]] = {
    ">=": lambda t: (t, math.inf, LOW_END | HIGH_END), ">": lambda t: (t, math.inf, HIGH_END),
    "<=": lambda t: (-math.inf, t, LOW_END | HIGH_END), "<": lambda t: (-math.inf, t, LOW_END),
    "=": lambda t: (t, t, LOW_END | HIGH_END),
}
COUNT_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "=": operator.eq,
             "!=": operator.ne}


@dataclass(frozen=True)
class Quantized:
    """A number column as one-byte codes: code k holds the values in [edges[k-1], edges[k])."""

    codes: np.ndarray  # uint8, MISSING where the value is missing
    low: np.ndarray  # per code, the smallest value it holds (inf when it holds none)
    high: np.ndarray  # per code, the largest (-inf when none)

    @classmethod
    def of(cls, values: np.ndarray) -> "Quantized":
        missing = np.isnan(values)
        known = np.sort(values[~missing])
        edges = np.unique(known[(np.arange(1, LEVELS) * known.size) // LEVELS]) if known.size else known
        codes = np.searchsorted(edges, values, side="right").astype(np.uint8)
        codes[missing] = MISSING
        starts = np.concatenate([[0], np.searchsorted(known, edges, side="left")])
        stops = np.concatenate([np.searchsorted(known, edges, side="left"), [known.size]])
        held = stops > starts
        low = np.full(len(starts), np.inf)
        high = np.full(len(starts), -np.inf)
        low[held], high[held] = known[starts[held]], known[stops[held] - 1]
        return cls(codes, low, high)

    def code_ranges(self, low: float, high: float, ends: int) -> tuple[int, int, int, int]:
        """Codes that may hold a value in the interval, and codes that hold only such values: (first, last) each,
        first > last when there are none. Both are runs of codes, because codes follow the values' order."""
        def above(x):
            return (x > low) | ((ends & LOW_END) != 0) & (x == low)

        def below(x):
            return (x < high) | ((ends & HIGH_END) != 0) & (x == high)

        held = self.low <= self.high
        may = np.flatnonzero(held & above(self.high) & below(self.low))
        sure = np.flatnonzero(held & above(self.low) & below(self.high))
        return (*_run(may), *_run(sure))


def _run(codes: np.ndarray) -> tuple[int, int]:
    return (int(codes[0]), int(codes[-1])) if codes.size else (1, 0)


@dataclass
class Program:
    ops: list[list[int]] = field(default_factory=list)
    bounds: list[tuple[float, float]] = field(default_factory=list)
    sets: list[int] = field(default_factory=list)
    codes: list[np.ndarray] = field(default_factory=list)
    numbers: list[np.ndarray] = field(default_factory=list)
    depth: int = 0
    _height: int = 0

    def emit(self, op: int, *args: int, bounds: tuple[float, float] = (0.0, 0.0)) -> None:
        self.ops.append([op, *args, *[0] * (7 - len(args))])
        self.bounds.append(bounds)
        self._height += -1 if op in (AND, OR) else 0 if op == NOT else 1
        self.depth = max(self.depth, self._height)

    def column(self, codes: np.ndarray) -> int:
        for i, known in enumerate(self.codes):
            if known is codes:
                return i
        self.codes.append(np.ascontiguousarray(codes))
        return len(self.codes) - 1

    def number(self, values: np.ndarray) -> int:
        for i, known in enumerate(self.numbers):
            if known is values:
                return i
        self.numbers.append(np.ascontiguousarray(values, dtype=np.float64))
        return len(self.numbers) - 1

    def arrays(self) -> tuple:
        """What `kernels.run` takes, in its order (after the size)."""
        codes = numba.typed.List.empty_list(READ_ONLY_BYTES)
        for c in self.codes:
            codes.append(c)
        numbers = numba.typed.List.empty_list(numba.types.Array(numba.float64, 1, "C", readonly=True))
        for n in self.numbers or [np.zeros(1)]:  # a typed list needs an element type even when unused
            numbers.append(n)
        return (np.asarray(self.ops, dtype=np.int64).reshape(-1, 8), np.asarray(self.bounds, dtype=np.float64),
                np.asarray(self.sets or [0], dtype=np.int64), codes, numbers)


def write(index, node, members) -> Program:
    """The program for `node` over `index`'s columns (`members` answers saved segments)."""
    program = Program()
    _write(index, node, members, program)
    return program


def _write(index, node, members, program: Program) -> None:
    if isinstance(node, Group):
        if not node.items:
            program.emit(CONST, 0 if node.kind == "any" else 3)
            return
        for i, item in enumerate(node.items):
            _write(index, item, members, program)
            if i:
                program.emit(AND if node.kind == "all" else OR)
        if node.kind == "none":
            program.emit(NOT)
        return
    if isinstance(node, Flag):
        program.emit(BITS, program.column(index.packed(node.gene)))
    elif isinstance(node, Compare):
        if node.op == "!=":  # not equal, and known: missing values are never "not equal"
            _range(index, node.gene, _INTERVALS["="](float(node.value)), program)
            program.emit(NOT)
            program.emit(PRESENT, program.column(index.quantized(node.gene).codes))
            program.emit(AND)
        else:
            _range(index, node.gene, _INTERVALS[node.op](float(node.value)), program)
    elif isinstance(node, Between):
        _range(index, node.gene, (float(node.low), float(node.high), LOW_END | HIGH_END), program)
    elif isinstance(node, TopPercent):
        _range(index, node.gene, _INTERVALS[">="](index.top_threshold(node.gene, node.percent)), program)
    elif isinstance(node, OneOf):
        category = index.column(node.gene)
        wanted = np.flatnonzero(np.isin(category.values, list(node.values)))
        small = index.small_codes(node.gene)
        if small is not None:
            program.emit(IN, program.column(small), len(program.sets), len(wanted))
            program.sets.extend(int(c) for c in wanted)
        else:  # more values than one byte holds: a lookup per customer, as a mask
            table = np.zeros(len(category.values) + 1, dtype=bool)  # code -1 -> last -> False
            table[wanted] = True
            program.emit(FLAG, program.column(table[category.codes].view(np.uint8)))
    elif isinstance(node, EventCount):
        hits = COUNT_OPS[node.op](index.event_counts(node), node.count)
        program.emit(FLAG, program.column(hits.view(np.uint8)))
    elif isinstance(node, InSegment):
        table = members(node.segment) if members else None
        if table is None:
            raise RuleError(f"unknown segment {node.segment!r}: save it before using it in another segment")
        mask = np.zeros(index.size, dtype=np.uint8)
        mask[index.positions(table.column("customer_id").to_numpy(zero_copy_only=False))] = 1
        program.emit(FLAG, program.column(mask))
    else:
        raise RuleError(f"not a rule node: {node!r}")


def _range(index, gene: str, interval: tuple[float, float, int], program: Program) -> None:
    low, high, ends = interval
    quantized = index.quantized(gene)
    may_first, may_last, sure_first, sure_last = quantized.code_ranges(low, high, ends)
    program.emit(RANGE, program.column(quantized.codes), program.number(index.column(gene)),
                 may_first, may_last, sure_first, sure_last, ends, bounds=(low, high))
