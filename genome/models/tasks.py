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
from genome.models.attribute_features import (
    PREFIX as ATTRIBUTE_PREFIX,
    AttributeFeatures,
    attribute_features,
    with_attributes,
)
from genome.models.baselines import Rule, RuleScore, auc, mean_interval, paired_intervals, validation_rows
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
        self.first_event = con.execute(
            "SELECT min(occurred_at) FROM events WHERE event_type = 'purchase'").fetchone()[0]
        self._features: dict[datetime, pd.DataFrame] = {}
        self._outcomes: dict[tuple[datetime, int], pd.DataFrame] = {}
        self._categories: dict[datetime, pd.DataFrame] = {}
        self._attributes: AttributeFeatures | None = None
        self._with_attributes: dict[datetime, pd.DataFrame] = {}

    def features(self, cutoff: datetime) -> pd.DataFrame:
        if cutoff not in self._features:
            frame = customer_features(self.con, cutoff)
            self._features[cutoff] = frame[frame.index.isin(self.consented)]
        return self._features[cutoff]

    def with_attributes(self, cutoff: datetime) -> pd.DataFrame:
        """Features plus the imported customer attributes (`genome.models.attribute_features`), when any."""
        if self._attributes is None:
            self._attributes = attribute_features(self.con)
        if cutoff not in self._with_attributes:  # every binary model reads each cut-off several times
            self._with_attributes[cutoff] = with_attributes(self.features(cutoff), self._attributes)
        return self._with_attributes[cutoff]

    def outcomes(self, cutoff: datetime, days: int) -> pd.DataFrame:
        if (cutoff, days) not in self._outcomes:
            self._outcomes[cutoff, days] = outcomes(self.con, cutoff, days)
        return self._outcomes[cutoff, days].reindex(self.features(cutoff).index)

    def with_categories(self, cutoff: datetime) -> pd.DataFrame:
        """Features plus, per category, shares of purchases (all time, 90 and 30 days) and of browsing, the share
        of the customer's shopping days that include it, and how recently it was bought."""
        if cutoff not in self._categories:
            base = self.features(cutoff)
            counts = category_counts(self.con, cutoff, base.index, self.categories)
            blocks = []
            for value in ("purchases", "purchases_90d", "purchases_30d", "interest_90d"):
                block = counts[[f"{value}:{c}" for c in self.categories]]
                blocks.append(block.div(block.sum(axis=1).clip(lower=1), axis=0))
            days = counts[[f"days_bought:{c}" for c in self.categories]]
            blocks.append(days.div(base["purchase_days"].clip(lower=1), axis=0))
            blocks.append(counts[[f"recency:{c}" for c in self.categories]])
            self._categories[cutoff] = pd.concat([base, *blocks], axis=1)
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
            Gene(f"{task.name}_pct", FAMILY, f"Percentile of the {task.title.lower()} score among scored customers "
                 "(100 = highest).",
                 "number", f"percentile({task.name})", unit="percentile", source="models",
                 sensitivity=task.sensitivity),
            Gene(f"{task.name}_fallback", FAMILY, f"The {task.title.lower()} value is a fallback, not a model score: "
                 f"{task.fallback}.",
                 "flag", f"fallback({task.name})", source="models"),
        ]
    return [
        Gene(task.name, FAMILY, f"The {task.predicts}, predicted (model: {task.title.lower()}).", "category",
             f"model:{task.name}", source="models", sensitivity=task.sensitivity),
        Gene(f"{task.name}_confidence", FAMILY,
             f"How sure the model is of the {task.predicts} it predicts (probability).",
             "number", f"max probability({task.name})", unit="probability", source="models"),
        Gene(f"{task.name}_fallback", FAMILY, f"The {task.title.lower()} value is a fallback, not a model score: "
             f"{task.fallback}.", "flag", f"fallback({task.name})", source="models"),
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
    # the one-line rules the model must beat to be published (`genome.models.baselines`)
    baselines: tuple[Rule, ...] = ()


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


# Binary models learn from several cut-offs a month apart (each with its full outcome window before the next
# stage's cut-off): a year of a grocer's data gives four or five times the examples one cut-off would.
STACKED_CUTOFFS, STACK_STEP_DAYS, MIN_HISTORY_DAYS = 5, 30, 60


@dataclass
class _Stack:
    X: pd.DataFrame  # rows: (cut-off, customer) pairs, positionally aligned with the arrays below
    defined: np.ndarray
    y: np.ndarray
    customers: np.ndarray

    @property
    def fit_rows(self) -> np.ndarray:
        return self.defined & has_purchased(self.X).to_numpy()


def _stack(frames: Frames, task: BinaryTask, last: datetime) -> _Stack:
    """Features and labels at `last` and the monthly cut-offs before it that leave enough history."""
    parts = []
    for k in range(STACKED_CUTOFFS):
        cutoff = last - timedelta(days=STACK_STEP_DAYS * k)
        if k and (frames.first_event is None or cutoff < frames.first_event + timedelta(days=MIN_HISTORY_DAYS)):
            break
        X = frames.with_attributes(cutoff)
        try:
            defined, y = task.label(X, frames.outcomes(cutoff, task.horizon_days))
        except InputError:
            if not k:
                raise
            break  # an earlier window without the outcome at all (no coupons yet, say): stop there
        parts.append((X, defined.to_numpy(), y.to_numpy(dtype=float, na_value=0).astype(bool)))
    return _Stack(pd.concat([p[0] for p in parts], ignore_index=True), np.concatenate([p[1] for p in parts]),
                  np.concatenate([p[2] for p in parts]), np.concatenate([p[0].index.to_numpy() for p in parts]))


def run_binary(frames: Frames, task: BinaryTask) -> ModelOutput:
    w = Windows(frames.as_of, task.horizon_days)
    train = _stack(frames, task, w.train)
    validation, rule, form = _choose(task, train)
    forms = validation.pop("model_forms", {})
    use_model = rule is None or bool(validation["model"] > validation[rule.column])  # NaN: not validated

    fit = train.fit_rows
    model = _estimator(task, form).fit(train.X[fit], train.y[fit].astype(int))
    X_train = frames.with_attributes(w.train)
    defined, y = task.label(X_train, frames.outcomes(w.train, task.horizon_days))
    rate = _fallback_rate(X_train, defined, y)
    X_eval = frames.with_attributes(w.evaluate)
    defined_eval, y_eval = task.label(X_eval, frames.outcomes(w.evaluate, task.horizon_days))
    rows = defined_eval.to_numpy()
    truth = y_eval[defined_eval].astype(int).to_numpy()
    model_eval = _score(model, X_eval, rate)[0][rows]
    if use_model:
        published = model_eval
    else:  # the rule, made a probability on the training windows, as it will be published
        published = RuleScore(rule).fit(train.X[train.defined], train.y[train.defined].astype(int)).predict_proba(
            X_eval[defined_eval])[:, 1]
    metrics = binary_report(truth, published)
    if rule is not None:
        judged = paired_intervals(truth, {"model": model_eval} | {
            r.column: r.score(X_eval[defined_eval]) for r in task.baselines}, against=rule.column)
        metrics |= {
            "model_roc_auc": judged["model"]["roc_auc"], "model_interval": judged["model"]["interval"],
            "model_minus_best_baseline": judged["model"]["difference"],
            "baselines": {r.column: {"rule": r.words, "roc_auc": judged[r.column]["roc_auc"],
                                     "interval": judged[r.column]["interval"]} for r in task.baselines},
            "best_baseline": rule.column, "validation": validation, "model_form": form,
            "model_forms_on_validation": forms,
            "published": "model" if use_model else rule.column,
        }
        metrics["roc_auc_interval"] = judged["model" if use_model else rule.column]["interval"]

    X_now = frames.with_attributes(w.score)
    latest = _stack(frames, task, w.evaluate)
    if use_model:
        final = _estimator(task, form).fit(latest.X[latest.fit_rows], latest.y[latest.fit_rows].astype(int))
        score, fell_back = _score(final, X_now, _fallback_rate(X_eval, defined_eval, y_eval))
    else:  # every customer with history has the rule's feature: nobody needs a fallback
        final = RuleScore(rule).fit(latest.X[latest.defined], latest.y[latest.defined].astype(int))
        score, fell_back = final.predict_proba(X_now)[:, 1], np.zeros(len(X_now), dtype=bool)

    values = pd.DataFrame({task.name: score, f"{task.name}_pct": percentile(score),
                           f"{task.name}_fallback": fell_back}, index=X_now.index)
    genes = _genes(task)
    card = _card(task.name, task.title, f"whether the customer {task.predicts}", "binary", w, final,
                 int(fit.sum()), metrics, fell_back, task.fallback) | {"outcome": task.outcome}
    if _cutoffs(train) > 1:
        card["training_window"] += f", and {_cutoffs(train) - 1} earlier cut-offs a month apart"
    if rule is not None:
        card["status"] = "published" if use_model else "baseline published"
        if not use_model:
            card["model_features"] = list(model.features_)
    return ModelOutput(card, genes, values)


def _cutoffs(stack: _Stack) -> int:
    """How many cut-offs a stack holds (each customer appears once per cut-off)."""
    return int(pd.Series(stack.customers).value_counts().max()) if len(stack.customers) else 0


# The model's forms (`genome.models.classifier`): boosted trees alone, or averaged half and half with a
# regularised linear model, each with and (where a store has them) without imported customer attributes.
# Validation picks one per task and store: the average helps where recency and frequency carry most of the signal
# (churn, propensity on Complete Journey) and not where one threshold does; attributes help where who the household
# is says something the purchases do not.
MODEL_FORMS = {"boosted trees": 0.0, "boosted trees averaged with a linear model": 0.5}
WITH_ATTRIBUTES = ", with customer attributes"
DEFAULT_FORM = "boosted trees"


def _forms(X: pd.DataFrame) -> list[str]:
    """The forms to validate: with attributes as well only when the frame has some (ties go to the simpler)."""
    forms = list(MODEL_FORMS)
    if any(str(c).startswith(ATTRIBUTE_PREFIX) for c in X.columns):
        forms += [f"{form}{WITH_ATTRIBUTES}" for form in MODEL_FORMS]
    return forms


def _estimator(task: BinaryTask, form: str):
    estimator = task.estimator()
    params = estimator.get_params()
    if "linear_weight" in params:
        estimator.set_params(linear_weight=MODEL_FORMS[form.removesuffix(WITH_ATTRIBUTES)])
    if "attributes" in params:
        estimator.set_params(attributes=form.endswith(WITH_ATTRIBUTES))
    return estimator


def _choose(task: BinaryTask, train: _Stack):
    """Model against rules on customers held out of the training windows (at every cut-off): ROC AUC of each
    model form and rule, the best form and the best rule. The later evaluation window chooses nothing; it only
    measures what was chosen here."""
    if not task.baselines:
        return {}, None, DEFAULT_FORM
    held = validation_rows(pd.Index(train.customers))
    fit = train.fit_rows & ~held
    check = train.defined & held
    truth = train.y[check].astype(int)
    if truth.size == 0 or truth.min() == truth.max():
        # too few customers to validate a model on: publish the rule that ranks the training windows best (a
        # rule learns nothing, so its training figure is fair)
        truth, X_rules = train.y[train.defined].astype(int), train.X[train.defined]
        validation = {"model": float("nan")} | {r.column: auc(truth, r.score(X_rules)) for r in task.baselines}
        return validation, max(task.baselines, key=lambda r: np.nan_to_num(validation[r.column], nan=-1)), \
            DEFAULT_FORM
    rate = float(train.y[train.defined & ~held].mean())
    forms = {}
    for form in _forms(train.X):
        trial = _estimator(task, form).fit(train.X[fit], train.y[fit].astype(int))
        forms[form] = auc(truth, _score(trial, train.X[check], rate)[0])
    form = max(forms, key=lambda f: np.nan_to_num(forms[f], nan=-1))
    validation = {"model": forms[form]} | {r.column: auc(truth, r.score(train.X[check])) for r in task.baselines}
    validation["model_forms"] = forms
    return validation, max(task.baselines, key=lambda r: np.nan_to_num(validation[r.column], nan=-1)), form


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
    common = most_common(y[defined & ~task.scorable(X_train)], y[defined])
    validation = _choose_class(task, X_train, defined, y, fit_rows, common)
    use_model = validation["model"] > validation["baseline"]
    model = task.estimator().fit(X_train[fit_rows], _labels(y[fit_rows]))

    X_eval = features(w.evaluate)
    defined_eval, y_eval = task.label(X_eval, frames.outcomes(w.evaluate, task.horizon_days))
    predicted, _, _ = classify(model, X_eval, task, common)
    rows = defined_eval.to_numpy()
    truth = _labels(y_eval[defined_eval])
    rule = _labels(task.baseline(X_eval)[defined_eval].fillna(common))
    metrics = multiclass_report(truth, predicted[rows] if use_model else rule, rule,
                                baseline_name=task.baseline_name)
    metrics |= {"model_accuracy": float(np.mean(predicted[rows] == truth)), "validation": validation,
                "published": "model" if use_model else "baseline",
                "accuracy_interval": mean_interval(((predicted[rows] if use_model else rule) == truth)),
                "baseline_interval": mean_interval(rule == truth)}

    final_common = most_common(y_eval[defined_eval & ~task.scorable(X_eval)], y_eval[defined_eval])
    X_now = features(w.score)
    if use_model:
        refit_rows = defined_eval & task.scorable(X_eval)
        final = task.estimator().fit(X_eval[refit_rows], _labels(y_eval[refit_rows]))
        predicted, confidence, fell_back = classify(final, X_now, task, final_common)
    else:  # the simple rule is published: what it names, for everyone it can name something for
        final = model
        named = task.baseline(X_now)
        fell_back = (named.isna() | ~task.scorable(X_now)).to_numpy()
        predicted = np.where(fell_back, final_common, named.astype(object).to_numpy())
        confidence = np.full(len(X_now), np.nan)
    values = pd.DataFrame({task.name: predicted, f"{task.name}_confidence": confidence,
                           f"{task.name}_fallback": fell_back}, index=X_now.index)
    genes = _genes(task)
    card = _card(task.name, task.title, f"the {task.predicts}", "multiclass", w, final, int(fit_rows.sum()),
                 metrics, fell_back, task.fallback) | {"status": "published" if use_model else "baseline published"}
    return ModelOutput(card, genes, values)


def _choose_class(task: ClassTask, X: pd.DataFrame, defined: pd.Series, y: pd.Series, fit_rows: pd.Series,
                  common: str) -> dict:
    """Accuracy of the model (fitted without them) and of the simple rule on held-out training customers."""
    held = pd.Series(validation_rows(X.index), index=X.index)
    trial = task.estimator().fit(X[fit_rows & ~held], _labels(y[fit_rows & ~held]))
    check = defined & held
    truth = _labels(y[check])
    if truth.size == 0:
        raise InputError(f"{task.title}: no held-out customer has an outcome to validate on")
    predicted = classify(trial, X[check], task, common)[0]
    rule = _labels(task.baseline(X[check]).fillna(common))
    return {"model": float(np.mean(predicted == truth)), "baseline": float(np.mean(rule == truth))}


def _labels(values: pd.Series) -> np.ndarray:
    return np.asarray(values, dtype=object).astype(str)


def most_common(preferred: pd.Series, everyone: pd.Series) -> str:
    """The commonest outcome among `preferred` (the customers a fallback is for), else among everyone."""
    pool = preferred if len(preferred) else everyone
    if pool.empty:
        raise InputError("no customer has an outcome in the training window to learn from")
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
        "features": list(getattr(model, "informative_features_", getattr(model, "features_", []))),
        "training_customers": n_train,
        "metrics": metrics,
        "scored_customers": int(len(fell_back)),
        "fallback_share": float(np.mean(fell_back)) if len(fell_back) else 0.0,
        "fallback": fallback,
    }
