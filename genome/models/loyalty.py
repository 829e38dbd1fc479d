"""Loyalty tiers (Platinum, Gold, Silver, Bronze) from trailing 12-month value.

One overall tier and one per product category. Each has four thresholds,
the least 12-month spend for Platinum, Gold, Silver and Bronze. Thresholds
given in configuration win (`GENOME_LOYALTY_TIERS`, for example
`{"all": [2000, 800, 300, 1], "tvs": [1500, 600, 200, 1]}`); the rest are
learned as spend quantiles of that category's buyers, so a tier means the
same share of buyers in a small category as in a large one. Tiers describe a
programme status, not an inference, so every customer with spend has one.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError

TIERS = ("Platinum", "Gold", "Silver", "Bronze")
OVERALL = "all"


class TierError(InputError):
    """Thresholds that cannot define four tiers."""


def check_thresholds(name: str, values) -> tuple[float, ...]:
    values = tuple(float(v) for v in values)
    if len(values) != len(TIERS):
        raise TierError(f"loyalty tiers for {name!r}: give {len(TIERS)} thresholds (Platinum, Gold, Silver, "
                        f"Bronze), not {len(values)}")
    if any(a < b for a, b in zip(values, values[1:])) or values[-1] <= 0:
        raise TierError(f"loyalty tiers for {name!r}: thresholds must fall from Platinum to Bronze and stay "
                        f"above 0, got {list(values)}")
    return values


class LoyaltyTiers(BaseEstimator):
    """Learns per-category thresholds from 12-month spend; `transform` names each customer's tier."""

    def __init__(self, thresholds: dict | None = None, quantiles: tuple = (0.95, 0.80, 0.50)):
        self.thresholds = thresholds
        self.quantiles = quantiles

    def fit(self, spend: pd.DataFrame) -> "LoyaltyTiers":
        """`spend`: one row per customer, one column per category plus `all`, 12-month spend."""
        given = {k: check_thresholds(k, v) for k, v in (self.thresholds or {}).items()}
        unknown = sorted(set(given) - set(spend.columns))
        if unknown:
            raise TierError(f"loyalty tiers configured for unknown categories: {unknown}")
        self.thresholds_ = {}
        self.configured_ = sorted(given)
        for column in spend.columns:
            if column in given:
                self.thresholds_[column] = given[column]
                continue
            buyers = spend[column][spend[column] > 0]
            if buyers.empty:
                continue
            cuts = [float(np.quantile(buyers, q)) for q in self.quantiles]
            self.thresholds_[column] = (*cuts, float(buyers.min()))
        return self

    def transform(self, spend: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "thresholds_")
        out = {}
        for column, cuts in self.thresholds_.items():
            value = spend[column].to_numpy() if column in spend else np.zeros(len(spend))
            tier = np.full(len(spend), None, dtype=object)
            for name, least in zip(reversed(TIERS), reversed(cuts)):
                tier[value >= least] = name
            out[column] = tier
        return pd.DataFrame(out, index=spend.index)


SPEND_SQL = """
SELECT i.customer_id, e.category, sum(e.amount) AS spend
FROM events e JOIN identifiers i ON i.identifier = e.anchor
WHERE e.event_type = 'purchase' AND e.amount IS NOT NULL AND e.occurred_at > $as_of - INTERVAL 365 DAY
GROUP BY ALL
"""


def trailing_spend(con, as_of, customers: pd.Index, categories: list[str]) -> pd.DataFrame:
    """12-month spend per customer: one column per category and `all`."""
    long = con.execute(SPEND_SQL, {"as_of": as_of}).df()
    wide = long.pivot_table(index="customer_id", columns="category", values="spend", aggfunc="sum",
                            fill_value=0.0).reindex(index=customers, columns=categories, fill_value=0.0).fillna(0.0)
    totals = long.groupby("customer_id")["spend"].sum().reindex(customers, fill_value=0.0)
    return pd.concat([totals.rename(OVERALL), wide], axis=1).astype(float)


def run_loyalty(con, as_of, customers: pd.Index, categories: list[str], thresholds: dict | None):
    from genome.genes.definition import Gene, slug
    from genome.models.tasks import ModelOutput

    spend = trailing_spend(con, as_of, customers, categories)
    model = LoyaltyTiers(thresholds=thresholds).fit(spend)
    tiers = model.transform(spend)
    names = {c: ("loyalty_tier" if c == OVERALL else f"loyalty_tier_{slug(c)}") for c in tiers.columns}
    values = tiers.rename(columns=names)
    genes = []
    for column, name in names.items():
        where = "overall" if column == OVERALL else f"in {column}"
        cuts = ", ".join(f"{t} from {v:,.0f}" for t, v in zip(TIERS, model.thresholds_[column]))
        genes.append(Gene(name, "loyalty", f"Loyalty tier {where} by 12-month spend ({cuts} USD).", "category",
                          f"tier(12-month spend {where})", source="models"))
    counts = {n: {t: int((tiers[c] == t).sum()) for t in TIERS} for c, n in names.items()}
    card = {
        "name": "loyalty_tiers", "title": "Loyalty tiers", "kind": "rule",
        "predicts": "Platinum, Gold, Silver or Bronze from trailing 12-month spend, overall and per category",
        "horizon_days": None, "train_cutoff": None, "evaluation_cutoff": None, "scored_as_of": as_of.isoformat(),
        "training_window": f"purchases in the 365 days to {as_of:%Y-%m-%d}",
        "features": ["12-month spend per category"], "training_customers": int(len(spend)),
        "metrics": {"thresholds": {names[c]: list(v) for c, v in model.thresholds_.items()},
                    "configured": [names[c] for c in model.configured_], "customers_per_tier": counts},
        "scored_customers": int(len(spend)),
        "fallback_share": float((spend[OVERALL] <= 0).mean()) if len(spend) else 0.0,
        "fallback": "no purchase in 12 months: no tier",
    }
    return ModelOutput(card, genes, values)
