"""Figures as people read them, the same on every page and in the shell.

`money` is exact to the dollar ($613,759); `money_short` fits a narrow tile
($613.8k, $3.1M) and is never off by more than rounding the last digit shown.
"""

import math


def money(amount: float, *, cents: bool = False) -> str:
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "unknown"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}" if cents else f"{sign}${abs(amount):,.0f}"


def money_short(amount: float) -> str:
    """Thousands as k, millions as M, billions as B, one decimal: $950, $12.3k, $3.1M."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "unknown"
    sign, size = ("-" if amount < 0 else ""), abs(amount)
    if round(size) < 1000:
        return f"{sign}${size:,.0f}"
    for unit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        # the largest unit in which the figure is at least 1.0 and, but for billions, below 1,000.0
        if round(size / unit, 1) >= 1 and (suffix == "B" or round(size / unit, 1) < 1000):
            return f"{sign}${size / unit:,.1f}{suffix}"
    return f"{sign}${size:,.0f}"  # not reached: round(size) >= 1000 means at least $1.0k


def share(value: float) -> str:
    return f"{value:.1%}"


def percent(value: float | None) -> str:
    """A chance or risk to the whole percent (62%), or "unknown"."""
    return "unknown" if value is None else f"{value:.0%}"


def count(value: int) -> str:
    return f"{value:,}"


def counted(value: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular for one: "1 customer", "2,140 customers"."""
    return f"{count(value)} {noun if value == 1 else plural or noun + 's'}"
