"""Fitting, judging and scoring a model out of time, the same way for every prediction.

For a horizon H and the store's latest event `as_of`:
- train: features as of `as_of - 2H`, labels from the H days after;
- evaluate: features as of `as_of - H`, labels from the H days after (the
  model never saw them); the card's figures come from here;
- score: the model refitted on the evaluation window, applied to features as
  of `as_of`, so the genes use the freshest behaviour.

Customers with no purchase before a cut-off give the model nothing to work
with: they get the fallback, the average outcome of such customers in the
training window (or their most common outcome), and a `_fallback` gene says so.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from genome.consent import PROFILING_BASES, profiling_allowed_sql
from genome.errors import InputError
from genome.genes.definition import Gene
from genome.models.evaluation import binary_report, multiclass_report, percentile
from genome.models.features import category_counts, customer_features, outcomes, purchase_categories, scoring_cutoff

FAMILY = "predictions"


class NotScorable(InputError):
    """Nobody may be scored under the profiling basis: no model can be fitted."""


@dataclass(frozen=True)
class Windows:
    as_of: datetime
    horizon_days: int

    @property
    def score(self) -> datetime:
        return scoring_cutoff(self.as_of)

    @property
    def evaluate(self) -> datetime:
        return self.score - timedelta(days=self.horizon_days)

    @property
    def train(self) -> datetime:
        return self.evaluate - timedelta(days=self.horizon_days)


class Frames:
    """Features and outcomes per cut-off, computed once and shared by the models.

    Only customers who consented to profiling are used to train or are scored:
    predictions about a person are profiling.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: datetime, *, profiling_basis: str = "consent") -> None:
        self.con = con
        self.as_of = as_of
        self.consented = pd.Index([r[0] for r in con.execute(profiling_allowed_sql(profiling_basis)).fetchall()],
                                  name="customer_id")
        if self.consented.empty:
            raise NotScorable(
                "no customer may be scored: models profile customers, and under the profiling basis "
                f"{profiling_basis!r} ({PROFILING_BASES[profiling_basis]}) nobody qualifies"
                + (". Load profiling consent events, or set GENOME_PROFILING_BASIS=legitimate_interest if that is "
                   "your legal basis" if profiling_basis == "consent" else ""))
        self.categories = purchase_categories(con)
        self._features: dict[datetime, pd.DataFrame] = {}
        self._outcomes: dict[tuple[datetime, int], pd.DataFrame] = {}
        self._categories: dict[datetime, pd.DataFrame] = {}

    def features(self, cutoff: datetime) -> pd.DataFrame:
        if cutoff not in self._features:
            frame = customer_features(self.con, cutoff)
            self._features[cutoff] = frame[frame.index.isin(self.consented)]
        return self._features[cutoff]

    def outcomes(self, cutoff: datetime, days: int) -> pd.DataFrame:
        if (cutoff, days) not in self._outcomes:
            self._outcomes[cutoff, days] = outcomes(self.con, cutoff, days)
        return self._outcomes[cutoff, days].reindex(self.features(cutoff).index)

    def with_categories(self, cutoff: datetime) -> pd.DataFrame:
        """Features plus per-category purchase and interest shares."""
        if cutoff not in self._categories:
            base = self.features(cutoff)
            counts = category_counts(self.con, cutoff, base.index, self.categories)
            shares = []
            for value in ("purchases", "purchases_90d", "interest_90d"):
                block = counts[[f"{value}:{c}" for c in self.categories]]
                shares.append(block.div(block.sum(axis=1).clip(lower=1), axis=0))
            self._categories[cutoff] = pd.concat([base, *shares], axis=1)
        return self._categories[cutoff]


@dataclass
class ModelOutput:
    """What fitting one model produced: its card, its genes and their values per customer."""

    card: dict
    genes: list[Gene]
    values: pd.DataFrame  # indexed by customer_id, one column per gene
    extra_tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def not_fitted(*, name: str, title: str, predicts: str, reason: str, customers: pd.Index,
               task: "BinaryTask | ClassTask | None" = None) -> ModelOutput:
    """What a model that could not be fitted publishes: its card with the reason, and, for a score or class
    model, its genes as a labelled fallback for everyone, so rules that name them keep working."""
    card = {"name": name, "title": title, "predicts": predicts, "kind": "not fitted", "status": "not fitted",
            "reason": reason, "metrics": {}, "features": [], "training_customers": 0, "training_window": "",
            "scored_customers": len(customers), "fallback_share": 1.0 if task is not None else 0.0,
            "fallback": f"not fitted: {reason}"}
    if task is None:
        return ModelOutput(card, [], pd.DataFrame(index=customers))
    genes = _genes(task)
    values = pd.DataFrame({g.name: (True if g.type == "flag" else None) for g in genes}, index=customers)
    return ModelOutput(card, genes, values)


