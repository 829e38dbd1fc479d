"""Product recommendations: what each customer buys again, mixed with what buyers of the same things also buy.

A grocery customer's next basket is mostly what they bought before, so the
score of a product for a customer adds two parts, each scaled to 0-1 per
customer:
- again: how often and how lately the customer bought it (log lines, halved
  every `half_life_days` since the last time);
- new: sparse item-item neighbours, each product's `neighbours` most similar
  products by cosine over who bought them, summed over the customer's
  history.
A third method learns: `CandidateRanker` ranks each customer's own products
and the neighbours' suggestions with a model fitted on an earlier window.
Which method is published is chosen out of time on a validation window,
among the ranker and a few mixes of the two parts, beside three simple rules: the customer's own most-bought products,
the most popular products of the customer's favourite categories, and the
most popular products. If no learned method beats the best rule on validation, the rule
is what gets published, and the card says so. The card's figures come from a
later evaluation window that chose nothing, with 95% bootstrap intervals.

Nor does any method recommend what the retailer says is not goods to suggest
(`not_recommended`: fuel, gift cards, carrier bags, by department or
category); such products are left out the same way.

No method recommends a product of a special category (children, pregnancy,
health, alcohol and tobacco, religion: `genome.sensitivity`, by the product's
category, name or department): such products
are left out of what every method and rule learns from and suggests, since a
recommendation goes into e-mails and ad audiences, where beer, cigarettes or
baby formula chosen for a person reveals or pushes what should not be. What
customers bought afterwards is judged whole, so the figures are those of the
lists as published.

Memory stays bounded: neighbours are found a block of products at a time and
kept sparse (products x `neighbours`), and customers are scored a batch at a
time.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from genome.errors import InputError
from genome.genes.definition import Gene, spelling_key
from genome.models.baselines import mean_interval
from genome.models.candidate_ranker import CandidateRanker
from genome.models.features import purchased_products, scoring_cutoff
from genome.models.neighbours import TOP, NeighbourRecommender
from genome.models.tasks import ModelOutput
from genome.sensitivity import SPECIAL_CATEGORIES, sensitivities, sensitivity_of
from genome.store_settings import store_setting
from store.duck import table_columns
from store.settings import get_settings

__all__ = ["NeighbourRecommender", "TOP", "run_recommendations", "baseline", "hits", "hit_rate"]

FAMILY = "recommendations"
HORIZON_DAYS = 90
MIXES = ((1.0, 0.0), (1.0, 0.1), (1.0, 0.3), (1.0, 1.0), (0.0, 1.0))  # (again, new) weights tried on validation
BASELINES = {
    "own_most_bought": "the customer's own ten most-bought products",
    "favourite_categories_popular": "the most popular products of the customer's favourite categories",
    "popular": "the ten most popular products",
}


def baseline(name: str, purchases: pd.DataFrame, customers: pd.Index, categories: dict[str, str],
             top: int = TOP) -> np.ndarray:
    """The simple rules the recommender is judged beside, as ten products per customer (rows follow `customers`)."""
    popular = purchases.groupby("product_id")["customer_id"].nunique().sort_values(ascending=False, kind="stable")
    popular_list = popular.index.tolist()[: top * 5]
    mine = purchases.sort_values(["customer_id", "lines", "last_bought", "product_id"],
                                 ascending=[True, False, False, True])
    owned = mine.groupby("customer_id")["product_id"].agg(list)
    if name == "own_most_bought":
        choose = {c: products[:top] for c, products in owned.items()}
    elif name == "favourite_categories_popular":
        with_category = purchases.assign(category=purchases["product_id"].map(categories))
        favourite = (with_category.groupby(["customer_id", "category"])["lines"].sum().reset_index()
                     .sort_values(["customer_id", "lines", "category"], ascending=[True, False, True])
                     .groupby("customer_id")["category"].agg(lambda c: list(c)[:3]))
        by_category = (with_category.groupby(["category", "product_id"])["customer_id"].nunique().reset_index()
                       .sort_values(["category", "customer_id", "product_id"], ascending=[True, False, True])
                       .groupby("category")["product_id"].agg(lambda p: list(p)[:top]))
        choose = {c: [p for cat in cats for p in by_category.get(cat, [])][:top] for c, cats in favourite.items()}
    elif name == "popular":
        choose = {}
    else:
        raise InputError(f"unknown recommendation baseline {name!r}")
    out = np.empty((len(customers), top), dtype=object)
    for i, customer in enumerate(customers):
        picked = list(dict.fromkeys(choose.get(customer, [])))
        picked += [p for p in popular_list if p not in picked][: top - len(picked)]
        out[i] = (picked + [None] * top)[:top]
    return out


def hits(recommended: np.ndarray, bought_after: pd.Series) -> np.ndarray:
    """Per customer: did they buy at least one of their recommendations afterwards (1) or not (0)."""
    return np.array([bool(set(row) & products) for row, products in zip(recommended, bought_after)], dtype=float)


def hit_rate(recommended, bought_after) -> float:
    """Share of customers with at least one recommended product among what they bought afterwards."""
    judged = hits(np.asarray(recommended, dtype=object), pd.Series(list(bought_after)))
    return float(judged.mean()) if len(judged) else 0.0


def special_products(categories: dict[str, str], catalogue: pd.DataFrame | None = None) -> set[str]:
    """Products of a special kind, never recommended: by their category's words or meaning, or by the words of
    their name or department in the catalogue (`product_id`, `name`, `department`), as the service desk's next
    best action judges them ("PREGNANCY TEST KITS" filed under "FAMILY PLANNING")."""
    kinds = sensitivities(c for c in set(categories.values()) if c is not None)
    special = {p for p, c in categories.items() if c is not None and kinds[str(c)] in SPECIAL_CATEGORIES}
    if catalogue is not None:
        special |= {str(p) for p, name, department in catalogue[["product_id", "name", "department"]].itertuples(
            index=False) if sensitivity_of(name, department) in SPECIAL_CATEGORIES}
    return special


def not_recommended(con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """Departments or categories the retailer never wants recommended, as first written: GENOME_NOT_RECOMMENDED
    for one command (empty: none), else the store's own setting (comma-separated); none by default."""
    given = get_settings().not_recommended
    text = given if given is not None else store_setting(con, "not_recommended", "")
    names: dict[str, str] = {}
    for name in text.split(","):
        if key := spelling_key(name):
            names.setdefault(key, name.strip())
    return tuple(names.values())


