"""Campaign statistics: lift intervals that hold their level, CUPED that narrows them, a sample-ratio check that
catches a broken split, and a detectable effect that shrinks as the audience grows."""

import numpy as np
from scipy import stats

from genome.campaigns.stats import cuped, lift, minimum_detectable_effect, sample_ratio_p


def test_lift_gives_the_difference_with_a_welch_interval_and_the_delta_method_interval_of_the_ratio():
    treated, control = np.array([1, 0, 1, 1, 0, 1, 0, 1.0]), np.array([0, 1, 0, 0, 1, 0.0])
    result = lift(treated, control)
    assert result.absolute == treated.mean() - control.mean()
    a, b = treated.var(ddof=1) / 8, control.var(ddof=1) / 6
    df = (a + b) ** 2 / (a * a / 7 + b * b / 5)  # Welch-Satterthwaite
    half = stats.t.ppf(0.975, df) * np.sqrt(a + b)
    assert abs((result.absolute_high - result.absolute_low) / 2 - half) < 1e-9
    assert half > 1.96 * np.sqrt(a + b)  # fourteen people: wider than the normal interval
    assert abs(result.relative - (treated.mean() / control.mean() - 1)) < 1e-12
    assert result.relative_low < result.relative < result.relative_high


def test_a_lift_on_a_control_that_did_nothing_has_no_relative_size():
    result = lift(np.array([0, 1, 0, 1.0]), np.zeros(5))
    assert result.relative is None and result.absolute == 0.5


def test_plain_intervals_cover_a_known_difference_about_95_times_in_100():
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(2000):
        r = lift(rng.normal(0.3, 1, 400), rng.normal(0, 1, 100))
        hits += r.absolute_low <= 0.3 <= r.absolute_high
    assert 0.93 <= hits / 2000 <= 0.97


def test_cuped_keeps_the_difference_and_narrows_the_interval_when_the_past_predicts_the_outcome():
    rng = np.random.default_rng(2)
    past = rng.gamma(2, 50, 4000)
    treated = rng.random(4000) < 0.5
    outcome = 0.8 * past + rng.normal(0, 20, 4000) + 5 * treated
    plain = lift(outcome[treated], outcome[~treated])
    z = cuped(outcome, past)
    adjusted = lift(z[treated], z[~treated])
    assert abs(adjusted.absolute - 5) < 3
    assert (adjusted.absolute_high - adjusted.absolute_low) < 0.4 * (plain.absolute_high - plain.absolute_low)


def test_a_split_far_from_the_planned_share_is_flagged_and_a_fair_one_is_not():
    assert sample_ratio_p(9_000, 1_000, 0.1) > 0.5
    assert sample_ratio_p(9_300, 700, 0.1) < 1e-6


def test_the_detectable_effect_shrinks_with_the_audience_and_with_a_fairer_split():
    small = minimum_detectable_effect(1_000, 0.1, 0.05)
    large = minimum_detectable_effect(100_000, 0.1, 0.05)
    half = minimum_detectable_effect(100_000, 0.5, 0.05)
    assert small > large > half > 0
    assert abs(large / small - 0.1) < 1e-9  # one over the square root of a hundred times the people
    assert minimum_detectable_effect(5, 0.1, 0.05) is None
