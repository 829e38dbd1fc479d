"""Product recommendations: item-item similarity over who bought what.

Two products are similar when the same customers buy both (cosine over the
customer-product purchase matrix). A customer's candidates are scored by the
similarity of each product to what they bought, weighted by how often; what
they already own is left out, since a recommendation should show something
new. Customers with no purchases get the most popular products, labelled as
a fallback. Judged on a time split beside that popularity list: hit rate at
10 is the share of customers who bought at least one of their ten in the 90
days after the cut-off.
"""

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from genome.errors import InputError
from genome.genes.definition import Gene
from genome.models.features import purchased_products, scoring_cutoff
from genome.models.tasks import ModelOutput

FAMILY = "recommendations"
TOP = 10
HORIZON_DAYS = 90


class ItemItemRecommender(BaseEstimator):
    def __init__(self, top: int = TOP, exclude_bought: bool = True, batch: int = 4096):
        self.top = top
        self.exclude_bought = exclude_bought
        self.batch = batch

    def fit(self, purchases: pd.DataFrame) -> "ItemItemRecommender":
        """`purchases`: customer_id, product_id, lines (one row per customer and product)."""
        if purchases.empty:
            raise InputError("ItemItemRecommender: no purchases to learn from")
        self.items_ = pd.Index(sorted(purchases["product_id"].unique()))
        self.customers_ = pd.Index(sorted(purchases["customer_id"].unique()))
        self.matrix_ = self._matrix(purchases, self.customers_)
        bought = (self.matrix_ > 0).astype(np.float64)
        norm = np.sqrt(np.asarray(bought.sum(axis=0)).ravel())
        similarity = (bought.T @ bought).toarray() / np.maximum(np.outer(norm, norm), 1e-12)
        np.fill_diagonal(similarity, 0.0)
        self.similarity_ = similarity.astype(np.float32)
        self.popularity_ = np.asarray(bought.sum(axis=0)).ravel()
        self.popular_ = self.items_[np.argsort(-self.popularity_, kind="stable")[: self.top]].tolist()
        return self

    def _matrix(self, purchases: pd.DataFrame, customers: pd.Index) -> sparse.csr_matrix:
        known = purchases[purchases["product_id"].isin(self.items_) & purchases["customer_id"].isin(customers)]
        return sparse.csr_matrix(
            (np.log1p(known["lines"].to_numpy(dtype=float)),
             (customers.get_indexer(known["customer_id"]), self.items_.get_indexer(known["product_id"]))),
            shape=(len(customers), len(self.items_)))

    def recommend(self, purchases: pd.DataFrame, customers: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """Top products per customer (rows follow `customers`) and whether each row is the popularity fallback."""
        check_is_fitted(self, "similarity_")
        matrix = self._matrix(purchases, customers)
        top = np.full((len(customers), self.top), None, dtype=object)
        fallback = np.asarray(matrix.getnnz(axis=1) == 0)
        popular_order = np.argsort(-self.popularity_, kind="stable")
        for start in range(0, len(customers), self.batch):
            rows = matrix[start:start + self.batch]
            scores = np.asarray(rows @ self.similarity_)
            # popularity breaks ties, so customers with few purchases still get ten products
            scores += 1e-6 * self.popularity_ / max(self.popularity_.max(), 1)
            if self.exclude_bought:
                scores[rows.nonzero()] = -np.inf
            best = np.argpartition(-scores, self.top, axis=1)[:, : self.top]
            order = np.take_along_axis(scores, best, axis=1).argsort(axis=1)[:, ::-1]
            best = np.take_along_axis(best, order, axis=1)
            chosen = self.items_.to_numpy()[best].astype(object)
            # a catalogue smaller than the list leaves the tail empty rather than repeat what they own
            chosen[np.isneginf(np.take_along_axis(scores, best, axis=1))] = None
            top[start:start + rows.shape[0]] = chosen
        top[fallback] = self.items_.to_numpy()[popular_order[: self.top]]
        return top, fallback


def hit_rate(recommended: np.ndarray, bought_after: pd.Series) -> float:
    """Share of customers with at least one recommended product among what they bought afterwards."""
    hits = [bool(set(row) & products) for row, products in zip(recommended, bought_after)]
    return float(np.mean(hits)) if hits else 0.0


def run_recommendations(con: duckdb.DuckDBPyConnection, as_of: datetime, consented: pd.Index,
                        categories: dict[str, str]) -> ModelOutput:
    score_cut = scoring_cutoff(as_of)
    cut = score_cut - timedelta(days=HORIZON_DAYS)
    past = purchased_products(con, None, cut)
    past = past[past["customer_id"].isin(consented)]
    model = ItemItemRecommender().fit(past)
    after = purchased_products(con, cut, score_cut)
    after = after[after["customer_id"].isin(model.customers_) & after["product_id"].isin(model.items_)]
    # a hit must be something new to the customer: products they had bought before do not count
    owned = set(zip(past["customer_id"], past["product_id"]))
    new = after[[(c, p) not in owned for c, p in zip(after["customer_id"], after["product_id"])]]
    truth = new.groupby("customer_id")["product_id"].agg(set)
    judged = pd.Index(truth.index)
    recommended, _ = model.recommend(past, judged)
    owned_by = past.groupby("customer_id")["product_id"].agg(set).reindex(judged)
    popular = np.array([_popular_new(model, mine) for mine in owned_by], dtype=object)
    metrics = {"customers": int(len(judged)), "hit_rate_at_10": hit_rate(recommended, truth),
               "popular_hit_rate_at_10": hit_rate(popular, truth)}
    metrics["ratio"] = metrics["hit_rate_at_10"] / metrics["popular_hit_rate_at_10"] \
        if metrics["popular_hit_rate_at_10"] else None

    everything = purchased_products(con, None, score_cut)
    everything = everything[everything["customer_id"].isin(consented)]
    final = ItemItemRecommender().fit(everything)
    top, fallback = final.recommend(everything, consented)
    table = pd.DataFrame({
        "customer_id": np.repeat(consented.to_numpy(), TOP),
        "rank": np.tile(np.arange(1, TOP + 1), len(consented)),
        "product_id": top.ravel(),
        "fallback": np.repeat(fallback, TOP),
    })
    values = pd.DataFrame({
        "top_recommendation": top[:, 0] if len(consented) else [],
        "top_recommendation_category": [categories.get(p) for p in top[:, 0]] if len(consented) else [],
        "recommendations_fallback": fallback,
    }, index=consented)
    genes = [
        Gene("top_recommendation", FAMILY, "The product the customer is most likely to want next "
             "(item-item similarity; the full top 10 is in customer_recommendations).", "category",
             "model:item_item rank 1", source="models", sensitivity="inferred"),
        Gene("top_recommendation_category", FAMILY, "Category of the top recommended product.", "category",
             "category of top_recommendation", source="models", sensitivity="inferred"),
        Gene("recommendations_fallback", FAMILY, "Recommendations are the most popular products: "
             "no purchase to go on yet.", "flag", "fallback(recommendations)", source="models"),
    ]
    card = {
        "name": "recommendations", "title": "Product recommendations", "kind": "ranking",
        "predicts": "ten products the customer has not bought yet and is most likely to buy",
        "horizon_days": HORIZON_DAYS, "train_cutoff": cut.isoformat(), "evaluation_cutoff": cut.isoformat(),
        "scored_as_of": as_of.isoformat(),
        "training_window": f"purchases before {cut:%Y-%m-%d}; judged on new products bought in the "
                           f"{HORIZON_DAYS} days after",
        "features": ["customer x product purchase lines (log)", "item-item cosine similarity"],
        "training_customers": int(len(model.customers_)), "items": int(len(model.items_)),
        "metrics": metrics, "scored_customers": int(len(consented)),
        "fallback_share": float(fallback.mean()) if len(fallback) else 0.0,
        "fallback": "the most popular products, for customers with no purchase yet",
    }
    return ModelOutput(card, genes, values, extra_tables={"customer_recommendations": table})


def _popular_new(model: ItemItemRecommender, owned) -> list:
    """The popularity baseline under the same rule: the most popular products the customer does not own."""
    owned = owned if isinstance(owned, set) else set()
    order = model.items_[np.argsort(-model.popularity_, kind="stable")]
    return [p for p in order if p not in owned][: model.top]
