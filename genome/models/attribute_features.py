"""Imported customer attributes (age band, income band, household size...) as model features.

Any retailer's attributes, whatever their names: an attribute whose values
are nearly all numbers or ranges ("35-44", "50-74K", "5+", "Under 15K")
becomes one number (a range's middle, "Under 15K" half its bound, "K" a
thousand); any other becomes one 0/1 column per value, its most common
`MAX_VALUES` at most. Customers without the attribute take the median (a
number) or 0 (a value), and `attribute:known` says who has any attribute, so
the linear model can read the columns too.

An attribute that reveals a special category, by its name or any of its
values ("kids_count", "2 Adults Kids"), is never a feature: a score built on
it would carry what it reveals into audiences and ad platforms.

Attributes carry no date, so every cut-off reads them as they are now: they
describe the household, not what it did. Whether a model uses them is chosen
on validation customers (`genome.models.tasks`), never assumed.

Grain: one row per customer_id with at least one attribute.
"""

import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from genome.sensitivity import SPECIAL_CATEGORIES, sensitivity_of
from store.duck import table_exists

PREFIX = "attribute:"
KNOWN = f"{PREFIX}known"
MAX_VALUES = 20
NUMERIC_SHARE = 0.9  # of a customer's values that must read as numbers for the attribute to be one

ATTRIBUTES_SQL = """
SELECT i.customer_id, a.attribute, max(a.value) AS value
FROM customer_attributes a JOIN identifiers i ON i.identifier = a.identifier
WHERE a.value IS NOT NULL
GROUP BY ALL
"""


def number_in(text: str | None) -> float:
    """The number a value stands for: "35-44" -> 39.5, "50-74K" -> 62,000, "Under 15K" -> 7,500, "5+" -> 5."""
    if text is None:
        return np.nan
    value = str(text).replace(",", "")
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", value)]
    if not numbers:
        return np.nan
    scale = 1000.0 if re.search(r"\d\s*k\b", value, re.IGNORECASE) else 1.0
    if re.search(r"\b(under|below|less than)\b|<", value, re.IGNORECASE):
        return numbers[0] * scale / 2
    return float(np.mean(numbers[:2])) * scale


def _reveals_special(attribute: str, values: pd.Series) -> bool:
    return any(sensitivity_of(text) in SPECIAL_CATEGORIES for text in (attribute, *values.unique()))


@dataclass(frozen=True)
class AttributeFeatures:
    """The columns per customer with attributes, and what a customer without one takes in each."""

    columns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(index=pd.Index([], name="customer_id")))
    fill: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.columns.empty


def attribute_features(con: duckdb.DuckDBPyConnection) -> AttributeFeatures:
    """Numeric columns per customer from the imported attributes (empty when none are imported)."""
    if not table_exists(con, "customer_attributes") or not table_exists(con, "identifiers"):
        return AttributeFeatures()
    long = con.execute(ATTRIBUTES_SQL).df()
    columns: dict[str, pd.Series] = {}
    fill: dict[str, float] = {}
    for attribute, rows in long.groupby("attribute", sort=True):
        values = rows.drop_duplicates("customer_id").set_index("customer_id")["value"].astype(str)
        if _reveals_special(str(attribute), values):
            continue
        numbers = values.map(number_in)
        if numbers.notna().mean() >= NUMERIC_SHARE:
            name = f"{PREFIX}{attribute}"
            columns[name], fill[name] = numbers, float(numbers.median())
            continue
        for value in values.value_counts().index[:MAX_VALUES]:
            name = f"{PREFIX}{attribute}={value}"
            columns[name], fill[name] = (values == value).astype(float), 0.0
    if not columns:
        return AttributeFeatures()
    frame = pd.DataFrame(columns)
    frame.index.name = "customer_id"
    frame[KNOWN], fill[KNOWN] = 1.0, 0.0
    # a numeric attribute some customers gave as text ("unknown") is filled like a missing one
    return AttributeFeatures(frame, fill)


def with_attributes(features: pd.DataFrame, attributes: AttributeFeatures) -> pd.DataFrame:
    """`features` beside each customer's attribute columns, the missing filled as the module says."""
    if attributes.empty:
        return features
    return pd.concat([features, attributes.columns.reindex(features.index).fillna(attributes.fill)], axis=1)
