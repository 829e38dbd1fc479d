"""Preferred channel (where the next purchases happen) and preferred contact time (when they are online)."""

import numpy as np
import pandas as pd

from genome.models.classifier import FeatureClassifier
from genome.models.features import DAY_PARTS, PURCHASE_CHANNELS
from genome.models.tasks import ClassTask


class ChannelPreference(FeatureClassifier):
    """The channel of most of the customer's purchase lines in the next 90 days."""


class ContactTime(FeatureClassifier):
    """The part of the day (night, morning, afternoon, evening) of most of the next 90 days' online activity."""


def top_channel(X: pd.DataFrame, outcome: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return outcome["top_channel"].notna(), outcome["top_channel"]


def top_day_part(X: pd.DataFrame, outcome: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return outcome["top_day_part"].notna(), outcome["top_day_part"]


def past_channel(X: pd.DataFrame) -> pd.Series:
    shares = X[[f"purchase_share_{c}" for c in PURCHASE_CHANNELS]].to_numpy()
    return pd.Series(np.asarray(PURCHASE_CHANNELS, dtype=object)[shares.argmax(axis=1)], index=X.index)


def past_day_part(X: pd.DataFrame) -> pd.Series:
    shares = X[[f"online_share_{p}" for p in DAY_PARTS]].to_numpy()
    out = pd.Series(np.asarray(DAY_PARTS, dtype=object)[shares.argmax(axis=1)], index=X.index)
    return out.where(X["online_events"] > 0)


def online(X: pd.DataFrame) -> pd.Series:
    return X["online_events"] > 0


CHANNEL_TASK = ClassTask(
    name="predicted_channel", title="Preferred channel", predicts="channel of the next 90 days' purchases",
    horizon_days=90, estimator=ChannelPreference, label=top_channel, baseline=past_channel,
    baseline_name="the channel of most past purchases",
    fallback="no purchase yet, so the channel such customers buy in most",
)

CONTACT_TASK = ClassTask(
    name="best_contact_time", title="Preferred contact time",
    predicts="part of the day the customer is most active online in the next 90 days",
    horizon_days=90, estimator=ContactTime, label=top_day_part, baseline=past_day_part,
    baseline_name="the part of the day of most past online activity", scorable=online,
    fallback="no online activity yet, so the part of the day most customers are online",
)
