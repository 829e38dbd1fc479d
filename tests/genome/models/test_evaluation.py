"""Model reports: figures a card can show, checked on outcomes whose answer is known."""

import numpy as np
import pytest

from genome.models.evaluation import binary_report, multiclass_report, percentile


def test_a_score_that_orders_outcomes_perfectly_has_an_auc_of_one_and_lifts_the_top_decile():
    y = np.array([0] * 90 + [1] * 10)
    report = binary_report(y, np.linspace(0, 1, 100))
    assert report["roc_auc"] == 1.0
    assert report["lift"][0] == pytest.approx(10.0)
    assert report["lift"][-1] == 0.0
    assert report["base_rate"] == pytest.approx(0.1)


def test_a_random_score_has_an_auc_near_one_half():
    rng = np.random.default_rng(0)
    report = binary_report(rng.integers(0, 2, 20_000), rng.random(20_000))
    assert abs(report["roc_auc"] - 0.5) < 0.02


def test_calibration_compares_mean_predictions_with_observed_rates_per_bin():
    rng = np.random.default_rng(1)
    p = rng.random(50_000)
    y = rng.random(50_000) < p  # calibrated by construction
    report = binary_report(y, p)
    assert np.allclose(report["calibration"]["predicted"], report["calibration"]["observed"], atol=0.03)


def test_a_binary_report_needs_both_outcomes():
    with pytest.raises(ValueError, match="both outcomes"):
        binary_report([1, 1, 1], [0.2, 0.5, 0.9])


def test_a_multiclass_report_puts_the_baseline_beside_the_model():
    report = multiclass_report(["a", "b", "b", "c"], ["a", "b", "b", "b"], ["b", "b", "b", "b"],
                               baseline_name="always b")
    assert report["accuracy"] == 0.75
    assert report["baseline_accuracy"] == 0.5
    assert report["classes"] == {"a": 1, "b": 2, "c": 1}


def test_percentiles_run_from_0_to_100_follow_the_score_and_leave_unscored_customers_empty():
    out = percentile(np.array([0.3, np.nan, 0.1, 0.9, 0.3]))
    assert out[2] == 0 and out[3] == 100
    assert out[0] == out[4]  # ties share their rank
    assert np.isnan(out[1])
