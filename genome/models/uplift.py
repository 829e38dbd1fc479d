"""Uplift on buying: who buys because they were sent a campaign, learnt from past campaigns' treated and control.

A two-model learner: one classifier learns who buys within 14 days among the
treated recipients of past campaigns, another among their held-out control
groups; a customer's uplift is the difference. Each recipient's features are
their behaviour before that campaign's send, so a campaign's own response
never leaks into what predicts it.

Judged out of time, on whole campaigns: the earlier two thirds (by send) train,
the later third is held out and only measured. Validation chooses: customers
held out of the training campaigns (by a hash) compare the learner's Qini
coefficient with random targeting (0) and with targeting by plain purchase
propensity (one classifier on all recipients, treated or not). The learner is
published as `uplift_purchase` only when it beats both there; the card shows
both on the later campaigns with 95% bootstrap intervals, and what sending to
the top 30% by each would have gained.

Grain of the training rows: one per campaign and recipient.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from genome.campaigns.kept import campaign_outcomes, kept_is_current
from genome.campaigns.measure import campaigns_found
from genome.errors import InputError
from genome.genes.definition import Gene
from genome.models.baselines import DRAWS, validation_rows
from genome.models.classifier import FeatureClassifier
from genome.models.evaluation import percentile
from genome.models.features import customer_features, scoring_cutoff
from genome.models.qini import curve_points, extra_buyers_at, qini_coefficient
from genome.models.tasks import FAMILY, Frames, ModelOutput

NAME = "uplift_purchase"
TITLE = "Uplift on buying"
PREDICTS = "how much more likely the customer is to buy within 14 days when sent a campaign"
WINDOW_DAYS = 14
MIN_CAMPAIGNS = 4  # three to learn from, one later to be judged on
MIN_CONTROL = 100  # control recipients the training campaigns need between them
TARGET_SHARE = 0.3  # the card's "send to the top 30%" comparison
# each of the two models boosted trees averaged half and half with a regularised linear model: the trees find
# thresholds, the linear part keeps the difference of two noisy models smooth along recency and frequency
LINEAR_WEIGHT = 0.5
FORM = "two models, each boosted trees averaged with a linear model"


class TwoModelUplift(BaseEstimator):
    """Uplift as the difference of two classifiers' probabilities: fitted on the treated, and on the control."""

    def __init__(self, linear_weight: float = 0.0, random_state: int = 0):
        self.linear_weight = linear_weight
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y, treated) -> "TwoModelUplift":
        y, treated = np.asarray(y, dtype=int), np.asarray(treated, dtype=bool)
        if treated.all() or not treated.any():
            raise InputError("an uplift model needs treated and control recipients")
        self.treated_model_ = self._classifier().fit(X[treated], y[treated])
        self.control_model_ = self._classifier().fit(X[~treated], y[~treated])
        self.features_ = list(X.columns)
        return self

    def _classifier(self) -> FeatureClassifier:
        return FeatureClassifier(linear_weight=self.linear_weight, random_state=self.random_state)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The change in the chance of buying that a campaign makes, per row."""
        check_is_fitted(self, "treated_model_")
        return self.treated_model_.predict_proba(X)[:, 1] - self.control_model_.predict_proba(X)[:, 1]


@dataclass
class Recipients:
    """Past campaigns' recipients: features at their campaign's send, group, and whether they bought after it."""

    X: pd.DataFrame
    treated: np.ndarray
    bought: np.ndarray
    campaign: np.ndarray
    customer: np.ndarray

    def take(self, rows: np.ndarray) -> "Recipients":
        return Recipients(self.X[rows].reset_index(drop=True), self.treated[rows], self.bought[rows],
                          self.campaign[rows], self.customer[rows])


def past_recipients(frames: Frames) -> tuple[Recipients, dict]:
    """Every past campaign with a control group whose window has ended, oldest first, with its recipients who may
    be profiled; and the campaigns' first sends, by name in send order."""
    con = frames.con
    found = sorted((c for c in campaigns_found(con) if c["receipts"] >= 2 and c["holdouts"] >= 2),
                   key=lambda c: (c["first_send"], c["campaign"]))
    parts, names, sent = [], [], {}
    current = kept_is_current(con)
    for c in found:
        outcomes = campaign_outcomes(con, c["campaign"], window_days=WINDOW_DAYS, current=current).to_pandas()
        if outcomes.empty or outcomes["sent_at"].max() + pd.Timedelta(days=WINDOW_DAYS) > frames.as_of:
            continue  # its window has not ended: its outcomes are not known yet
        outcomes = outcomes[~outcomes["both"] & outcomes["customer_id"].isin(frames.consented)]
        # features as of the campaign's first send: nothing its recipients did after it
        features = customer_features(con, c["first_send"], customers=pd.Index(outcomes["customer_id"])).reindex(
            outcomes["customer_id"]).fillna(0.0)
        parts.append((features.reset_index(drop=True), outcomes["treated"].to_numpy(bool),
                      (outcomes["purchases"] > 0).to_numpy(bool), np.full(len(outcomes), c["campaign"], object),
                      outcomes["customer_id"].to_numpy(object)))
        names.append(c["campaign"])
        sent[c["campaign"]] = c["first_send"]
    if len(names) < MIN_CAMPAIGNS:
        raise InputError(f"an uplift model learns from past campaigns with a control group: it needs at least "
                         f"{MIN_CAMPAIGNS} whose {WINDOW_DAYS}-day window has ended, and the store has {len(names)}. "
                         "Send campaigns with a hold-out (or load their receipts and hold-outs) first")
    return Recipients(pd.concat([p[0] for p in parts], ignore_index=True),
                      *(np.concatenate([p[k] for p in parts]) for k in range(1, 5))), sent


