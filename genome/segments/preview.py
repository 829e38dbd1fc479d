"""What the marketer sees while building: size, reach after consent, value, lift and a sample.

Everything here reads the in-memory index, so it is quick enough to redraw on
every drop. The value interval is the 95% interval of the audience's mean
expected 12-month value (normal approximation over its customers), scaled
to the total.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from genome.segments.index import GenomeIndex

# Who can be reached where, after consent: (label, identifier kinds or gene, needs marketing consent)
REACH = (
    ("e-mail", "email"),
    ("SMS", "phone"),
    ("app push", "uses_app"),
    ("ad platforms", "email|phone"),
)
CONSENT_GENE = "consent_marketing"


@dataclass(frozen=True)
class Preview:
    count: int
    total: int
    value_total: float
    value_mean: float
    value_low: float  # 95% interval of the total
    value_high: float
    histogram: np.ndarray  # audience per value bin
    base_histogram: np.ndarray
    edges: np.ndarray
    reachable: dict[str, int]

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def mean_interval(self) -> tuple[float, float]:
        """95% interval of the mean per customer: the total's interval shared over the audience."""
        if not self.count:
            return 0.0, 0.0
        return self.value_low / self.count, self.value_high / self.count


def reach_masks(index: GenomeIndex) -> dict[str, np.ndarray]:
    """Per channel, customers who have the address and whose latest marketing decision is a yes."""
    if "reach" in index.derived:
        return index.derived["reach"]
    consent = index.column(CONSENT_GENE) if index.base.genes.get(CONSENT_GENE) == "flag" \
        else np.zeros(index.size, dtype=bool)
    kinds = index.con.sql("SELECT customer_id, bool_or(kind = 'email') AS email, bool_or(kind = 'phone') AS phone "
                          "FROM identifiers GROUP BY customer_id").to_arrow_table()
    at, found = index.locate(kinds.column("customer_id").to_numpy(zero_copy_only=False))
    has = {}
    for kind in ("email", "phone"):
        mask = np.zeros(index.size, dtype=bool)
        mask[at] = kinds.column(kind).to_numpy(zero_copy_only=False)[found]
        has[kind] = mask
    if index.base.genes.get("uses_app") == "flag":
        has["uses_app"] = index.column("uses_app")
    masks = {}
    for label, source in REACH:
        parts = [has[s] for s in source.split("|") if s in has]
        if parts:
            masks[label] = np.logical_or.reduce(parts) & consent
    index.derived["reach"] = masks
    return masks


def _value_sums(index: GenomeIndex, mask: np.ndarray, n: int) -> tuple[np.ndarray, float, float]:
    """Histogram, sum and sum of squares of the audience's value.

    A large audience is the base minus the few outside it, so the work is
    bounded by the smaller side.
    """
    bins = len(index.base_histogram)
    if 2 * n <= index.size:
        values = index.value[mask]
        return np.bincount(index.value_codes[mask], minlength=bins), float(values.sum()), float(values @ values)
    rest = ~mask
    values = index.value[rest]
    return (index.base_histogram - np.bincount(index.value_codes[rest], minlength=bins),
            index.value_sum - float(values.sum()), index.value_squares - float(values @ values))


def preview(index: GenomeIndex, mask: np.ndarray) -> Preview:
    n = int(np.count_nonzero(mask))
    histogram, total, squares = _value_sums(index, mask, n)
    mean = total / n if n else 0.0
    variance = max((squares - n * mean * mean) / (n - 1), 0.0) if n > 1 else 0.0
    spread = 1.96 * np.sqrt(variance) / np.sqrt(n) * n if n > 1 else 0.0
    return Preview(
        count=n, total=index.size, value_total=total, value_mean=mean,
        value_low=max(total - spread, 0.0), value_high=total + spread,
        histogram=histogram, base_histogram=index.base_histogram, edges=index.value_edges,
        reachable={label: int(np.count_nonzero(m & mask)) for label, m in reach_masks(index).items()},
    )


def lift(index: GenomeIndex, mask: np.ndarray, *, top: int = 15, min_carriers: int = 5) -> pd.DataFrame:
    """Flag genes that over-index most in the audience: share in audience / share in base."""
    n = int(np.count_nonzero(mask))
    if n == 0 or n == index.size:
        return pd.DataFrame(columns=["gene", "audience_share", "base_share", "lift"])
    names, bits, carriers = index.flag_bits()
    packed = np.packbits(mask)
    inside = np.empty(len(names), dtype=np.int64)
    for start in range(0, len(names), 64):  # bounded temporaries: 64 genes' bits at a time
        inside[start:start + 64] = np.bitwise_count(bits[start:start + 64] & packed).sum(axis=1)
    keep = (inside >= min_carriers) & (carriers > 0)
    table = pd.DataFrame({"gene": np.asarray(names, dtype=object)[keep], "audience_share": inside[keep] / n,
                          "base_share": carriers[keep] / index.size})
    table["lift"] = table["audience_share"] / table["base_share"]
    return table.sort_values(["lift", "gene"], ascending=[False, True]).head(top).reset_index(drop=True)


def sample(index: GenomeIndex, mask: np.ndarray, *, size: int = 10, seed: int = 0) -> list[str]:
    """A few members' pseudonymous ids, the same ones for the same audience."""
    members = np.flatnonzero(mask)
    if len(members) <= size:
        return [str(index.customer_ids[i]) for i in members]
    chosen = np.random.default_rng(seed).choice(members, size=size, replace=False)
    return [str(index.customer_ids[i]) for i in np.sort(chosen)]
