"""The Qini curve and coefficient: how well a ranking finds the people a campaign changes.

Rank the recipients of past campaigns by a score; going down the ranking, the
Qini curve counts the extra buyers the campaign made among those taken so far:
treated buyers minus control buyers scaled to the treated count,
Y_t(k) - Y_c(k) * N_t(k) / N_c(k). Random targeting is the straight line to the
curve's end. The coefficient (Radcliffe's) is the area between a ranking's
curve and that line, divided by the same area for the best possible ranking
(treated buyers first, control buyers last): 0 is no better than random, 1 is
perfect, below 0 worse than random. Tied scores are taken together, as
scikit-uplift does, so a constant score is exactly random.
"""

import numpy as np

from genome.errors import InputError


def qini_curve(y, treated, score) -> tuple[np.ndarray, np.ndarray]:
    """(people taken, extra buyers among them) at each distinct score, from the top; starts at (0, 0)."""
    y = np.asarray(y, dtype=float)
    treated = np.asarray(treated, dtype=bool)
    score = np.asarray(score, dtype=float)
    order = np.argsort(-score, kind="stable")
    y, treated, score = y[order], treated[order], score[order]
    ends = np.r_[np.flatnonzero(np.diff(score)), score.size - 1]  # the last row of each run of tied scores
    n_t = np.cumsum(treated)[ends]
    n_c = (ends + 1) - n_t
    y_t = np.cumsum(y * treated)[ends]
    y_c = np.cumsum(y * ~treated)[ends]
    extra = y_t - y_c * np.divide(n_t, n_c, out=np.zeros(n_t.shape, float), where=n_c > 0)
    return np.r_[0, ends + 1].astype(float), np.r_[0.0, extra]


def _area(x: np.ndarray, curve: np.ndarray) -> float:
    return float(np.sum((x[1:] - x[:-1]) * (curve[1:] + curve[:-1]) / 2))


def qini_coefficient(y, treated, score) -> float:
    """Radcliffe's Qini coefficient of `score` on outcomes `y` of treated and control recipients."""
    y = np.asarray(y, dtype=float)
    treated = np.asarray(treated, dtype=bool)
    if treated.all() or not treated.any():
        raise InputError("a Qini coefficient needs treated and control recipients")
    x, curve = qini_curve(y, treated, score)
    x_best, best = qini_curve(y, treated, y * treated - y * ~treated)
    line = x[-1] * curve[-1] / 2  # random targeting: the straight line to the same end
    span = _area(x_best, best) - line
    return (_area(x, curve) - line) / span if span > 0 else 0.0


def extra_buyers_at(y, treated, score, share: float) -> float:
    """Extra buyers per recipient among the `share` of recipients ranked highest by `score` (people taken by rank,
    ties broken by order), scaled to all recipients: what targeting only them would have gained."""
    y = np.asarray(y, dtype=float)
    treated = np.asarray(treated, dtype=bool)
    top = np.argsort(-np.asarray(score, dtype=float), kind="stable")[:max(1, int(round(share * y.size)))]
    t, c = treated[top], ~treated[top]
    if not t.any() or not c.any():
        return 0.0
    return float((y[top][t].mean() - y[top][c].mean()) * top.size / y.size)


def curve_points(y, treated, score, *, points: int = 21) -> list[float]:
    """Extra buyers per 1,000 recipients when sending to the top 0%, 5%, ... 100% by `score`: `extra_buyers_at` at
    each share, so a chart draws the very figures its table gives (the Qini curve scales the difference to the
    treated count taken instead, so it reads lower by the control's share of them)."""
    return [round(1000 * extra_buyers_at(y, treated, score, float(share)), 2) if share else 0.0
            for share in np.linspace(0, 1, points)]
