"""The statistics of a campaign with a control group: lift with its interval, CUPED, sample ratio, detectable effect.

- Absolute lift is the difference of the treated and control means, with a
  Welch 95% interval: Student's t with the Welch-Satterthwaite degrees of
  freedom, so a small group gets the wider interval it deserves (with
  thousands of recipients it is the normal interval).
- Relative lift is treated / control - 1; its interval comes from the delta
  method (the variance of a ratio of two independent means), as GrowthBook
  computes it.
- CUPED (Deng et al. 2013) takes out of each outcome what a pre-period
  covariate (spend before the send) predicts: y - theta (x - mean x), with
  theta = cov(y, x) / var(x) over both groups together, so the adjustment does
  not depend on the assignment. The mean difference is unchanged in
  expectation; its variance shrinks by the squared correlation.
- The sample-ratio check is a chi-square test of the group sizes against the
  planned holdout share: a small p-value means the split went wrong and the
  lift should not be trusted.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))
SRM_ALERT = 0.001  # the threshold GrowthBook and Optimizely use: mismatches this unlikely are a broken split


@dataclass(frozen=True)
class Lift:
    """Treated against control on one outcome."""

    treated: float  # mean per recipient
    control: float
    absolute: float
    absolute_low: float
    absolute_high: float
    relative: float | None  # None when the control mean is 0
    relative_low: float | None
    relative_high: float | None

    @property
    def significant(self) -> bool:
        return self.absolute_low > 0 or self.absolute_high < 0


def lift(treated: np.ndarray, control: np.ndarray, *, relative_to: float | None = None) -> Lift:
    """Absolute and relative lift of `treated` over `control` with 95% intervals (each group at least 2). The
    relative lift is left out when the control's mean is 0, or `relative_to` is: for a CUPED outcome the caller
    passes the unadjusted control mean, since an adjusted mean can be above 0 when nobody in control did anything
    (a lift on nothing has no size). The relative lift divides by the control's (adjusted) mean."""
    treated, control = np.asarray(treated, float), np.asarray(control, float)
    nt, nc = treated.size, control.size
    mt, mc = treated.mean(), control.mean()
    vt, vc = treated.var(ddof=1), control.var(ddof=1)
    diff = mt - mc
    se = math.sqrt(vt / nt + vc / nc)
    z = welch_t(vt, nt, vc, nc)
    if mc > 0 and (relative_to is None or relative_to > 0):
        rel = mt / mc - 1
        se_rel = math.sqrt(vt / (nt * mc ** 2) + mt ** 2 * vc / (nc * mc ** 4))
        relative = (rel, rel - z * se_rel, rel + z * se_rel)
    else:
        relative = (None, None, None)
    return Lift(float(mt), float(mc), float(diff), float(diff - z * se), float(diff + z * se), *relative)


def welch_t(vt: float, nt: int, vc: float, nc: int) -> float:
    """The 97.5% quantile of Student's t with the Welch-Satterthwaite degrees of freedom (1.96 when they are
    many, or when both groups are constant)."""
    a, b = vt / nt, vc / nc
    if a + b == 0:
        return Z95
    df = (a + b) ** 2 / ((a * a / (nt - 1) if nt > 1 else 0) + (b * b / (nc - 1) if nc > 1 else 0))
    return float(stats.t.ppf(0.975, df))


def cuped(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`y` with what the pre-period covariate `x` predicts of it taken out (both groups together)."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    centred = x - x.mean()
    variance = float(np.dot(centred, centred))  # both sums over n: n cancels in theta
    if variance == 0:
        return y
    theta = float(np.dot(y - y.mean(), centred)) / variance
    return y - theta * centred


def sample_ratio_p(treated: int, control: int, holdout_share: float) -> float:
    """p-value of seeing these group sizes if each recipient was held out with probability `holdout_share`."""
    n = treated + control
    expected = np.array([n * (1 - holdout_share), n * holdout_share])
    if n == 0 or expected.min() == 0:
        return 1.0
    return float(stats.chisquare([treated, control], expected).pvalue)


def minimum_detectable_effect(recipients: int, holdout_share: float, baseline_rate: float, *,
                              power: float = 0.8) -> float | None:
    """The smallest absolute lift in a response rate that a two-sided 5% test detects with `power`, for
    `recipients` split by `holdout_share`; None when a group would be empty."""
    control = recipients * holdout_share
    treated = recipients - control
    if control < 1 or treated < 1 or not 0 < baseline_rate < 1:
        return None
    spread = math.sqrt(baseline_rate * (1 - baseline_rate) * (1 / treated + 1 / control))
    return (Z95 + float(stats.norm.ppf(power))) * spread
