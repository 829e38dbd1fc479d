"""Taste profiles found in the data: groups of categories customers buy together.

No list of categories is written down anywhere. Each customer's share of
purchase lines per category (share of basket: items, not money, so a few
expensive purchases do not outweigh what people buy week after week; on the
demo store spend shares find only price tiers) is square-rooted, weighted by
how rare buying the category is, log(1 / share of customers who buy it), so
staples everyone buys do not make every profile look alike, and scaled to
length one; categories fewer than `min_buyers` of customers buy are left out.
Non-negative matrix factorisation then finds a few profiles, each a weighted
set of categories, and how much of each customer's buying follows each.

How many profiles: the number, from `k_min` to `k_max`, that the data gives
again and again. For each number, NMF is fitted on several random
four-fifths of the customers; profiles of two fits are matched one to one
(Hungarian assignment on cosine similarity) and the mean similarity of the
matches is that number's stability. The chosen number is the smallest whose
stability is within `tolerance` of the best: a split that resamples repeat
equally well is not worth a profile more.

Genes per profile: `taste_<name>` (the share of the customer's buying that
follows it, 0 to 1) and `taste_<name>_fan` (that share at least `threshold`,
and at least `min_lines` purchase lines); `taste_top` names the strongest.
Profiles are named as a marketer recognises their fans: by the three
categories that most set the fans' baskets apart, each category's share of
the fans' buying times the log of how much larger that share is than across
all customers (the heaviest NMF weights of a broad profile are rare items its
fans hardly buy, "powdered drink mix, cigarettes, cat food", where the fans'
baskets read "soft drinks, frozen pizza, bread"). A profile is as sensitive as
the categories that name it or weigh most in it (`top_categories_`,
`weighted_categories_`), as they
are labelled in the catalog (`genome.sensitivity`: words, then meaning): a
profile around wine is kept off ad platforms by default, however ordinary its
other categories.

Grain of the input: one row per customer and category, with its purchase lines.
"""

import re

import duckdb
import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import NMF
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError
from genome.genes.definition import Gene
from genome.models.features import EVENTS, for_store
from genome.models.tasks import ModelOutput
from genome.sensitivity import ORDER, sensitivities

FAMILY = "taste"
THRESHOLD = 0.5  # a fan: at least half of their buying follows the profile
MIN_LINES = 3

CATEGORY_SPEND_SQL = f"""
SELECT i.customer_id, e.category, count(*) AS lines
FROM {EVENTS} e JOIN identifiers i ON i.identifier = e.anchor
WHERE e.event_type = 'purchase' AND e.category IS NOT NULL AND e.occurred_at <= $as_of
GROUP BY ALL
"""


def wallet_shares(con: duckdb.DuckDBPyConnection, as_of, customers: pd.Index) -> tuple[pd.DataFrame, pd.Series]:
    """Share of each customer's purchase lines per category, and their lines in all."""
    long = con.execute(for_store(con, CATEGORY_SPEND_SQL), {"as_of": as_of}).df()
    long = long[long["customer_id"].isin(customers)]
    if long.empty:
        raise InputError("no purchases with a category: taste profiles need categories (import products, or "
                         "give till lines a category)")
    lines = long.pivot_table(index="customer_id", columns="category", values="lines", aggfunc="sum", fill_value=0)
    basis = lines.astype(float)
    shares = basis.div(basis.sum(axis=1), axis=0)
    return shares, lines.sum(axis=1)


def _unique(name: str, taken: list[str]) -> str:
    """`name`, or with the first free number after it when an earlier profile took it."""
    n = 2
    candidate = name
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    return candidate


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")[:40] or "profile"


