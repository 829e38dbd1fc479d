"""The Qini coefficient: 0 for random targeting, 1 for the best ranking, negative for the worst."""

import numpy as np
import pytest

from genome.errors import InputError
from genome.models.qini import curve_points, extra_buyers_at, qini_coefficient, qini_curve


@pytest.fixture
def campaign():
    """4,000 recipients, half treated; the campaign makes the "persuadable" half buy 30 points more often."""
    rng = np.random.default_rng(3)
    n = 4000
    treated = rng.random(n) < 0.5
    persuadable = rng.random(n) < 0.5
    bought = rng.random(n) < 0.2 + 0.3 * (treated & persuadable)
    return bought, treated, persuadable


def test_a_constant_score_is_exactly_random_targeting(campaign):
    bought, treated, _ = campaign
    assert qini_coefficient(bought, treated, np.zeros(bought.size)) == pytest.approx(0.0, abs=1e-12)


def test_the_best_ranking_scores_one_and_its_reverse_below_zero(campaign):
    bought, treated, _ = campaign
    best = (bought & treated).astype(float) - (bought & ~treated)
    assert qini_coefficient(bought, treated, best) == pytest.approx(1.0)
    assert qini_coefficient(bought, treated, -best) < 0


def test_ranking_the_persuadable_first_beats_ranking_them_last(campaign):
    bought, treated, persuadable = campaign
    first = qini_coefficient(bought, treated, persuadable.astype(float))
    last = qini_coefficient(bought, treated, -persuadable.astype(float))
    assert first > 0.1 > -0.1 > last


def test_the_curve_ends_at_the_campaigns_extra_buyers(campaign):
    bought, treated, persuadable = campaign
    x, curve = qini_curve(bought, treated, persuadable)
    assert x[0] == 0 and x[-1] == bought.size and curve[0] == 0
    extra = bought[treated].sum() - bought[~treated].sum() * treated.sum() / (~treated).sum()
    assert curve[-1] == pytest.approx(extra)


def test_the_charted_curve_gives_the_tables_figures_at_every_share(campaign):
    bought, treated, persuadable = campaign
    points = curve_points(bought, treated, persuadable)
    assert len(points) == 21 and points[0] == 0
    for i, share in enumerate(np.linspace(0, 1, 21)[1:], start=1):
        assert points[i] == round(1000 * extra_buyers_at(bought, treated, persuadable, share), 2)
    everyone = bought[treated].mean() - bought[~treated].mean()
    assert points[-1] == pytest.approx(1000 * everyone, abs=0.01)


def test_sending_to_the_persuadable_half_gains_about_what_they_are_made_to_buy(campaign):
    bought, treated, persuadable = campaign
    # the top half by persuadability: the campaign lifts them 30 points, and they are half of everyone
    assert extra_buyers_at(bought, treated, persuadable.astype(float), 0.5) == pytest.approx(0.15, abs=0.03)


def test_a_qini_coefficient_without_a_control_group_names_what_is_missing():
    with pytest.raises(InputError, match="treated and control"):
        qini_coefficient([1, 0, 1], [True, True, True], [0.1, 0.2, 0.3])
