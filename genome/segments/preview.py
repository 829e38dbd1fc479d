"""What the marketer sees while building: size, reach after consent, value, lift and a sample.

Everything here reads the in-memory index, so it is quick enough to redraw on
every drop; `genome.segments.audience.figures` computes the same `Figures`
in SQL for the shell, and tests hold the two to the same numbers.
"""

import numpy as np

from genome.consent import CHANNEL_PURPOSES, CONSENT_NOW_SQL, NARROWING
from genome.segments.figures import REACH, Figures, lift_rows, value_interval
from genome.segments.index import GenomeIndex
from genome.segments.kernels import audience_sums, workers

__all__ = ["Figures", "lift", "preview", "reach_masks", "sample"]


def reach_masks(index: GenomeIndex) -> dict[str, np.ndarray]:
    """Per channel, customers who have the address and whom marketing may reach there now.

    Read once per index: the index is reloaded whenever the store file
    changes, and consent decisions only arrive by rewriting it.
    """
    with index._lock:
        if "reach" not in index.derived:
            index.derived["reach"] = _reach_masks(index)
        return index.derived["reach"]


def _reach_masks(index: GenomeIndex) -> dict[str, np.ndarray]:
    def per_customer(table, columns) -> dict[str, np.ndarray]:
        at, found = index.locate(table.column("customer_id").to_numpy(zero_copy_only=False))
        out = {}
        for column in columns:
            mask = np.zeros(index.size, dtype=bool)
            mask[at] = table.column(column).to_numpy(zero_copy_only=False)[found]
            out[column] = mask
        return out

    kinds = index.query("SELECT customer_id, bool_or(kind = 'email') AS email, bool_or(kind = 'phone') AS phone "
                        "FROM identifiers GROUP BY customer_id")
    has = per_customer(kinds, ("email", "phone"))
    if index.base.genes.get("uses_app") == "flag":
        has["uses_app"] = index.column("uses_app")
    consent = per_customer(index.query(CONSENT_NOW_SQL), ("marketing", *(f"refused_{p}" for p in NARROWING)))
    masks = {}
    for label, needs in REACH.items():
        parts = [has[s] for s in needs if s in has]
        if parts:
            masks[label] = np.logical_or.reduce(parts) & consent["marketing"] \
                & ~consent[f"refused_{CHANNEL_PURPOSES[label]}"]
    return masks


def _value_sums(index: GenomeIndex, mask: np.ndarray) -> tuple[int, np.ndarray, float, float, dict[str, int]]:
    """The audience's size, the histogram, sum and sum of squares of its value, and how many of it each channel
    reaches: summed while the index made the mask when it did, else in one compiled pass over it."""
    base = index.sums_base(reach_masks(index))
    kept = index.figures_of(mask)
    if kept is not None and kept[0] is base:
        n, histogram, total, squares, reached = kept[1]
    else:
        n, histogram, total, squares, reached = audience_sums(
            np.ascontiguousarray(mask).view(np.uint8), index.value_codes, len(index.base_histogram), index.value,
            base[1], index.size, workers(), base[2])
    return int(n), histogram, float(total), float(squares), {label: int(reached[i]) for i, label in enumerate(base[0])}


def preview(index: GenomeIndex, mask: np.ndarray, *, with_lift: bool = False,
            rule_genes: frozenset[str] = frozenset()) -> Figures:
    """The audience's figures; the lift table too when asked (it reads every flag gene), without the genes the
    rule names (`rule_genes`)."""
    n, histogram, total, squares, reachable = _value_sums(index, mask)
    low, high = value_interval(n, total, squares)
    return Figures(
        count=n, total=index.size, value_total=total, value_mean=total / n if n else 0.0,
        value_low=low, value_high=high,
        histogram=histogram, base_histogram=index.base_histogram, edges=index.value_edges,
        reachable=reachable,
        lift=lift(index, mask, leave_out=rule_genes) if with_lift else [],
    )


def lift(index: GenomeIndex, mask: np.ndarray, *, top: int = 15, min_carriers: int = 5,
         leave_out: frozenset[str] = frozenset()) -> list[dict]:
    """Flag genes that over-index most in the audience: share in audience / share in base."""
    n = int(np.count_nonzero(mask))
    if n == 0 or n == index.size:
        return []
    names, bits, carriers = index.flag_bits()
    packed = np.packbits(mask)
    inside = np.empty(len(names), dtype=np.int64)
    for start in range(0, len(names), 64):  # bounded temporaries: 64 genes' bits at a time
        inside[start:start + 64] = np.bitwise_count(bits[start:start + 64] & packed).sum(axis=1)
    return lift_rows(names, inside, carriers, n, index.size, top=top, min_carriers=min_carriers,
                     leave_out=leave_out)


def sample(index: GenomeIndex, mask: np.ndarray, *, size: int = 10, seed: int = 0) -> list[str]:
    """A few members' pseudonymous ids, the same ones for the same audience."""
    members = np.flatnonzero(mask)
    if len(members) <= size:
        return [str(index.customer_ids[i]) for i in members]
    chosen = np.random.default_rng(seed).choice(members, size=size, replace=False)
    return [str(index.customer_ids[i]) for i in np.sort(chosen)]