def _genes(task) -> list[Gene]:
    if isinstance(task, BinaryTask):
        return [
            Gene(task.name, FAMILY, f"Probability the customer {task.predicts} (model: {task.title.lower()}).",
                 "number", f"model:{task.name}", unit="probability", source="models", sensitivity=task.sensitivity),
            Gene(f"{task.name}_pct", FAMILY, f"Percentile of {task.name} among scored customers (100 = highest).",
                 "number", f"percentile({task.name})", unit="percentile", source="models",
                 sensitivity=task.sensitivity),
            Gene(f"{task.name}_fallback", FAMILY, f"{task.name} is a fallback, not a model score: {task.fallback}.",
                 "flag", f"fallback({task.name})", source="models"),
        ]
    return [
        Gene(task.name, FAMILY, f"The {task.predicts}, predicted (model: {task.title.lower()}).", "category",
             f"model:{task.name}", source="models", sensitivity=task.sensitivity),
        Gene(f"{task.name}_confidence", FAMILY, f"How sure the model is of {task.name} (probability).",
             "number", f"max probability({task.name})", unit="probability", source="models"),
        Gene(f"{task.name}_fallback", FAMILY, f"{task.name} is a fallback, not a model score: {task.fallback}.",
             "flag", f"fallback({task.name})", source="models"),
    ]


def has_purchased(X: pd.DataFrame) -> pd.Series:
    return X["purchase_days"] > 0


@dataclass(frozen=True)
class BinaryTask:
    name: str  # the score gene, e.g. purchase_propensity_30d
    title: str
    predicts: str
    horizon_days: int
    estimator: Callable[[], object]
    # (features, outcomes) -> (rows whose outcome is defined, outcome 0/1)
    label: Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.Series, pd.Series]]
    fallback: str  # in words, for the card
    sensitivity: str | None = "inferred"
    # what the customers with the outcome did, for the card's plain sentence ("bought within 30 days")
    outcome: str = "had the outcome"


def _fallback_rate(X: pd.DataFrame, defined: pd.Series, y: pd.Series) -> float:
    """The segment average for customers the model cannot score (none of them: everyone's)."""
    rows = defined & ~has_purchased(X)
    return float(y[rows].mean()) if rows.any() else float(y[defined].mean())


def _score(model, X: pd.DataFrame, rate: float) -> tuple[np.ndarray, np.ndarray]:
    scorable = has_purchased(X).to_numpy()
    score = np.full(len(X), rate)
    if scorable.any():
        score[scorable] = model.predict_proba(X[scorable])[:, 1]
    return score, ~scorable


def run_binary(frames: Frames, task: BinaryTask) -> ModelOutput:
    w = Windows(frames.as_of, task.horizon_days)
    X_train = frames.features(w.train)
    defined, y = task.label(X_train, frames.outcomes(w.train, task.horizon_days))
    fit_rows = defined & has_purchased(X_train)
    model = task.estimator().fit(X_train[fit_rows], y[fit_rows].astype(int))
    rate = _fallback_rate(X_train, defined, y)

    X_eval = frames.features(w.evaluate)
    defined_eval, y_eval = task.label(X_eval, frames.outcomes(w.evaluate, task.horizon_days))
    score_eval, _ = _score(model, X_eval, rate)
    metrics = binary_report(y_eval[defined_eval].astype(int), score_eval[defined_eval.to_numpy()])

    refit_rows = defined_eval & has_purchased(X_eval)
    final = task.estimator().fit(X_eval[refit_rows], y_eval[refit_rows].astype(int))
    final_rate = _fallback_rate(X_eval, defined_eval, y_eval)
    X_now = frames.features(w.score)
    score, fell_back = _score(final, X_now, final_rate)

    values = pd.DataFrame({task.name: score, f"{task.name}_pct": percentile(score),
                           f"{task.name}_fallback": fell_back}, index=X_now.index)
    genes = _genes(task)
    card = _card(task.name, task.title, f"whether the customer {task.predicts}", "binary", w, model,
                 int(fit_rows.sum()), metrics, fell_back, task.fallback) | {"outcome": task.outcome}
    return ModelOutput(card, genes, values)


