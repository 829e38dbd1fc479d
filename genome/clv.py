"""Customer lifetime value: RFM summaries, BG/NBD and Gamma-Gamma models.

The models follow Fader, Hardie & Lee: "Counting your customers the easy way"
(2005, BG/NBD, how many purchases a customer will make) and "RFM and CLV"
(2005, Gamma-Gamma, how much each purchase is worth). The API copies
scikit-learn and the `lifetimes` library: hyper-parameters in ``__init__``,
``fit`` returns ``self``, learned state ends in ``_``.

Time is measured in the unit given to :func:`rfm_summary`: ``"D"`` (days) or
``"W"`` (weeks = days / 7). Weeks are *not* calendar weeks: like lifetimes'
``freq="D", freq_multiplier=7`` we count distinct purchase days and divide day
differences by 7. That is the convention of the published CDNOW fit
(r=0.243, alpha=4.414, a=0.793, b=2.426); counting distinct calendar weeks
(lifetimes' ``freq="W"``) drops repeat purchases made in the same week and does
not reproduce it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, expit, gammaln, hyp2f1
from sklearn.exceptions import NotFittedError

from genome.errors import InputError

__all__ = [
    "BetaGeo",
    "GammaGamma",
    "InvalidInputError",
    "NotFittedError",
    "calibration_holdout",
    "clv",
    "rfm_summary",
]

_DAYS_PER_UNIT = {"D": 1.0, "W": 7.0}


class InvalidInputError(InputError):
    """A model or summary input is unusable; ``field`` names the culprit."""

    def __init__(self, field: str, problem: str):
        super().__init__(f"{field}: {problem}")
        self.field = field


# --------------------------------------------------------------------------
# RFM summaries
# --------------------------------------------------------------------------


def _days_per_unit(time_unit: str) -> float:
    if time_unit not in _DAYS_PER_UNIT:
        raise InvalidInputError("time_unit", f"must be 'D' or 'W', got {time_unit!r}")
    return _DAYS_PER_UNIT[time_unit]


def _purchase_days(transactions, customer_col, date_col, amount_col, end) -> pd.DataFrame:
    """One row per customer and calendar day with purchases up to ``end``."""
    for col, field in ((customer_col, "customer_col"), (date_col, "date_col"), (amount_col, "amount_col")):
        if col not in transactions.columns:
            raise InvalidInputError(field, f"column {col!r} not in transactions")
    days = pd.to_datetime(transactions[date_col]).dt.normalize()
    amounts = pd.to_numeric(transactions[amount_col], errors="coerce")
    if not np.isfinite(amounts.to_numpy(dtype=float)).all():
        raise InvalidInputError("amount_col", f"column {amount_col!r} has missing or non-numeric values")
    frame = pd.DataFrame({"customer": transactions[customer_col], "day": days, "amount": amounts})
    frame = frame[frame["day"] <= end]
    # Several orders on one day are one shopping trip; counting them apart would
    # inflate frequency with baskets the customer merely split.
    return frame.groupby(["customer", "day"], as_index=False, sort=True)["amount"].sum()


def _summarise(days: pd.DataFrame, end: pd.Timestamp, scale: float) -> pd.DataFrame:
    # ``days`` arrives sorted by (customer, day), so "first" is the first purchase.
    per_customer = days.groupby("customer", sort=True).agg(
        first=("day", "min"), last=("day", "max"), n_days=("day", "size"),
        total=("amount", "sum"), first_amount=("amount", "first"),
    )
    frequency = per_customer["n_days"] - 1
    # The first purchase is excluded from the spend average because it is how the
    # customer was acquired (often atypical) and the BG/NBD counts repeats only.
    repeat_spend = (per_customer["total"] - per_customer["first_amount"]) / frequency.where(frequency > 0)
    return pd.DataFrame({
        "frequency": frequency.astype("int64"),
        "recency": (per_customer["last"] - per_customer["first"]).dt.days / scale,
        "T": (end - per_customer["first"]).dt.days / scale,
        "monetary_value": repeat_spend.fillna(0.0),
    })


def rfm_summary(transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str,
                observation_end, time_unit: str = "D") -> pd.DataFrame:
    """One row per customer: ``frequency``, ``recency``, ``T``, ``monetary_value``.

    ``observation_end`` is an inclusive calendar day; later transactions are
    ignored and customers whose first purchase is later are absent.
    ``frequency`` counts repeat purchase days, ``recency`` is first to last
    purchase day and ``T`` first purchase day to ``observation_end``, both in
    ``time_unit``. ``monetary_value`` is the mean spend per repeat purchase day
    (0 when ``frequency`` is 0).
    """
    scale = _days_per_unit(time_unit)
    end = pd.Timestamp(observation_end).normalize()
    summary = _summarise(_purchase_days(transactions, customer_col, date_col, amount_col, end), end, scale)
    return summary.rename_axis(customer_col)


def calibration_holdout(transactions: pd.DataFrame, customer_col: str, date_col: str, amount_col: str,
                        calibration_end, observation_end, time_unit: str = "D") -> pd.DataFrame:
    """Calibration RFM plus ``frequency_holdout`` and ``duration_holdout``.

    One row per customer seen by ``calibration_end`` (inclusive); purchase days
    in (``calibration_end``, ``observation_end``] are the holdout, so a model fit
    on the calibration columns can be scored out of time.
    """
    scale = _days_per_unit(time_unit)
    cal_end = pd.Timestamp(calibration_end).normalize()
    obs_end = pd.Timestamp(observation_end).normalize()
    if cal_end >= obs_end:
        raise InvalidInputError("calibration_end", "must be before observation_end")
    days = _purchase_days(transactions, customer_col, date_col, amount_col, obs_end)
    summary = _summarise(days[days["day"] <= cal_end], cal_end, scale)
    holdout_counts = days[days["day"] > cal_end].groupby("customer").size()
    return summary.assign(
        frequency_holdout=holdout_counts.reindex(summary.index, fill_value=0).astype("int64"),
        duration_holdout=(obs_end - cal_end).days / scale,
    ).rename_axis(customer_col)


# --------------------------------------------------------------------------
# Input checks shared by the models
# --------------------------------------------------------------------------


def _vector(field: str, values, *, n: int | None = None) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1:
        raise InvalidInputError(field, "must be one-dimensional")
    if n is not None and len(arr) != n:
        raise InvalidInputError(field, f"has {len(arr)} values, expected {n}")
    if not np.isfinite(arr).all():
        raise InvalidInputError(field, "must be finite (no NaN or inf)")
    if (arr < 0).any():
        raise InvalidInputError(field, "must be non-negative")
    return arr


def _rfm(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = _vector("frequency", frequency)
    t_x = _vector("recency", recency, n=len(x))
    T = _vector("T", T, n=len(x))
    if (x != np.round(x)).any():
        raise InvalidInputError("frequency", "must be whole numbers of repeat purchases")
    if (t_x > T).any():
        raise InvalidInputError("recency", "must not exceed T")
    if ((x == 0) & (t_x > 0)).any():
        raise InvalidInputError("recency", "must be 0 for customers with frequency 0")
    return x, t_x, T


def _check_fitted(model) -> None:
    if not hasattr(model, "params_"):
        raise NotFittedError(f"This {type(model).__name__} is not fitted yet; call fit() first.")


def _fit(neg_ll, n_params: int, penalizer: float, n: float) -> tuple[np.ndarray, float]:
    """Minimise the mean negative log-likelihood over log-parameters.

    Log-parameters keep every parameter positive without bounds; the mean
    (rather than the sum) keeps the objective O(1), so one tolerance suits any
    data size and the penalizer means the same as in lifetimes.
    """
    def objective(log_params):
        params = np.exp(log_params)
        return neg_ll(params) / n + penalizer * np.sum(params**2)

    result = minimize(objective, np.zeros(n_params), method="BFGS", options={"gtol": 1e-8})
    if not np.isfinite(result.fun):
        raise RuntimeError(f"maximum likelihood search failed: {result.message}")
    params = np.exp(result.x)
    return params, -neg_ll(params)


def _unique_rows(weights, *columns) -> tuple[np.ndarray, ...]:
    """Collapse identical rows, summing their weights (likelihood terms repeat)."""
    rows, inverse = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
    return (np.bincount(inverse.ravel(), weights=weights), *rows.T)


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------


class BetaGeo:
    """BG/NBD purchase-count model (Fader, Hardie & Lee 2005).

    While alive a customer buys at a gamma(r, alpha) distributed rate; after
    each purchase they drop out with a beta(a, b) distributed probability.
    """

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    @staticmethod
    def _log_likelihood(params, x, t_x, T) -> np.ndarray:
        r, alpha, a, b = params
        common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        still_alive = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
        # Dropping out right after the last purchase is only possible once a
        # repeat purchase exists; b + x - 1 would otherwise be invalid.
        repeat = x > 0
        dropped = np.full_like(x, -np.inf)
        dropped[repeat] = (betaln(a + 1, b + x[repeat] - 1) - betaln(a, b)
                           - (r + x[repeat]) * np.log(alpha + t_x[repeat]))
        return common + np.logaddexp(still_alive, dropped)

    def fit(self, frequency, recency, T, weights=None) -> BetaGeo:
        """Fit by maximum likelihood; ``weights`` counts identical customers."""
        x, t_x, T = _rfm(frequency, recency, T)
        w = np.ones_like(x) if weights is None else _vector("weights", weights, n=len(x))
        w, x, t_x, T = _unique_rows(w, x, t_x, T)
        params, ll = _fit(lambda p: -w @ self._log_likelihood(p, x, t_x, T), 4, self.penalizer, w.sum())
        self.params_ = dict(zip(("r", "alpha", "a", "b"), params.tolist()))
        self.log_likelihood_ = float(ll)
        self.n_customers_ = int(round(w.sum()))
        return self

    def _log_dropout_odds(self, x, t_x, T) -> np.ndarray:
        """log P(dropped out after last purchase) / P(alive); -inf if frequency 0."""
        r, alpha, a, b = self.params_.values()
        odds = np.full_like(x, -np.inf)
        repeat = x > 0
        xr = x[repeat]
        odds[repeat] = (np.log(a) - np.log(b + xr - 1)
                        + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat])))
        return odds

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(customer is still active at T); 1 for customers without repeats."""
        _check_fitted(self)
        return expit(-self._log_dropout_odds(*_rfm(frequency, recency, T)))

    def expected_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """E[purchases in (T, T + t] | frequency, recency, T] (FHL 2005 eq. 10)."""
        _check_fitted(self)
        x, t_x, T = _rfm(frequency, recency, T)
        t = _vector("t", t)
        if len(t) not in (1, len(x)):
            raise InvalidInputError("t", f"needs 1 value or one per customer, got {len(t)}")
        r, alpha, a, b = self.params_.values()
        z = t / (alpha + T + t)
        tail = np.exp((r + x) * np.log1p(-z)) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        return (a + b + x - 1) / (a - 1) * (1 - tail) * self.probability_alive(x, t_x, T)

    def expected_purchases_new(self, t) -> np.ndarray:
        """E[X(t)] for a customer who has just made a first purchase."""
        _check_fitted(self)
        t = _vector("t", t)
        r, alpha, a, b = self.params_.values()
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (1 - z) ** r * hyp2f1(r, b, a + b - 1, z))


