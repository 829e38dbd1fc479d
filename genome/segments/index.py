"""The genome held in memory as columns, so a preview answers while the marketer drags.

Flag genes are boolean columns (missing = false), numeric genes float columns
(missing = NaN), category genes integer codes (missing = -1); a column is
fetched from DuckDB the first time a rule needs it and kept. The value gene
(`clv_12m`) is pre-binned once for the histogram. A rule runs as a compiled
program over one-byte columns (flags, category codes, and numbers as quantile
codes: `genome.segments.program`), block by block on both cores, so a
five-condition preview reads about one byte per customer per condition: some
fifty megabytes at ten million customers.

It answers exactly what the SQL path (`genome.segments.audience`) answers:
the same two-valued conditions, the same top-N-% edge (DuckDB's
`quantile_disc`), the same event windows, the same stored memberships.
Tests hold the two paths to the same counts.
"""

import math
import re
import threading
from dataclasses import dataclass

import duckdb
import numba
import numpy as np
import pyarrow as pa

from genome.genes.catalog import catalog_relation
from genome.segments.audience import Genome, genome
from genome.segments.builder import FAVOURITE, rule_examples
from genome.segments.compile import Members, check
from genome.segments.figures import VALUE_BINS, VALUE_GENE, bin_codes, value_edges
from genome.segments.kernels import MISSING, block_sums, run, workers
from genome.segments.program import READ_ONLY_BYTES, Quantized, write
from genome.segments.rules import EventCount, Flag, Group, InSegment, Node, conditions, root

FIGURES_KEPT = 4  # masks whose figures are kept: the builder's preview asks for the mask it just made
PROGRAMS_KEPT = 256  # rules' programs kept per index (each a few hundred bytes and references to columns)


@dataclass(frozen=True)
class Category:
    codes: np.ndarray  # int32, -1 where missing
    values: np.ndarray  # object array of the distinct values


