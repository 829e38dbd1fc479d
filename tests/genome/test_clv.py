"""Tests for genome.clv: RFM summaries, BG/NBD, Gamma-Gamma and CLV.

The acceptance check refits the published CDNOW models (Fader, Hardie & Lee
2005) from the 1/10 sample kept in tests/data.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genome.clv import (
    BetaGeo,
    GammaGamma,
    InvalidInputError,
    NotFittedError,
    calibration_holdout,
    clv,
    rfm_summary,
)

CDNOW = Path(__file__).parents[1] / "data" / "CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"

PUBLISHED_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BG_NBD_LOG_LIKELIHOOD = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    """Calibration RFM (weeks) and holdout counts, one row per CDNOW customer."""
    transactions = pd.read_csv(
        CDNOW, sep=r"\s+", header=None,
        names=["customer", "sample_id", "date", "cds", "amount"], dtype={"date": str},
    )
    transactions = transactions.assign(date=pd.to_datetime(transactions["date"], format="%Y%m%d"))
    return calibration_holdout(
        transactions, "customer", "date", "amount",
        calibration_end=CALIBRATION_END, observation_end=OBSERVATION_END, time_unit="W",
    )


@pytest.fixture(scope="module")
def beta_geo(cdnow) -> BetaGeo:
    return BetaGeo().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def gamma_gamma(cdnow) -> GammaGamma:
    # The published spend model used each repeat buyer's mean spend per repeat
    # purchase day (same-day orders summed, first purchase excluded): exactly
    # rfm_summary's monetary_value. Including the first purchase gives p≈14.3.
    return GammaGamma().fit(cdnow["frequency"], cdnow["monetary_value"])


@pytest.fixture
def shop() -> pd.DataFrame:
    """Hand-built transactions with known RFM values (see the tests below)."""
    return pd.DataFrame({
        "customer": ["ann", "ann", "ann", "ann", "ann", "bob", "bob", "cat"],
        "when": pd.to_datetime([
            "2024-01-01 10:00", "2024-01-01 15:00", "2024-01-08", "2024-01-15", "2024-02-01",
            "2024-01-22 09:00", "2024-01-22 18:00", "2024-02-02",
        ], format="ISO8601"),
        "spend": [10.0, 5.0, 20.0, 30.0, 99.0, 3.0, 4.0, 50.0],
    })


# --- rfm_summary -------------------------------------------------------------


def test_rfm_summary_merges_same_day_purchases_and_ignores_later_ones(shop):
    summary = rfm_summary(shop, "customer", "when", "spend", observation_end="2024-01-29")

    assert list(summary.index) == ["ann", "bob"]  # cat's first purchase is after the end
    assert summary.index.name == "customer"
    ann, bob = summary.loc["ann"], summary.loc["bob"]
    # ann: Jan 1 (two orders, $15), Jan 8 ($20), Jan 15 ($30); Feb 1 is after the end.
    assert ann["frequency"] == 2
    assert ann["monetary_value"] == pytest.approx(25.0)  # (20 + 30) / 2, first day excluded
    # bob's two orders on Jan 22 are a single first purchase.
    assert bob["frequency"] == 0
    assert bob["recency"] == 0
    assert bob["monetary_value"] == 0


def test_rfm_summary_measures_time_in_days_or_weeks_of_seven_days(shop):
    days = rfm_summary(shop, "customer", "when", "spend", "2024-01-29", time_unit="D")
    weeks = rfm_summary(shop, "customer", "when", "spend", "2024-01-29", time_unit="W")

    assert days.loc["ann", ["recency", "T"]].tolist() == [14.0, 28.0]
    assert weeks.loc["ann", ["recency", "T"]].tolist() == [2.0, 4.0]
    assert weeks.loc["bob", "T"] == 1.0
    assert (days["frequency"] == weeks["frequency"]).all()


def test_rfm_summary_rejects_an_unknown_time_unit(shop):
    with pytest.raises(ValueError, match="time_unit"):
        rfm_summary(shop, "customer", "when", "spend", "2024-01-29", time_unit="M")


def test_rfm_summary_names_a_missing_column(shop):
    with pytest.raises(ValueError, match="amount_col"):
        rfm_summary(shop, "customer", "when", "price", "2024-01-29")


def test_calibration_holdout_counts_repeat_purchase_days_after_the_calibration_end(shop):
    split = calibration_holdout(shop, "customer", "when", "spend",
                                calibration_end="2024-01-15", observation_end="2024-02-05")

    assert list(split.index) == ["ann"]  # bob and cat start after calibration
    assert split.loc["ann", "frequency"] == 2
    assert split.loc["ann", "frequency_holdout"] == 1
    assert split.loc["ann", "duration_holdout"] == 21.0


# --- published CDNOW fits ----------------------------------------------------


def test_cdnow_calibration_has_2357_customers_and_946_repeat_buyers(cdnow):
    assert len(cdnow) == 2357
    assert (cdnow["frequency"] > 0).sum() == 946
    assert cdnow["duration_holdout"].iloc[0] == 39.0


def test_bg_nbd_matches_published_cdnow_parameters(beta_geo):
    for name, published in PUBLISHED_BG_NBD.items():
        assert beta_geo.params_[name] == pytest.approx(published, rel=0.005), name
    assert beta_geo.log_likelihood_ == pytest.approx(PUBLISHED_BG_NBD_LOG_LIKELIHOOD, abs=0.5)
    assert beta_geo.n_customers_ == 2357


def test_gamma_gamma_matches_published_cdnow_parameters(gamma_gamma):
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert gamma_gamma.params_[name] == pytest.approx(published, rel=0.005), name
    assert gamma_gamma.n_customers_ == 946


def test_holdout_total_repeat_purchases_are_forecast_within_15_percent(cdnow, beta_geo):
    predicted = beta_geo.expected_purchases(
        cdnow["duration_holdout"], cdnow["frequency"], cdnow["recency"], cdnow["T"])
    actual = cdnow["frequency_holdout"].sum()  # 1,882 repeat purchase days

    assert predicted.sum() == pytest.approx(actual, rel=0.15)


def test_holdout_error_per_customer_is_below_measured_bound(cdnow, beta_geo):
    predicted = beta_geo.expected_purchases(39, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    mae = np.abs(predicted - cdnow["frequency_holdout"].to_numpy()).mean()

    assert mae < 0.85  # measured 0.785 repeat purchases per customer over 39 weeks


def test_holdout_forecast_beats_extrapolating_each_customers_calibration_rate(cdnow, beta_geo):
    actual = cdnow["frequency_holdout"].to_numpy()
    model = beta_geo.expected_purchases(39, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    naive = (cdnow["frequency"] / cdnow["T"] * 39).to_numpy()

    assert np.abs(model - actual).mean() < np.abs(naive - actual).mean()


# --- model behaviour ---------------------------------------------------------


def test_fit_returns_the_model_itself(cdnow):
    model = BetaGeo()
    assert model.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"]) is model
    spend = GammaGamma()
    assert spend.fit(cdnow["frequency"], cdnow["monetary_value"]) is spend


def test_weights_for_identical_customers_give_the_same_fit_as_repeated_rows(cdnow):
    rows = cdnow.iloc[:300]
    repeated = BetaGeo().fit(np.repeat(rows["frequency"], 3), np.repeat(rows["recency"], 3),
                             np.repeat(rows["T"], 3))
    weighted = BetaGeo().fit(rows["frequency"], rows["recency"], rows["T"], weights=np.full(300, 3))

    assert weighted.n_customers_ == repeated.n_customers_ == 900
    assert weighted.log_likelihood_ == pytest.approx(repeated.log_likelihood_)


def test_a_penalizer_shrinks_the_parameters(cdnow, beta_geo):
    penalized = BetaGeo(penalizer=0.1).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert sum(v**2 for v in penalized.params_.values()) < sum(v**2 for v in beta_geo.params_.values())


def test_customers_without_repeat_purchases_are_certainly_alive(beta_geo):
    assert beta_geo.probability_alive([0, 0], [0, 0], [5, 38]) == pytest.approx([1.0, 1.0])


def test_a_long_silence_after_many_purchases_lowers_probability_alive(beta_geo):
    recent, lapsed = beta_geo.probability_alive([5, 5], [38, 10], [39, 39])
    assert 0 < lapsed < recent < 1


def test_expected_purchases_increase_with_the_horizon(beta_geo):
    horizons = [1, 4, 13, 39, 78]
    conditional = [beta_geo.expected_purchases(t, [3], [20], [38])[0] for t in horizons]
    unconditional = beta_geo.expected_purchases_new(horizons)

    assert np.all(np.diff(conditional) > 0)
    assert np.all(np.diff(unconditional) > 0)
    assert beta_geo.expected_purchases_new(0)[0] == 0


def test_expected_average_value_shrinks_towards_the_population_mean(gamma_gamma):
    p, q, gamma = gamma_gamma.params_.values()
    population_mean = p * gamma / (q - 1)
    newcomer, few, many = gamma_gamma.expected_average_value([0, 1, 50], [999.0, 100.0, 100.0])

    assert newcomer == pytest.approx(population_mean)
    assert population_mean < few < many < 100.0


# --- clv ---------------------------------------------------------------------


def test_clv_without_discount_is_expected_purchases_times_expected_value(cdnow, beta_geo, gamma_gamma):
    rfm = [cdnow[c].iloc[:50] for c in ("frequency", "recency", "T")]
    value = clv(beta_geo, gamma_gamma, *rfm, cdnow["monetary_value"].iloc[:50],
                horizon=26.5, discount_rate=0.0, time_unit="W")
    expected = (beta_geo.expected_purchases(26.5, *rfm)
                * gamma_gamma.expected_average_value(rfm[0], cdnow["monetary_value"].iloc[:50]))

    assert value == pytest.approx(expected)


def test_clv_grows_with_horizon_and_falls_with_discounting(beta_geo, gamma_gamma):
    customer = ([4], [30.4], [38.9], [20.0])
    short, long_ = (clv(beta_geo, gamma_gamma, *customer, horizon=h, discount_rate=0.01)[0] for h in (13, 52))
    discounted = clv(beta_geo, gamma_gamma, *customer, horizon=52, discount_rate=0.05)[0]

    assert clv(beta_geo, gamma_gamma, *customer, horizon=0, discount_rate=0.01)[0] == 0
    assert 0 < short < long_
    assert discounted < long_


# --- errors ------------------------------------------------------------------


def test_using_an_unfitted_model_raises_not_fitted_error():
    with pytest.raises(NotFittedError, match="fit"):
        BetaGeo().probability_alive([1], [2], [3])
    with pytest.raises(NotFittedError, match="fit"):
        GammaGamma().expected_average_value([1], [10.0])
    assert issubclass(NotFittedError, ValueError)


@pytest.mark.parametrize(
    ("field", "frequency", "recency", "T"),
    [
        ("frequency", [-1, 2], [0, 3], [5, 5]),
        ("frequency", [1.5, 2], [1, 3], [5, 5]),
        ("recency", [1, 2], [6, 3], [5, 5]),
        ("recency", [0, 2], [1, 3], [5, 5]),
        ("recency", [1, 2], [3], [5, 5]),
        ("T", [1, 2], [1, 3], [5, np.nan]),
    ],
)
def test_bad_rfm_inputs_raise_value_error_naming_the_field(beta_geo, field, frequency, recency, T):
    with pytest.raises(ValueError, match=f"^{field}:") as caught:
        beta_geo.probability_alive(frequency, recency, T)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("horizon", {"horizon": -1}),
        ("discount_rate", {"discount_rate": np.inf}),
        ("monetary_value", {"monetary_value": [10.0]}),
        ("time_unit", {"time_unit": "M"}),
    ],
)
def test_bad_clv_inputs_raise_value_error_naming_the_field(beta_geo, gamma_gamma, field, overrides):
    arguments = {"frequency": [1, 2], "recency": [1, 3], "T": [5, 5], "monetary_value": [10.0, 20.0],
                 "horizon": 12, "discount_rate": 0.01, "time_unit": "W"} | overrides
    with pytest.raises(InvalidInputError, match=f"^{field}:"):
        clv(beta_geo, gamma_gamma, **arguments)


def test_gamma_gamma_needs_positive_spend_from_repeat_buyers():
    with pytest.raises(ValueError, match="^monetary_value:"):
        GammaGamma().fit([1, 2], [0.0, 10.0])
    with pytest.raises(ValueError, match="^frequency:"):
        GammaGamma().fit([0, 0], [0.0, 0.0])


def test_longer_clv_steps_change_the_discounting_but_not_the_undiscounted_total(cdnow, beta_geo, gamma_gamma):
    bg, gg = beta_geo, gamma_gamma
    x, t_x, T, m = cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"]
    weekly = clv(bg, gg, x, t_x, T, m, horizon=52, discount_rate=0.0, time_unit="W")
    monthly = clv(bg, gg, x, t_x, T, m, horizon=52, discount_rate=0.0, time_unit="W", step=52 / 12)
    np.testing.assert_allclose(monthly, weekly, rtol=1e-9)
    discounted_monthly = clv(bg, gg, x, t_x, T, m, horizon=52, discount_rate=0.002, time_unit="W", step=52 / 12)
    discounted_weekly = clv(bg, gg, x, t_x, T, m, horizon=52, discount_rate=0.002, time_unit="W")
    np.testing.assert_allclose(discounted_monthly, discounted_weekly, rtol=0.01)
    assert (discounted_monthly < monthly).all()