def _propensity(rows: Recipients) -> FeatureClassifier:
    """Plain purchase propensity on the same rows: who buys, sent a campaign or not."""
    return FeatureClassifier().fit(rows.X, rows.bought.astype(int))


def _qini_intervals(rows: Recipients, scores: dict[str, np.ndarray], *, seed: int = 0) -> dict[str, dict]:
    """Each score's Qini coefficient with its 95% bootstrap interval, and the interval of its difference from
    propensity's, on the same resampled recipients."""
    rng = np.random.default_rng(seed)
    drawn = {name: [] for name in scores}
    for _ in range(DRAWS):
        pick = rng.integers(0, rows.bought.size, rows.bought.size)
        if rows.treated[pick].all() or not rows.treated[pick].any():
            continue
        for name, score in scores.items():
            drawn[name].append(qini_coefficient(rows.bought[pick], rows.treated[pick], score[pick]))
    out = {}
    for name, score in scores.items():
        values, diff = np.asarray(drawn[name]), np.asarray(drawn[name]) - np.asarray(drawn["propensity"])
        out[name] = {"qini": qini_coefficient(rows.bought, rows.treated, score),
                     "interval": [float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))],
                     "difference": [float(np.quantile(diff, 0.025)), float(np.quantile(diff, 0.975))]}
    return out


def _validate(rows: Recipients) -> dict:
    """Qini of the learner and of propensity on customers held out of the training campaigns."""
    held = validation_rows(pd.Index(rows.customer))
    fit, check = rows.take(~held), rows.take(held)
    if check.treated.all() or not check.treated.any():
        raise InputError("too few recipients to validate an uplift model: no control customer among those held out")
    learner = TwoModelUplift(linear_weight=LINEAR_WEIGHT).fit(fit.X, fit.bought, fit.treated)
    return {"model": qini_coefficient(check.bought, check.treated, learner.predict(check.X)),
            "propensity": qini_coefficient(check.bought, check.treated,
                                           _propensity(fit).predict_proba(check.X)[:, 1]),
            "random": 0.0}


def _genes() -> list[Gene]:
    return [
        Gene(NAME, FAMILY, "Change in the chance the customer buys within 14 days when sent a campaign, against not "
             "being sent it (model: two-model uplift learnt from past campaigns' treated and control groups).",
             "number", f"model:{NAME}", unit="probability", source="models", sensitivity="inferred"),
        Gene(f"{NAME}_pct", FAMILY, f"Percentile of {NAME} among scored customers (100 = the most persuadable).",
             "number", f"percentile({NAME})", unit="percentile", source="models", sensitivity="inferred"),
    ]