class GammaGamma:
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV").

    Each purchase is gamma(p, nu) in value; the customer's nu is gamma(q, gamma)
    across customers, so a customer's average shrinks toward the population mean.
    """

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    @staticmethod
    def _log_likelihood(params, x, m) -> np.ndarray:
        p, q, gamma = params
        return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(gamma)
                + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(gamma + m * x))

    def fit(self, frequency, monetary_value) -> GammaGamma:
        """Fit on repeat buyers only: customers with frequency 0 have no repeat spend."""
        x = _vector("frequency", frequency)
        m = _vector("monetary_value", monetary_value, n=len(x))
        x, m = x[x > 0], m[x > 0]
        if len(x) == 0:
            raise InvalidInputError("frequency", "no customer has a repeat purchase")
        if (m <= 0).any():
            raise InvalidInputError("monetary_value", "must be positive for repeat buyers")
        w, x, m = _unique_rows(np.ones_like(x), x, m)
        params, ll = _fit(lambda prm: -w @ self._log_likelihood(prm, x, m), 3, self.penalizer, w.sum())
        self.params_ = dict(zip(("p", "q", "gamma"), params.tolist()))
        self.log_likelihood_ = float(ll)
        self.n_customers_ = int(round(w.sum()))
        return self

    def expected_average_value(self, frequency, monetary_value) -> np.ndarray:
        """E[mean purchase value | frequency, monetary_value].

        A weighted mean of the population mean p*gamma/(q-1) and the customer's
        own average, so frequency 0 returns exactly the population mean.
        """
        _check_fitted(self)
        x = _vector("frequency", frequency)
        m = _vector("monetary_value", monetary_value, n=len(x))
        p, q, gamma = self.params_.values()
        return p * (gamma + x * m) / (p * x + q - 1)


def clv(beta_geo: BetaGeo, gamma_gamma: GammaGamma, frequency, recency, T, monetary_value,
        horizon: float, discount_rate: float, time_unit: str = "W", step: float = 1.0) -> np.ndarray:
    """Discounted expected value of each customer over the next ``horizon`` periods.

    ``time_unit`` names the period of ``recency``, ``T``, ``horizon`` and
    ``discount_rate``; it must be the unit the models were fit in (it is
    checked, not converted). As in lifetimes' ``customer_lifetime_value``, the
    horizon is cut into whole periods t_i = 1, 2, ..., with a last partial
    period ending at ``horizon``; the purchases expected in each,
    E[X(t_i)] - E[X(t_{i-1})], are valued at the Gamma-Gamma expected average
    value and discounted by (1 + discount_rate) ** t_i, i.e. as if paid at
    the end of the period. ``step`` lengthens the periods (52/12 weeks gives
    lifetimes' monthly steps) for fewer model evaluations on large bases.
    """
    _check_fitted(gamma_gamma)
    x = _vector("frequency", frequency)
    value = gamma_gamma.expected_average_value(x, _vector("monetary_value", monetary_value, n=len(x)))
    return value * discounted_purchases(beta_geo, frequency, recency, T, horizon, discount_rate, time_unit, step)


def discounted_purchases(beta_geo: BetaGeo, frequency, recency, T, horizon: float, discount_rate: float,
                         time_unit: str = "W", step: float = 1.0) -> np.ndarray:
    """Expected purchases over the horizon, each discounted to today (the periods `clv` values)."""
    _days_per_unit(time_unit)
    _check_fitted(beta_geo)
    horizon = float(_vector("horizon", horizon, n=1)[0])
    discount_rate = float(_vector("discount_rate", discount_rate, n=1)[0])
    x, t_x, T = _rfm(frequency, recency, T)
    step = float(_vector("step", step, n=1)[0])
    if step <= 0:
        raise InvalidInputError("step", "must be positive")
    ends = np.minimum(np.arange(1, np.ceil(horizon / step) + 1) * step, horizon)
    cumulative = np.column_stack(
        [np.zeros_like(x)] + [beta_geo.expected_purchases(t, x, t_x, T) for t in ends]
    )
    per_period = np.diff(cumulative, axis=1)
    return per_period @ (1 + discount_rate) ** -ends
