"""What an audience preview shows, whichever path computes it.

The builder page computes previews from the in-memory index; `genome segment
count` computes the same figures in SQL over the store. Both fill `Figures`,
so the page and the shell can be held to the same numbers.

Value is the expected 12-month value (`clv_12m`, missing = 0). Its 95%
interval is the normal approximation for the audience's mean, scaled to the
total. The histogram's bins are even steps from the base's lowest value to
its 95th percentile, the last bin open-ended: value is long-tailed, and a few
wholesale accounts would otherwise squeeze everyone into one bar.
"""

import math
from dataclasses import dataclass, field

import numpy as np

VALUE_GENE = "clv_12m"
VALUE_BINS = 40
# Who can be reached where: channel label -> the identifiers (or gene) it needs, any of them.
REACH = {"e-mail": ("email",), "SMS": ("phone",), "app push": ("uses_app",), "ad platforms": ("email", "phone")}


@dataclass(frozen=True)
class Figures:
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
    lift: list[dict] = field(default_factory=list)  # over-indexing flag genes, best first

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def mean_interval(self) -> tuple[float, float]:
        """95% interval of the mean per customer: the total's interval shared over the audience."""
        if not self.count:
            return 0.0, 0.0
        return self.value_low / self.count, self.value_high / self.count

    def to_json(self) -> dict:
        """Plain data for `--json`: money rounded to cents, shares to 4 places, never NaN."""
        low, high = self.mean_interval
        return {
            "count": self.count, "total": self.total, "share": round(self.share, 4),
            "value": {"gene": VALUE_GENE, "total": _cents(self.value_total), "mean": _cents(self.value_mean),
                      "total_interval": [_cents(self.value_low), _cents(self.value_high)],
                      "mean_interval": [_cents(low), _cents(high)]},
            "reachable": dict(self.reachable),
            "histogram": {"edges": [None if math.isinf(e) else _cents(e) for e in self.edges],
                          "audience": [int(n) for n in self.histogram],
                          "base": [int(n) for n in self.base_histogram]},
            "lift": [{**row, "audience_share": round(row["audience_share"], 4),
                      "base_share": round(row["base_share"], 4), "lift": round(row["lift"], 2)} for row in self.lift],
        }


def _cents(amount: float) -> float:
    return round(float(amount), 2)


def value_interval(n: int, total: float, squares: float) -> tuple[float, float]:
    """95% interval of an audience's total value from its size, sum and sum of squares (never below 0), in cents:
    the page (sums over the index) and the shell (sums in SQL) add in different orders, and a last-bit difference
    must not round one way on the page and the other in the shell."""
    if n < 2:
        return _cents(max(total, 0.0)), _cents(total)
    mean = total / n
    variance = max((squares - n * mean * mean) / (n - 1), 0.0)
    spread = 1.96 * math.sqrt(variance) * math.sqrt(n)
    return _cents(max(total - spread, 0.0)), _cents(total + spread)


def value_edges(lowest: float, p95: float, bins: int = VALUE_BINS) -> np.ndarray:
    """Bin edges: even round steps ($50, $100, $200...) from the lowest value past the 95th percentile, at most
    `bins - 1` of them, then one open bin for the long tail."""
    high = p95 if p95 > lowest else lowest + 1.0
    rough = (high - lowest) / (bins - 1)
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough * (1 - 1e-12))
    start = math.floor(lowest / step) * step
    count = math.ceil((high - start) / step - 1e-9)
    return np.append(start + step * np.arange(count + 1), np.inf)


def bin_codes(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Each value's bin (0-based), values on an edge going to the bin above it."""
    return np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2).astype(np.int16)


def lift_rows(names, inside: np.ndarray, carriers: np.ndarray, n: int, total: int, *, top: int = 15,
              min_carriers: int = 5, leave_out: frozenset[str] = frozenset()) -> list[dict]:
    """Flag genes that over-index most in an audience of `n`: share inside / share in the base of `total`.

    The genes the rule itself names (`leave_out`) are left out: that they over-index says nothing new.
    """
    if n == 0 or n == total:
        return []
    rows = [{"gene": name, "audience_share": int(a) / n, "base_share": int(b) / total, "lift": (int(a) / n) / (int(b) / total)}
            for name, a, b in zip(names, inside, carriers) if a >= min_carriers and b > 0 and name not in leave_out]
    rows.sort(key=lambda r: (-r["lift"], r["gene"]))
    return rows[:top]