class TasteProfiles(TransformerMixin, BaseEstimator):
    def __init__(self, k_min: int = 3, k_max: int = 10, tolerance: float = 0.005, runs: int = 3,
                 min_buyers: float = 0.02, random_state: int = 0, max_iter: int = 300, threshold: float = THRESHOLD):
        self.threshold = threshold
        self.min_buyers = min_buyers
        self.k_min = k_min
        self.k_max = k_max
        self.tolerance = tolerance
        self.runs = runs
        self.random_state = random_state
        self.max_iter = max_iter

    def _weighted(self, shares: pd.DataFrame) -> np.ndarray:
        X = np.sqrt(shares.reindex(columns=self.categories_, fill_value=0).to_numpy(dtype=float)) * self.weights_
        return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)

    def _nmf(self, k: int, seed: int) -> NMF:
        return NMF(n_components=k, init="nndsvdar", random_state=seed, max_iter=self.max_iter, tol=1e-3)

    def fit(self, shares: pd.DataFrame, y=None) -> "TasteProfiles":
        if len(shares) < 50 or shares.shape[1] < self.k_min + 1:
            raise InputError(f"taste profiles need at least 50 customers and {self.k_min + 1} categories with "
                             f"purchases; there are {len(shares)} and {shares.shape[1]}")
        buyers = (shares > 0).mean(axis=0)
        kept = buyers[buyers >= self.min_buyers]  # a category a handful buy is noise, not a taste
        self.categories_ = np.asarray(kept.index, dtype=object)
        self.weights_ = np.log(1.0 / kept.to_numpy(dtype=float))  # rarer categories tell more about a taste
        X = self._weighted(shares)
        rng = np.random.default_rng(self.random_state)
        self.stability_ = {}
        for k in range(self.k_min, min(self.k_max, X.shape[1] - 1) + 1):
            fits = []
            for run in range(self.runs):
                rows = rng.random(X.shape[0]) < 0.8
                fits.append(self._nmf(k, self.random_state + run).fit(X[rows]).components_)
            self.stability_[k] = float(np.mean([_matched_similarity(a, b) for i, a in enumerate(fits)
                                                for b in fits[i + 1:]]))
        best = max(self.stability_.values())
        self.k_ = min(k for k, s in self.stability_.items() if s >= best - self.tolerance)
        self.model_ = self._nmf(self.k_, self.random_state).fit(X)
        self.components_ = self.model_.components_
        strength = self.transform(shares)
        kept_shares = shares.reindex(columns=self.categories_, fill_value=0).to_numpy(dtype=float)
        overall = kept_shares.mean(axis=0)
        names, self.labels_, self.top_categories_, self.weighted_categories_ = [], [], [], []
        for p, profile in enumerate(self.components_):
            weighted = self.categories_[np.argsort(-profile, kind="stable")[:3]]
            top = self._naming(kept_shares[strength[:, p] >= self.threshold], overall, fallback=weighted)
            self.weighted_categories_.append(tuple(str(c) for c in weighted))
            self.top_categories_.append(tuple(str(c) for c in top))
            self.labels_.append(", ".join(str(c) for c in top))
            names.append(_unique(f"taste_{_slug(top[0])}", names))
        self.names_ = names
        return self

    def _naming(self, fans: np.ndarray, overall: np.ndarray, *, fallback: np.ndarray) -> np.ndarray:
        """The three categories that most set the fans' buying apart (share among fans x log of its lift over
        everyone), among those the fans buy more of than customers overall; the heaviest weights without fans."""
        if not len(fans):
            return fallback
        share = fans.mean(axis=0)
        lift = np.divide(share, overall, out=np.zeros_like(share), where=overall > 0)
        score = np.where(lift > 1, share * np.log(np.maximum(lift, 1e-12)), -np.inf)
        order = np.argsort(-score, kind="stable")[:3]
        return self.categories_[order[np.isfinite(score[order])]] if np.isfinite(score[order[0]]) else fallback

    def transform(self, shares: pd.DataFrame) -> np.ndarray:
        """Per customer, the share of their buying that follows each profile (rows sum to 1, or 0 if none)."""
        check_is_fitted(self, "model_")
        W = self.model_.transform(self._weighted(shares))
        total = W.sum(axis=1, keepdims=True)
        return np.divide(W, total, out=np.zeros_like(W), where=total > 0)