@dataclass(frozen=True)
class ClassTask:
    name: str  # the category gene, e.g. predicted_channel
    title: str
    predicts: str
    horizon_days: int
    estimator: Callable[[], object]
    label: Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.Series, pd.Series]]
    # what a simple rule would say from the past alone, judged beside the model
    baseline: Callable[[pd.DataFrame], pd.Series]
    baseline_name: str
    fallback: str
    # customers the model can score; the rest get the most common outcome
    scorable: Callable[[pd.DataFrame], pd.Series] = has_purchased
    with_categories: bool = False
    sensitivity: str | None = "inferred"


def run_class(frames: Frames, task: ClassTask) -> ModelOutput:
    w = Windows(frames.as_of, task.horizon_days)
    features = frames.with_categories if task.with_categories else frames.features
    X_train = features(w.train)
    defined, y = task.label(X_train, frames.outcomes(w.train, task.horizon_days))
    fit_rows = defined & task.scorable(X_train)
    model = task.estimator().fit(X_train[fit_rows], _labels(y[fit_rows]))
    common = most_common(y[defined & ~task.scorable(X_train)], y[defined])

    X_eval = features(w.evaluate)
    defined_eval, y_eval = task.label(X_eval, frames.outcomes(w.evaluate, task.horizon_days))
    predicted, _, _ = classify(model, X_eval, task, common)
    rows = defined_eval.to_numpy()
    metrics = multiclass_report(_labels(y_eval[defined_eval]), predicted[rows],
                                _labels(task.baseline(X_eval)[defined_eval].fillna(common)),
                                baseline_name=task.baseline_name)

    refit_rows = defined_eval & task.scorable(X_eval)
    final = task.estimator().fit(X_eval[refit_rows], _labels(y_eval[refit_rows]))
    final_common = most_common(y_eval[defined_eval & ~task.scorable(X_eval)], y_eval[defined_eval])
    X_now = features(w.score)
    predicted, confidence, fell_back = classify(final, X_now, task, final_common)
    values = pd.DataFrame({task.name: predicted, f"{task.name}_confidence": confidence,
                           f"{task.name}_fallback": fell_back}, index=X_now.index)
    genes = _genes(task)
    card = _card(task.name, task.title, f"the {task.predicts}", "multiclass", w, model, int(fit_rows.sum()),
                 metrics, fell_back, task.fallback)
    return ModelOutput(card, genes, values)


def _labels(values: pd.Series) -> np.ndarray:
    return np.asarray(values, dtype=object).astype(str)


def most_common(preferred: pd.Series, everyone: pd.Series) -> str:
    """The commonest outcome among `preferred` (the customers a fallback is for), else among everyone."""
    pool = preferred if len(preferred) else everyone
    return str(pool.astype(str).value_counts().sort_index().idxmax())


def classify(model, X: pd.DataFrame, task: ClassTask, common: str):
    """Predicted class, its probability and whether it is the fallback, for every row of `X`."""
    scorable = task.scorable(X).to_numpy()
    predicted = np.full(len(X), common, dtype=object)
    confidence = np.full(len(X), np.nan)
    if scorable.any():
        proba = model.predict_proba(X[scorable])
        predicted[scorable] = np.asarray(model.classes_, dtype=object)[proba.argmax(axis=1)]
        confidence[scorable] = proba.max(axis=1)
    return predicted, confidence, ~scorable


def _card(name, title, predicts, kind, w: Windows, model, n_train, metrics, fell_back, fallback) -> dict:
    return {
        "name": name, "title": title, "predicts": predicts, "kind": kind,
        "horizon_days": w.horizon_days,
        "train_cutoff": w.train.isoformat(), "evaluation_cutoff": w.evaluate.isoformat(),
        "scored_as_of": w.as_of.isoformat(),
        "training_window": f"events before {w.train:%Y-%m-%d}, outcomes {w.train:%Y-%m-%d} to {w.evaluate:%Y-%m-%d}",
        "features": list(getattr(model, "features_", [])),
        "training_customers": n_train,
        "metrics": metrics,
        "scored_customers": int(len(fell_back)),
        "fallback_share": float(np.mean(fell_back)) if len(fell_back) else 0.0,
        "fallback": fallback,
    }