class GenomeIndex:
    """Columns of one genome build, in customer order, for previews.

    The DuckDB connection is kept to fetch further columns and to count
    events for window conditions; the index belongs to the build it was
    loaded from (`as_of`), so callers reload it when the genome is rebuilt.

    One index serves every session of the app at once: each query runs on a
    cursor of its own (a DuckDB connection serves one thread at a time), and
    what is computed once and kept is computed under the index's lock.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, base: Genome | None = None):
        self.con = con
        self._lock = threading.RLock()  # guards what is computed once and kept
        self.base = base or genome(con)
        ids = self._fetch("customer_id")
        self.customer_ids = np.asarray(ids.to_numpy(zero_copy_only=False), dtype=str)
        self.size = len(self.customer_ids)
        self._order = np.argsort(self.customer_ids, kind="stable")
        self._columns: dict[object, object] = {}  # gene -> values; (kind, gene) -> codes made from them
        self._programs: list[tuple] = []  # the kept programs' keys, oldest first
        self._figures: list[tuple] = []  # (mask, sums base, figures) of the masks made last, newest first
        self._events: dict[EventCount, np.ndarray] = {}
        self._thresholds: dict[tuple[str, float], float] = {}
        self.derived: dict[str, object] = {}  # what other modules compute once per index (reach masks)
        value = self.column(VALUE_GENE) if self.base.genes.get(VALUE_GENE) == "number" else np.zeros(self.size)
        self.value = np.nan_to_num(value)
        self.value_edges = value_edges(float(np.min(self.value)), float(np.quantile(self.value, 0.95)), VALUE_BINS) \
            if self.size else value_edges(0.0, 1.0, VALUE_BINS)
        self.value_codes = bin_codes(self.value, self.value_edges)
        self.base_histogram = np.bincount(self.value_codes, minlength=len(self.value_edges) - 1)

    # --- the catalog, for finding genes ------------------------------------------------------------------------

    @property
    def catalog(self) -> list[tuple[str, str, str, str, float]]:
        """(name, label, family, description, coverage) of every gene, most covered first; read once."""
        with self._lock:
            if "catalog" not in self.derived:
                table = self.query(f"SELECT name, family, description, coverage FROM {catalog_relation(self.con.cursor())} "
                                   "WHERE published ORDER BY coverage DESC, name")
                self.derived["catalog"] = [
                    (name, self.base.label(name), family, description or "", coverage)
                    for name, family, description, coverage in zip(*(table.column(c).to_pylist() for c in (
                        "name", "family", "description", "coverage")))]
            return self.derived["catalog"]

    @property
    def units(self) -> dict[str, str]:
        """Each number gene's unit (USD, share, days...), as the catalog names it; read once."""
        with self._lock:
            if "units" not in self.derived:
                table = self.query(f"SELECT name, unit FROM {catalog_relation(self.con.cursor())} "
                                   "WHERE unit IS NOT NULL")
                self.derived["units"] = dict(zip(*(table.column(c).to_pylist() for c in ("name", "unit"))))
            return self.derived["units"]

    @property
    def rule_examples(self) -> list[str]:
        """Text rules that read this genome's own genes (`builder.rule_examples`); worked out once, not at every
        rerun of the builder."""
        with self._lock:
            if "rule_examples" not in self.derived:
                favourite = self._load(FAVOURITE) if self.base.genes.get(FAVOURITE) == "category" else None
                self.derived["rule_examples"] = rule_examples(self.base.genes, favourite)
            return self.derived["rule_examples"]

    def families(self) -> list[str]:
        return sorted({family for _, _, family, _, _ in self.catalog})

    def family_of(self, gene: str) -> str:
        return self._families().get(gene, "")

    def _families(self) -> dict[str, str]:
        with self._lock:
            if "families" not in self.derived:
                self.derived["families"] = {name: family for name, _, family, _, _ in self.catalog}
            return self.derived["families"]

    def find_genes(self, search: str = "", *, family: str | None = None) -> list[str]:
        """Genes whose name, label or description holds every word searched: the exact name first, then names
        starting with the search, names holding it, and the rest, each by coverage."""
        words = search.lower().split()
        term = "_".join(words)
        found = [(name, label) for name, label, fam, description, _ in self.catalog
                 if (family is None or fam == family)
                 and all(w in name or w in label.lower() or w in description.lower() for w in words)]
        if not term:
            return [name for name, _ in found]
        return [name for name, label in sorted(found, key=lambda g: (
            g[0] != term and g[1].lower() != search.strip().lower(), not g[0].startswith(term), term not in g[0]))]

    # --- columns ---------------------------------------------------------------------------------------------

    def query(self, sql: str, params: dict | None = None) -> pa.Table:
        """Run `sql` on a cursor of its own, so sessions on other threads can query at the same time."""
        cursor = self.con.cursor()
        try:
            return cursor.sql(sql, params=params).to_arrow_table()
        finally:
            cursor.close()

    def _fetch(self, name: str) -> pa.ChunkedArray:
        # a table scan returns rows in insertion order, so every column lines up with customer_ids
        return self.query(f'SELECT "{name}" FROM customer_genes').column(0)

    def column(self, name: str):
        """The gene's values in customer order (bool, float or Category)."""
        if name in self._columns:
            return self._columns[name]
        with self._lock:
            return self._load(name)

    def _load(self, name: str):
        if name in self._columns:
            return self._columns[name]
        kind = self.base.genes.get(name)
        if kind is None:
            check(Group("all", (Flag(name),)), self.base.genes)  # raises the named error
        data = self._fetch(name)
        if kind == "flag":
            values = _flag(data)
        elif kind == "number":
            values = data.cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)
        else:
            encoded = data.cast(pa.string()).dictionary_encode().combine_chunks()
            codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
            values = Category(codes, np.asarray(encoded.dictionary.to_pylist(), dtype=object))
        self._columns[name] = values
        return values

    def flag_bits(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every flag gene as packed bits (one row of bits per gene) and its carrier count, kept with the index.

        Loaded in one pass the first time it is asked for (the lift table):
        a genome holds hundreds of flags, and one bit per customer keeps a
        million customers' flags in about 80 MB where boolean columns would
        take eight times that.
        """
        with self._lock:
            if "flag_bits" not in self.derived:
                names = [name for name, kind in self.base.genes.items()
                         if kind == "flag" and name in self.base.published]
                bits = np.zeros((len(names), (self.size + 7) // 8), dtype=np.uint8)
                for start in range(0, len(names), 64):  # a slice of columns at a time bounds the Arrow copy
                    chunk = names[start:start + 64]
                    table = self.query("SELECT " + ", ".join(f'"{n}"' for n in chunk)  # names from the catalog
                                       + " FROM customer_genes")
                    for i, name in enumerate(chunk):
                        bits[start + i] = np.packbits(_flag(table.column(name)))
                self.derived["flag_bits"] = names, bits, np.bitwise_count(bits).sum(axis=1, dtype=np.int64)
            return self.derived["flag_bits"]

    def positions(self, customer_ids) -> np.ndarray:
        """Row positions of the given customer ids (ids not in the genome are left out)."""
        return self.locate(customer_ids)[0]

    def locate(self, customer_ids) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the ids found in the genome, and which of the given ids were found."""
        ids = np.asarray(customer_ids, dtype=str)
        if self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(len(ids), dtype=bool)
        # searched through the sort order rather than a sorted copy: ten million ids take half a gigabyte
        at = self._order[np.clip(np.searchsorted(self.customer_ids, ids, sorter=self._order), 0, self.size - 1)]
        found = self.customer_ids[at] == ids
        return at[found], found

    # --- rules -------------------------------------------------------------------------------------------------

    def mask(self, rule: Node, *, members: Members | None = None) -> np.ndarray:
        """Who the rule selects, as a boolean mask in customer order."""
        rule = root(rule)
        check(rule, self.base.genes)
        arrays, depth = self._program(rule, members)
        base = self.sums_base()
        out = np.empty(self.size, dtype=np.uint8)  # every byte is written
        figures = run(*arrays, self.size, depth, out, workers(), self.value_codes, len(self.base_histogram),
                      self.value, base[1], base[2])
        mask = out.view(bool)
        mask.flags.writeable = False  # the figures kept with it stay true
        with self._lock:
            self._figures = [(mask, base, figures), *self._figures[:FIGURES_KEPT - 1]]
        return mask

    def figures_of(self, mask: np.ndarray) -> tuple | None:
        """The figures summed while `mask` was made (count, histogram, sum, sum of squares, reach per channel) and
        the sums base they used, when this index made it recently; None otherwise."""
        with self._lock:
            for kept, base, figures in self._figures:
                if kept is mask:
                    return base, figures
        return None

    def sums_base(self, reach: dict[str, np.ndarray] | None = None) -> tuple:
        """(reach labels, reach masks as packed bits, everyone's sums per block) for the compiled sums.

        The preview passes its reach masks (the same for the life of an index);
        from then on every mask made here is summed with them, and before that
        without any."""
        with self._lock:
            if reach is not None and "sums_base" not in self.derived:
                self.derived["sums_base"] = self._sums_base(reach)
            if "sums_base" in self.derived:
                return self.derived["sums_base"]
            if "plain_sums_base" not in self.derived:
                self.derived["plain_sums_base"] = self._sums_base({})
            return self.derived["plain_sums_base"]

    def _sums_base(self, reach: dict[str, np.ndarray]) -> tuple:
        bits = numba.typed.List.empty_list(READ_ONLY_BYTES)
        for m in reach.values():
            bits.append(np.packbits(m, bitorder="little"))
        return list(reach), bits, block_sums(self.value_codes, len(self.base_histogram), self.value, bits, self.size)

    def _program(self, rule: Node, members: Members | None) -> tuple[tuple, int]:
        """The rule's program and its stack depth, kept for rules that name no saved segment (a segment's members
        can change; everything else a program reads belongs to this index): the builder redraws one rule often."""
        key = ("program", rule)
        if key in self._columns:
            return self._columns[key]
        program = write(self, rule, members)
        found = program.arrays(), program.depth
        if not any(isinstance(node, InSegment) for node in conditions(rule)):
            with self._lock:
                if len(self._programs) >= PROGRAMS_KEPT:
                    self._columns.pop(self._programs.pop(0), None)
                self._programs.append(key)
                self._columns[key] = found
        return found

    def quantized(self, gene: str) -> Quantized:
        """A number gene's one-byte quantile codes (worked out the first time a rule compares it, then kept)."""
        key = ("quantized", gene)
        if key not in self._columns:
            with self._lock:
                if key not in self._columns:
                    self._columns[key] = Quantized.of(self.column(gene))
        return self._columns[key]

    def packed(self, gene: str) -> np.ndarray:
        """A flag gene as packed bits, eight customers a byte, lowest bit first (made once, then kept)."""
        key = ("packed", gene)
        if key not in self._columns:
            with self._lock:
                if key not in self._columns:
                    self._columns[key] = np.packbits(self.column(gene), bitorder="little")
        return self._columns[key]

    def small_codes(self, gene: str) -> np.ndarray | None:
        """A category gene's codes in one byte (missing = 255), or None when it has more values than that holds."""
        key = ("small", gene)
        if key not in self._columns:
            with self._lock:
                if key not in self._columns:
                    category = self.column(gene)
                    self._columns[key] = np.where(category.codes < 0, MISSING, category.codes).astype(np.uint8) \
                        if len(category.values) < MISSING else None
        return self._columns[key]

    def memory(self) -> int:
        """Bytes held by the loaded columns, their codes and the kept event counts."""
        with self._lock:
            kept = list(self._columns.values())
        arrays = [v for v in kept if isinstance(v, np.ndarray)]
        arrays += [a for v in kept if isinstance(v, Category) for a in (v.codes, v.values)]
        arrays += [v.codes for v in kept if isinstance(v, Quantized)]
        arrays += [*self._events.values(), self.customer_ids, self._order, self.value,
                   self.value_codes]
        return int(sum(a.nbytes for a in arrays))

    def top_threshold(self, gene: str, percent: float) -> float:
        """The value at the edge of the top share, as DuckDB's quantile_disc picks it."""
        key = (gene, float(percent))
        if key not in self._thresholds:
            values = self.column(gene)
            known = np.sort(values[~np.isnan(values)])
            if len(known) == 0:
                self._thresholds[key] = np.inf
            else:
                q = 1.0 - float(percent) / 100.0
                self._thresholds[key] = float(known[max(math.ceil(q * len(known)) - 1, 0)])
        return self._thresholds[key]

    def event_counts(self, node: EventCount) -> np.ndarray:
        """Each customer's events in the condition's window (counted once per window, then kept)."""
        key = EventCount(node.event_type, ">=", 0, node.days_from, node.days_to, node.category, node.channel)
        with self._lock:
            return self._event_counts(key)

    def _event_counts(self, key: EventCount) -> np.ndarray:
        if key not in self._events:
            compiled = self.base.compile(key)
            cte = compiled.ctes[0]
            params = {k: v for k, v in compiled.params.items() if re.search(rf"\${k}\b", cte)}
            table = self.query(f"WITH {cte} SELECT customer_id, n FROM ev0", params)
            counts = np.zeros(self.size, dtype=np.int64)
            at, found = self.locate(table.column("customer_id").to_numpy(zero_copy_only=False))
            counts[at] = table.column("n").to_numpy()[found]
            self._events[key] = counts
        return self._events[key]


def _flag(data: pa.ChunkedArray) -> np.ndarray:
    """A flag column as booleans, missing = false."""
    return data.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)