def _matched_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Mean cosine similarity of two sets of profiles, matched one to one."""
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    similarity = a @ b.T
    rows, cols = linear_sum_assignment(-similarity)
    return float(similarity[rows, cols].mean())


def profile_sensitivities(model: TasteProfiles) -> list[str]:
    """Each profile's sensitivity: the first kind (in `genome.sensitivity.ORDER`) among the labels of the
    categories that name it or weigh most in it, else `inferred`. A profile around baby food or cigarettes is as
    sensitive as those categories, also when its fans' baskets name it by something else."""
    both = [(*top, *weighted) for top, weighted in zip(model.top_categories_, model.weighted_categories_)]
    kinds = sensitivities(c for categories in both for c in categories)
    out = []
    for top in both:
        marked = [kinds[c] for c in top if kinds[c] is not None]
        out.append(min(marked, key=ORDER.index) if marked else "inferred")
    return out


def run_tastes(con: duckdb.DuckDBPyConnection, as_of, consented: pd.Index, *, threshold: float = THRESHOLD,
               min_lines: int = MIN_LINES) -> ModelOutput:
    shares, lines = wallet_shares(con, as_of, consented)
    model = TasteProfiles(threshold=threshold).fit(shares[lines.reindex(shares.index) >= min_lines])
    strength = pd.DataFrame(model.transform(shares), index=shares.index, columns=model.names_)
    strength = strength.reindex(consented)
    enough = (lines.reindex(consented).fillna(0) >= min_lines).to_numpy()
    values = pd.DataFrame(index=consented)
    genes = []
    profiles = {}
    for name, label, top, weighted, sensitivity in zip(model.names_, model.labels_, model.top_categories_,
                                                       model.weighted_categories_, profile_sensitivities(model)):
        # what the profile is found by, where it differs from what its fans' baskets show (and may be sensitive)
        found_by = "" if set(weighted) == set(top) else \
            f" (the categories weighing most in it: {', '.join(weighted)})"
        values[name] = strength[name].to_numpy()
        values[f"{name}_fan"] = (strength[name].fillna(0).to_numpy() >= threshold) & enough
        genes += [
            Gene(name, FAMILY, f"Share of the customer's buying that follows the taste profile found in the "
                               f"data around {label}{found_by}.", "number", f"model:taste_profiles {name}",
                 unit="share",
                 source="models", sensitivity=sensitivity, label=f"Taste profile: {label}"),
            Gene(f"{name}_fan", FAMILY, f"At least {threshold:.0%} of the customer's buying follows the taste "
                                        f"profile around {label} (and {min_lines} or more purchase lines).",
                 "flag", f"{name} >= {threshold}", source="models", sensitivity=sensitivity,
                 label=f"Fan of taste profile: {label}"),
        ]
        profiles[name] = {"label": label, "fans": int(values[f"{name}_fan"].sum()), "sensitivity": sensitivity}
    top = strength.to_numpy()
    has = ~np.isnan(top).all(axis=1) & (np.nan_to_num(top).sum(axis=1) > 0)
    values["taste_top"] = np.where(has, np.asarray(model.names_, dtype=object)[np.nan_to_num(top).argmax(axis=1)],
                                   None)
    genes.append(Gene("taste_top", FAMILY, "The taste profile that most of the customer's buying follows.",
                      "category", "model:taste_profiles top", source="models", sensitivity="inferred"))
    card = {
        "name": "taste_profiles", "title": "Taste profiles", "kind": "clusters",
        "predicts": "groups of categories customers buy together, found in the data (NMF on share of basket)",
        "horizon_days": None, "train_cutoff": None, "evaluation_cutoff": None, "scored_as_of": as_of.isoformat(),
        "training_window": f"every purchase up to {as_of:%Y-%m-%d}",
        "features": [f"basket_share:{c}" for c in model.categories_],
        "training_customers": int((lines >= min_lines).sum()),
        "metrics": {"profiles": profiles, "k": int(model.k_),
                    "stability": {str(k): round(v, 4) for k, v in model.stability_.items()},
                    "threshold": threshold},
        "scored_customers": int(len(consented)),
        "fallback_share": float(1 - has.mean()) if len(has) else 0.0,
        "fallback": "customers without purchases in a category have no taste profile (empty, not zero)",
    }
    return ModelOutput(card, genes, values)
