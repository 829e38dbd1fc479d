"""Recommendations as a learned ranking of each customer's candidate products.

A grocer's customers mostly buy again what they bought before; what matters is
which of their products come back next, and which new product joins them.
Candidates per customer: every product they bought, plus the `new_candidates`
products their co-purchase neighbours point to (`NeighbourRecommender`).
Each (customer, product) pair is described by the customer's history with it
(lines, days since first and last bought, their usual interval and how
overdue it is, its share of the customer's lines), the product (buyers, how
often its buyers come back for it) and the neighbour rank; a gradient-boosted
classifier learns from a labelled window which pairs are bought next, and
the ten likeliest candidates are recommended.

Grain of the input history: one row per customer and product (lines,
first_bought, last_bought), as `genome.models.features.purchased_products`.
"""

from datetime import datetime

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError
from genome.models.neighbours import TOP, NeighbourRecommender

FEATURES = ("own", "lines", "days_since_last", "days_since_first", "interval_days", "overdue", "rate_30d",
            "share_of_lines", "customer_lines", "customer_products", "product_buyers", "product_repeat_share",
            "neighbour_rank")


class CandidateRanker(BaseEstimator):
    def __init__(self, top: int = TOP, new_candidates: int = 20, max_rows: int = 600_000, random_state: int = 0):
        self.top = top
        self.new_candidates = new_candidates
        self.max_rows = max_rows
        self.random_state = random_state

    def _pairs(self, history: pd.DataFrame, customers: pd.Index, as_of: datetime) -> pd.DataFrame:
        """Every candidate pair of `customers` with its features."""
        own = history[history["customer_id"].isin(customers)].copy()
        now = pd.Timestamp(as_of)
        own["days_since_last"] = (now - pd.to_datetime(own["last_bought"])).dt.total_seconds() / 86400
        own["days_since_first"] = (now - pd.to_datetime(own["first_bought"])).dt.total_seconds() / 86400
        span = own["days_since_first"] - own["days_since_last"]
        # no interval is seen when every line was bought at one moment (two lines of one basket); and a gap under a
        # day counts as a day, so that no ratio is infinite (the trees' binning cannot place infinity)
        own["interval_days"] = np.where((own["lines"] > 1) & (span > 0), span / (own["lines"] - 1).clip(lower=1),
                                        np.nan)
        own["overdue"] = own["days_since_last"] / own["interval_days"].clip(lower=1.0)
        own["rate_30d"] = 30 * own["lines"] / own["days_since_first"].clip(lower=1)
        own["own"] = 1.0
        pairs = [own[["customer_id", "product_id", "own", "lines", "days_since_last", "days_since_first",
                      "interval_days", "overdue", "rate_30d"]]]
        if self.new_candidates:
            new = self.neighbours_.set_params(again=0.0, new=1.0, top=self.new_candidates).recommend(
                history, customers, as_of)[0]
            rank = np.tile(np.arange(1, self.new_candidates + 1), len(customers))
            pointed = pd.DataFrame({"customer_id": np.repeat(customers.to_numpy(), self.new_candidates),
                                    "product_id": new.ravel(), "neighbour_rank": rank.astype(float)})
            pairs.append(pointed.dropna(subset=["product_id"]))
        frame = pd.concat(pairs, ignore_index=True)
        frame = frame.groupby(["customer_id", "product_id"], as_index=False, sort=False).first()
        # a product the neighbours did not point to ranks just below the last one they did
        frame["neighbour_rank"] = frame.get("neighbour_rank", pd.Series(np.nan, index=frame.index)).fillna(
            self.new_candidates + 1.0)
        frame["own"] = frame["own"].fillna(0.0)
        frame["lines"] = frame["lines"].fillna(0.0)
        totals = own.groupby("customer_id").agg(customer_lines=("lines", "sum"), customer_products=("lines", "size"))
        frame = frame.join(totals, on="customer_id")
        frame["share_of_lines"] = frame["lines"] / frame["customer_lines"].clip(lower=1)
        frame = frame.join(self.products_, on="product_id")
        return frame

    def fit(self, history: pd.DataFrame, bought_after: pd.Series, as_of: datetime) -> "CandidateRanker":
        """`bought_after`: customer_id -> set of products bought in the window after `as_of`."""
        if history.empty or bought_after.empty:
            raise InputError("CandidateRanker: needs purchases before and after a cut-off to learn from")
        again = (history["lines"] > 1).astype(float).groupby(history["product_id"])
        self.products_ = pd.DataFrame({"product_buyers": again.size().astype(float),
                                       "product_repeat_share": again.mean()})
        self.neighbours_ = NeighbourRecommender().fit(history)
        customers = pd.Index(pd.unique(history["customer_id"]))
        rng = np.random.default_rng(self.random_state)
        per_customer = max(len(history) / max(len(customers), 1) + self.new_candidates, 1)
        keep = int(min(len(customers), self.max_rows // per_customer))
        customers = pd.Index(rng.choice(customers.to_numpy(), keep, replace=False)) if keep < len(customers) \
            else customers
        pairs = self._pairs(history, customers, as_of)
        after = bought_after.reindex(pairs["customer_id"].unique())
        bought = {(c, p) for c, products in after.dropna().items() for p in products}
        label = np.fromiter(((c, p) in bought for c, p in zip(pairs["customer_id"], pairs["product_id"])),
                            dtype=bool, count=len(pairs))
        if label.all() or not label.any():
            raise InputError("CandidateRanker: every candidate has the same outcome")
        self.model_ = HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=100, random_state=self.random_state
        ).fit(pairs[list(FEATURES)].to_numpy(dtype=float), label)
        self.popular_ = self.products_["product_buyers"].sort_values(ascending=False, kind="stable").index[
            : self.top * 3].tolist()
        self.n_train_pairs_ = len(pairs)
        return self

    def recommend(self, history: pd.DataFrame, customers: pd.Index, as_of: datetime,
                  batch: int = 5_000) -> tuple[np.ndarray, np.ndarray]:
        """Top products per customer (rows follow `customers`) and whether each row is the popularity fallback."""
        check_is_fitted(self, "model_")
        top = np.empty((len(customers), self.top), dtype=object)
        known = set(history["customer_id"])
        for start in range(0, len(customers), batch):
            chunk = customers[start:start + batch]
            pairs = self._pairs(history, chunk[chunk.isin(known)], as_of)
            pairs["p"] = self.model_.predict_proba(pairs[list(FEATURES)].to_numpy(dtype=float))[:, 1]
            ranked = (pairs.sort_values(["customer_id", "p", "product_id"], ascending=[True, False, True])
                      .groupby("customer_id")["product_id"].agg(lambda s: list(s)[: self.top]))
            for i, customer in enumerate(chunk):
                picked = ranked.get(customer, [])
                picked = picked + [p for p in self.popular_ if p not in picked][: self.top - len(picked)]
                top[start + i] = (picked + [None] * self.top)[: self.top]
        return top, ~customers.isin(known)