def run_uplift(frames: Frames) -> ModelOutput:
    """Learn uplift from past campaigns, judge it on the later ones, and publish it if validation says it beats
    random targeting and targeting by purchase propensity."""
    rows, sent = past_recipients(frames)
    names = list(sent)
    split = max(MIN_CAMPAIGNS - 1, int(np.ceil(len(names) * 2 / 3)))
    learn, later = names[:split], names[split:]
    train, evaluate = rows.take(np.isin(rows.campaign, learn)), rows.take(np.isin(rows.campaign, later))
    if (~train.treated).sum() < MIN_CONTROL:
        raise InputError(f"the training campaigns held out {(~train.treated).sum()} customers between them; an "
                         f"uplift model needs at least {MIN_CONTROL} in control to learn who responds")
    validation = _validate(train)
    publish = validation["model"] > max(validation["propensity"], validation["random"])
    model = TwoModelUplift(linear_weight=LINEAR_WEIGHT).fit(train.X, train.bought, train.treated)
    scores = {"model": model.predict(evaluate.X), "propensity": _propensity(train).predict_proba(evaluate.X)[:, 1]}
    judged = _qini_intervals(evaluate, scores)
    shares = np.linspace(0, 1, 21)
    metrics = {
        "qini": judged["model"]["qini"], "qini_interval": judged["model"]["interval"],
        "model_minus_propensity": judged["model"]["difference"],
        "propensity_qini": judged["propensity"]["qini"], "propensity_interval": judged["propensity"]["interval"],
        "validation": validation, "model_form": FORM, "published": "model" if publish else None,
        "training_campaigns": learn, "evaluation_campaigns": later,
        "evaluation_recipients": int(evaluate.bought.size),
        "evaluation_control": int((~evaluate.treated).sum()),
        "target_share": TARGET_SHARE,
        "extra_buyers_per_1000": {name: round(1000 * extra_buyers_at(evaluate.bought, evaluate.treated, s,
                                                                     TARGET_SHARE), 2)
                                  for name, s in scores.items()},
        "extra_buyers_per_1000_everyone": round(1000 * extra_buyers_at(evaluate.bought, evaluate.treated,
                                                                       np.zeros(evaluate.bought.size), 1.0), 2),
        "curve_per_1000": {"share": [round(float(s), 2) for s in shares]} | {
            name: curve_points(evaluate.bought, evaluate.treated, s) for name, s in scores.items()},
    }
    card = {"name": NAME, "title": TITLE, "predicts": PREDICTS, "kind": "uplift", "horizon_days": WINDOW_DAYS,
            "training_window": f"{len(learn)} campaigns sent {_dates(sent, learn)}; judged on {len(later)} later "
                               f"ones sent {_dates(sent, later)}",
            "features": list(model.features_), "training_customers": int(train.bought.size),
            "metrics": metrics, "scored_as_of": frames.as_of.isoformat(), "fallback": "",
            "fallback_share": 0.0, "outcome": "bought within 14 days"}
    if not publish:
        card |= {"status": "not published", "scored_customers": 0,
                 "reason": "on validation its Qini coefficient did not beat "
                           + ("targeting by purchase propensity" if validation["propensity"] >= validation["random"]
                              else "random targeting")}
        return ModelOutput(card, [], pd.DataFrame(index=frames.features(scoring_cutoff(frames.as_of)).index))
    final = TwoModelUplift(linear_weight=LINEAR_WEIGHT).fit(rows.X, rows.bought, rows.treated)  # every campaign
    now = frames.features(scoring_cutoff(frames.as_of))
    uplift = final.predict(now)
    card |= {"status": "published", "scored_customers": int(len(now))}
    values = pd.DataFrame({NAME: uplift, f"{NAME}_pct": percentile(uplift)}, index=now.index)
    return ModelOutput(card, _genes(), values)


def _dates(sent: dict, names: list[str]) -> str:
    first, last = sent[names[0]], sent[names[-1]]
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if len(names) > 1 else f"on {first:%Y-%m-%d}"