def unwanted_products(names: tuple[str, ...], categories: dict[str, str],
                      catalogue: pd.DataFrame | None = None) -> set[str]:
    """Products whose category, or department in the catalogue, is one of `names` in any spelling the genome
    would merge ("Gift card", "GIFTCARDS")."""
    keys = {spelling_key(n) for n in names}
    if not keys:
        return set()
    unwanted = {p for p, c in categories.items() if c is not None and spelling_key(c) in keys}
    if catalogue is not None:
        unwanted |= {str(p) for p, department in catalogue[["product_id", "department"]].itertuples(index=False)
                     if department is not None and spelling_key(department) in keys}
    return unwanted


def _catalogue(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The product catalogue's names and departments, when one is loaded."""
    columns = set(table_columns(con, "products"))
    if not columns:
        return None
    name = "name" if "name" in columns else "NULL"
    department = "department" if "department" in columns else "NULL"
    return con.execute(f"SELECT product_id, {name} AS name, {department} AS department FROM products").df()


@dataclass
class _Split:
    history: pd.DataFrame
    truth: pd.Series  # customer_id -> set of products bought in the window
    cut: datetime


def _suggestible(purchases: pd.DataFrame, consented: pd.Index, left_out: set[str]) -> pd.DataFrame:
    """The purchases recommendations learn from: of customers who may be profiled, of products they may name."""
    return purchases[purchases["customer_id"].isin(consented) & ~purchases["product_id"].isin(left_out)]


def _split(con, consented: pd.Index, cut: datetime, until: datetime, left_out: set[str]) -> _Split:
    history = _suggestible(purchased_products(con, None, cut), consented, left_out)
    after = purchased_products(con, cut, until)
    after = after[after["customer_id"].isin(set(history["customer_id"]))]
    return _Split(history, after.groupby("customer_id")["product_id"].agg(set), cut)


def _judge(split: _Split, categories: dict[str, str], mixes=MIXES, ranker: CandidateRanker | None = None
           ) -> dict[str, np.ndarray]:
    """Per method (each mix, the ranker fitted on an earlier window, each baseline), the hit of every judged
    customer."""
    judged = pd.Index(split.truth.index)
    results = {}
    if len(judged) and ranker is not None:
        results["ranker"] = hits(ranker.recommend(split.history, judged, split.cut)[0], split.truth)
    if len(judged):
        model = NeighbourRecommender().fit(split.history)
        for again, new in mixes:
            model.set_params(again=again, new=new)
            results[f"mix {again:g}/{new:g}"] = hits(model.recommend(split.history, judged, split.cut)[0], split.truth)
        for name in BASELINES:
            results[name] = hits(baseline(name, split.history, judged, categories), split.truth)
    return results


def _ranker(split: _Split) -> CandidateRanker | None:
    """The candidate ranker learned on a window, or None when the window cannot teach it (too little data)."""
    try:
        return CandidateRanker().fit(split.history, split.truth, split.cut)
    except InputError:
        return None


def run_recommendations(con: duckdb.DuckDBPyConnection, as_of: datetime, consented: pd.Index,
                        categories: dict[str, str]) -> ModelOutput:
    score_cut = scoring_cutoff(as_of)
    evaluate_cut = score_cut - timedelta(days=HORIZON_DAYS)
    validate_cut = evaluate_cut - timedelta(days=HORIZON_DAYS)
    train_cut = validate_cut - timedelta(days=HORIZON_DAYS)
    catalogue = _catalogue(con)
    special = special_products(categories, catalogue)
    unwanted_names = not_recommended(con)
    unwanted = unwanted_products(unwanted_names, categories, catalogue) - special
    left_out = special | unwanted  # left out of learning and suggesting alike
    validate_split = _split(con, consented, validate_cut, evaluate_cut, left_out)
    validation = _judge(validate_split, categories,
                        ranker=_ranker(_split(con, consented, train_cut, validate_cut, left_out)))
    if not validation:
        raise InputError("no customer bought anything in the validation window to judge recommendations on")
    learned = ("mix", "ranker")
    chosen = max(validation, key=lambda m: (validation[m].mean(), m.startswith(learned)))
    evaluate_split = _split(con, consented, evaluate_cut, score_cut, left_out)
    evaluation = _judge(evaluate_split, categories, ranker=_ranker(validate_split) if "ranker" in validation
                        else None)
    if not evaluation:
        raise InputError("no customer bought anything in the evaluation window to judge recommendations on")
    everything = _suggestible(purchased_products(con, None, score_cut), consented, left_out)
    if chosen == "ranker":
        top, fallback = CandidateRanker().fit(evaluate_split.history, evaluate_split.truth, evaluate_cut).recommend(
            everything, consented, score_cut)
    elif chosen.startswith("mix"):
        again, new = (float(x) for x in chosen.split()[1].split("/"))
        final = NeighbourRecommender(again=again, new=new).fit(everything)
        top, fallback = final.recommend(everything, consented, score_cut)
    else:
        top = baseline(chosen, everything, consented, categories)
        fallback = ~consented.isin(set(everything["customer_id"]))
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
    method = ("candidates ranked by a learned model" if chosen == "ranker" else
              "again and neighbours" if chosen.startswith("mix") else BASELINES[chosen])
    genes = [
        Gene("top_recommendation", FAMILY, f"The product the customer is most likely to buy next ({method}; the "
             "full top 10 is in customer_recommendations).", "category", f"model:recommendations {chosen}",
             source="models", sensitivity="inferred"),
        Gene("top_recommendation_category", FAMILY, "Category of the top recommended product.", "category",
             "category of top_recommendation", source="models", sensitivity="inferred"),
        Gene("recommendations_fallback", FAMILY, "Recommendations are the most popular products: "
             "no purchase to go on yet.", "flag", "fallback(recommendations)", source="models"),
    ]
    published = evaluation[chosen]
    best_rule = max(BASELINES, key=lambda b: evaluation[b].mean())
    metrics = {
        "customers": int(len(published)), "published": chosen,
        "hit_rate_at_10": float(published.mean()), "hit_rate_interval": mean_interval(published),
        "baselines": {name: {"hit_rate_at_10": float(evaluation[name].mean()),
                             "interval": mean_interval(evaluation[name]), "rule": BASELINES[name]}
                      for name in BASELINES},
        "best_baseline": best_rule,
        "popular_hit_rate_at_10": float(evaluation["popular"].mean()),
        "validation": {name: float(v.mean()) for name, v in validation.items()},
        # every learned method on the evaluation window too, as measured, whichever was chosen
        "methods": {name: {"hit_rate_at_10": float(v.mean()), "interval": mean_interval(v)}
                    for name, v in evaluation.items() if name.startswith(learned)},
    }
    card = {
        "name": "recommendations", "title": "Product recommendations", "kind": "ranking",
        "predicts": "ten products the customer is most likely to buy, again or for the first time, never one of a "
                    f"special category ({len(special):,} of {len(categories):,} products left out: "
                    "children, pregnancy, health, alcohol and tobacco, religion)"
                    + (f", nor one the store does not recommend ({', '.join(unwanted_names)}: "
                       f"{f'{len(unwanted):,} products' if unwanted else 'none found'})" if unwanted_names else ""),
        "horizon_days": HORIZON_DAYS, "train_cutoff": validate_cut.isoformat(),
        "evaluation_cutoff": evaluate_cut.isoformat(), "scored_as_of": as_of.isoformat(),
        "training_window": f"purchases before {train_cut:%Y-%m-%d} and the {HORIZON_DAYS} days after (the ranker); "
                           f"before {validate_cut:%Y-%m-%d} and the {HORIZON_DAYS} days after (choosing the method); "
                           f"judged on purchases before {evaluate_cut:%Y-%m-%d} and the {HORIZON_DAYS} days after",
        "features": ["what the customer bought, how often, how lately and how overdue it is",
                     "products bought by the same customers (sparse cosine neighbours)",
                     "how many buy each product and how often they come back for it"],
        "training_customers": int(everything["customer_id"].nunique()),
        "items": int(everything["product_id"].nunique()),
        "metrics": metrics, "scored_customers": int(len(consented)),
        "fallback_share": float(np.mean(fallback)) if len(fallback) else 0.0,
        "fallback": "the most popular products, for customers with no purchase yet",
        "status": "published" if chosen.startswith(learned) else "baseline published",
    }
    return ModelOutput(card, genes, values, extra_tables={"customer_recommendations": table})
