"""Coupon response: of the customers a campaign reaches, who will redeem one of its coupons?

Grain of the label: one customer per training window. Where the store records
campaign receipts, only customers who received a campaign in the window are
asked (a coupon nobody was sent cannot be redeemed); otherwise everyone is.
"""

import pandas as pd

from genome.errors import InputError
from genome.models.baselines import Rule
from genome.models.classifier import FeatureClassifier
from genome.models.tasks import BinaryTask


class CouponResponse(FeatureClassifier):
    """Probability of redeeming at least one coupon in the 90 days after the features' cut-off."""


def redeemed(X: pd.DataFrame, outcome: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    redemptions = outcome["coupon_redemptions"].fillna(0)
    if not redemptions.any():
        raise InputError("no coupon redemptions in the window: load events of type coupon_redemption "
                         "(see `genome schema`) to learn who responds to coupons")
    receipts = outcome["campaign_receipts"].fillna(0)
    reached = receipts > 0 if receipts.any() else pd.Series(True, index=X.index)
    return reached, redemptions > 0


TASK = BinaryTask(
    name="coupon_response_90d", title="Coupon response",
    predicts="redeems a campaign coupon in the next 90 days (of those a campaign reaches)",
    horizon_days=90, estimator=CouponResponse, label=redeemed,
    fallback="no purchase yet, so the share of such customers who redeemed a coupon",
    outcome="redeemed a coupon within 90 days",
    baselines=(
        Rule("coupon_redemptions", "most coupons redeemed so far"),
        Rule("redemptions_per_campaign", "most coupons redeemed per campaign received"),
        Rule("coupon_share", "largest share of lines bought with a coupon so far"),
    ),
)
