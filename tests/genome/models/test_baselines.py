"""A model is published only when it beats its simple rules on held-out customers; otherwise the rule is, ranking
exactly as the rule does, and the card shows both with bootstrap intervals."""

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from genome.models.baselines import Rule, RuleScore, auc, mean_interval, paired_intervals, validation_rows
from genome.models.classifier import FeatureClassifier
from genome.models.tasks import BinaryTask, run_binary

AS_OF = datetime(2026, 6, 30)


def test_a_rule_made_a_probability_ranks_customers_exactly_as_the_rule_does():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"days_since_last_purchase": rng.integers(0, 200, 2000).astype(float)})
    y = (rng.random(2000) < 1 / (1 + X["days_since_last_purchase"] / 20)).astype(int)
    rule = Rule("days_since_last_purchase", "fewest days since the last purchase", higher=False)
    scorer = RuleScore(rule)
    assert scorer.fit(X, y) is scorer
    p = scorer.predict_proba(X)[:, 1]
    assert 0 <= p.min() and p.max() <= 1
    assert auc(y, p) == pytest.approx(auc(y, rule.score(X)), abs=1e-12)
    # calibrated: the mean probability is the outcome rate
    assert p.mean() == pytest.approx(y.mean(), abs=0.01)


def test_paired_intervals_hold_the_figure_and_a_score_against_itself_differs_by_nothing():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    good, noise = y + rng.normal(0, 0.8, 500), rng.normal(0, 1, 500)
    judged = paired_intervals(y, {"good": good, "noise": noise}, against="good")
    lo, hi = judged["good"]["interval"]
    assert lo <= judged["good"]["roc_auc"] <= hi
    assert judged["good"]["difference"] == [0.0, 0.0]
    assert judged["noise"]["difference"][1] < 0  # clearly worse, and the interval says so


def test_each_resample_is_judged_as_roc_auc_score_judges_the_resampled_customers():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 300)
    tied = np.round(y + rng.normal(0, 1, 300))  # a handful of values: most customers share theirs with others
    smooth = y + rng.normal(0, 1, 300)
    scores = {"tied": tied, "smooth": smooth}
    judged = paired_intervals(y, scores, against="smooth", draws=50, seed=7)
    draws = np.random.default_rng(7)
    drawn = {name: [] for name in scores}
    for _ in range(50):  # the same resamples, each sorted anew
        rows = draws.integers(0, y.size, y.size)
        for name, score in scores.items():
            drawn[name].append(roc_auc_score(y[rows], score[rows]))
    for name in scores:
        expected = [np.quantile(drawn[name], q) for q in (0.025, 0.975)]
        assert judged[name]["interval"] == pytest.approx(expected, abs=1e-12)
    gap = np.asarray(drawn["tied"]) - np.asarray(drawn["smooth"])
    assert judged["tied"]["difference"] == pytest.approx([np.quantile(gap, 0.025), np.quantile(gap, 0.975)],
                                                         abs=1e-12)


def test_the_share_interval_brackets_the_share():
    lo, hi = mean_interval(np.r_[np.ones(30), np.zeros(70)])
    assert lo < 0.3 < hi and hi - lo < 0.25


def test_validation_customers_are_the_same_every_time_and_about_three_in_ten():
    ids = pd.Index([f"C{i}" for i in range(5000)])
    held = validation_rows(ids)
    assert (held == validation_rows(ids)).all()
    assert 0.27 < held.mean() < 0.33


class _Frames:
    """Features and outcomes at any cut-off for customers whose outcome follows one feature exactly."""

    def __init__(self, customers: int = 600, *, noise: float = 0.0, seed: int = 0):
        self.as_of, self.first_event = AS_OF, AS_OF - timedelta(days=400)
        self.customers, self.noise, self.seed = customers, noise, seed

    def features(self, cutoff: datetime) -> pd.DataFrame:
        rng = np.random.default_rng([self.seed, cutoff.toordinal()])
        n = self.customers
        return pd.DataFrame({"purchase_days": rng.integers(1, 40, n).astype(float),
                             "days_since_last_purchase": rng.integers(0, 120, n).astype(float),
                             "spend_90d": rng.gamma(2, 50, n)}, index=pd.Index([f"C{i}" for i in range(n)],
                                                                                name="customer_id"))

    def with_attributes(self, cutoff: datetime) -> pd.DataFrame:
        return self.features(cutoff)  # a store without imported customer attributes

    def outcomes(self, cutoff: datetime, days: int) -> pd.DataFrame:
        X = self.features(cutoff)
        rng = np.random.default_rng([self.seed, cutoff.toordinal(), 1])
        signal = -X["days_since_last_purchase"] + rng.normal(0, self.noise, len(X))
        return pd.DataFrame({"purchase_days": (signal > -40).astype(float)}, index=X.index)


def _task() -> BinaryTask:
    return BinaryTask(
        name="buys_soon", title="Buys soon", predicts="buys soon", horizon_days=30, estimator=FeatureClassifier,
        label=lambda X, out: (pd.Series(True, index=X.index), out["purchase_days"].reindex(X.index) > 0),
        fallback="the average", outcome="bought",
        baselines=(Rule("days_since_last_purchase", "fewest days since the last purchase", higher=False),
                   Rule("spend_90d", "most spend in the last 90 days")))


def test_when_one_rule_already_ranks_perfectly_the_rule_is_published_under_the_genes_name():
    output = run_binary(_Frames(), _task())
    card, metrics = output.card, output.card["metrics"]
    assert card["status"] == "baseline published" and metrics["published"] == "days_since_last_purchase"
    assert metrics["best_baseline"] == "days_since_last_purchase"
    assert metrics["baselines"]["days_since_last_purchase"]["roc_auc"] == pytest.approx(1.0)
    # the published gene ranks customers as the rule does: fewer days since the last purchase, higher score
    X_now = _Frames().features(AS_OF + timedelta(seconds=1))
    scores = output.values["buys_soon"].reindex(X_now.index)
    assert auc((X_now["days_since_last_purchase"] < 40).astype(int).to_numpy(), scores.to_numpy()) == 1.0
    assert not output.values["buys_soon_fallback"].any()


def test_the_card_puts_the_model_beside_every_rule_with_intervals_and_the_validation_figures():
    metrics = run_binary(_Frames(noise=25.0), _task()).card["metrics"]
    assert set(metrics["baselines"]) == {"days_since_last_purchase", "spend_90d"}
    for figure in [*metrics["baselines"].values(), {"roc_auc": metrics["model_roc_auc"],
                                                     "interval": metrics["model_interval"]}]:
        lo, hi = figure["interval"]
        assert lo <= figure["roc_auc"] <= hi
    assert set(metrics["validation"]) == {"model", "days_since_last_purchase", "spend_90d"}
    # spend says nothing here: ranking by it is a coin toss
    assert metrics["baselines"]["spend_90d"]["roc_auc"] == pytest.approx(0.5, abs=0.08)
