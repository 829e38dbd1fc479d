"""Sparse co-purchase neighbours: products bought by the same customers, and ten products per customer from them.

Products are compared by cosine similarity over their buyers, block by block
in sparse form, keeping each product's `neighbours` most similar: memory
grows with products x neighbours, never products x products. A customer's
scores mix buying again (their own products, weighted by how often and how
lately) with products their products point to; popularity breaks ties and
fills short lists.
"""

from datetime import datetime

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError

TOP = 10


class NeighbourRecommender(BaseEstimator):
    def __init__(self, top: int = TOP, neighbours: int = 50, again: float = 1.0, new: float = 0.3,
                 half_life_days: float = 60.0, block: int = 512, batch: int = 1024):
        self.top = top
        self.neighbours = neighbours
        self.again = again
        self.new = new
        self.half_life_days = half_life_days
        self.block = block
        self.batch = batch

    def fit(self, purchases: pd.DataFrame) -> "NeighbourRecommender":
        """`purchases`: customer_id, product_id, lines (one row per customer and product)."""
        if purchases.empty:
            raise InputError("NeighbourRecommender: no purchases to learn from")
        self.items_ = pd.Index(pd.unique(purchases["product_id"])).sort_values()
        customers = pd.Index(pd.unique(purchases["customer_id"]))
        matrix = _matrix(purchases, customers, self.items_, np.log1p(purchases["lines"].to_numpy(dtype=np.float32)))
        buyers = np.asarray((matrix > 0).sum(axis=0)).ravel().astype(np.float64)
        lines = np.asarray(matrix.sum(axis=0)).ravel().astype(np.float64)
        # buyers first; among products with as many buyers, the one bought more often
        self.popularity_ = buyers + lines / (lines.max() + 1.0)
        self.neighbours_ = self._neighbours(matrix)
        return self

    def _neighbours(self, matrix: sparse.csr_matrix) -> sparse.csr_matrix:
        """Each product's `neighbours` most similar products (cosine over buyers), as a sparse matrix."""
        by_item = matrix.tocsc().astype(np.float32)
        norms = np.sqrt(np.asarray(by_item.multiply(by_item).sum(axis=0)).ravel())
        norms[norms == 0] = 1.0
        scaled = (by_item @ sparse.diags(1.0 / norms)).tocsc().astype(np.float32)
        rows, cols, vals = [], [], []
        n = scaled.shape[1]
        for start in range(0, n, self.block):
            stop = min(start + self.block, n)
            similar = (scaled[:, start:stop].T @ scaled).tocsr()  # block x products, sparse
            for i in range(stop - start):
                lo, hi = similar.indptr[i], similar.indptr[i + 1]
                idx, val = similar.indices[lo:hi], similar.data[lo:hi]
                keep = idx != start + i
                idx, val = idx[keep], val[keep]
                if len(val) > self.neighbours:
                    best = np.argpartition(-val, self.neighbours)[: self.neighbours]
                    idx, val = idx[best], val[best]
                rows.append(np.full(len(idx), start + i, dtype=np.int64))
                cols.append(idx)
                vals.append(val)
        return sparse.csr_matrix((np.concatenate(vals) if vals else np.zeros(0, np.float32),
                                  (np.concatenate(rows) if rows else np.zeros(0, np.int64),
                                   np.concatenate(cols) if cols else np.zeros(0, np.int64))), shape=(n, n))

    def recommend(self, purchases: pd.DataFrame, customers: pd.Index, as_of: datetime
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Top products per customer (rows follow `customers`) and whether each row is the popularity fallback.

        `purchases` (customer_id, product_id, lines, last_bought) is each customer's history as of `as_of`.
        """
        check_is_fitted(self, "neighbours_")
        known = purchases[purchases["product_id"].isin(self.items_)]
        days = (pd.Timestamp(as_of) - pd.to_datetime(known["last_bought"])).dt.total_seconds().to_numpy() / 86400
        recency = np.power(0.5, np.clip(days, 0, None) / self.half_life_days).astype(np.float32)
        weight = np.log1p(known["lines"].to_numpy(dtype=np.float32))
        again = _matrix(known, customers, self.items_, weight * recency)
        history = _matrix(known, customers, self.items_, weight)
        popularity = (self.popularity_ / max(self.popularity_.max(), 1.0)).astype(np.float32)
        scores = sparse.csr_matrix((len(customers), len(self.items_)), dtype=np.float32)
        if self.again:
            scores = scores + self.again * _row_scaled(again)
        if self.new:
            scores = _row_scaled(history @ self.neighbours_) * self.new + scores
        scores = scores.tocsr()
        # popularity breaks ties and fills short lists: only the `top` most popular products can ever fill a list,
        # so they are the only zero-score candidates each row needs (scores stay sparse: products x customers
        # would not fit in memory)
        popular = np.argsort(-popularity, kind="stable")[: self.top]
        items = self.items_.to_numpy()
        top = np.empty((len(customers), self.top), dtype=object)
        for i in range(len(customers)):
            lo, hi = scores.indptr[i], scores.indptr[i + 1]
            columns = np.concatenate([scores.indices[lo:hi], popular])
            values = np.concatenate([scores.data[lo:hi], np.zeros(popular.size, np.float32)])
            columns, first = np.unique(columns, return_index=True)  # a popular product the row scores keeps its score
            values = values[first] + 1e-4 * popularity[columns]
            best = np.argsort(-values, kind="stable")[: self.top]
            top[i] = items[columns[best]]
        fallback = np.asarray(history.getnnz(axis=1) == 0)
        return top, fallback


def _matrix(purchases: pd.DataFrame, customers: pd.Index, items: pd.Index, values: np.ndarray) -> sparse.csr_matrix:
    rows = customers.get_indexer(purchases["customer_id"])
    cols = items.get_indexer(purchases["product_id"])
    keep = (rows >= 0) & (cols >= 0)
    return sparse.csr_matrix((np.asarray(values, dtype=np.float32)[keep], (rows[keep], cols[keep])),
                             shape=(len(customers), len(items)))


def _row_scaled(scores: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row divided by its largest value, so the parts of a score weigh alike for every customer."""
    peak = scores.max(axis=1).toarray().ravel()
    return (sparse.diags(1.0 / np.where(peak > 0, peak, 1.0)).astype(np.float32) @ scores).tocsr()
