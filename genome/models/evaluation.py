"""How good a model is, in figures a model card can show and a test can assert.

Every report is plain data (numbers and short lists) so it can be stored with
the model card as JSON and drawn later without the model.
"""

import numpy as np
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, roc_auc_score, roc_curve

from genome.errors import InputError


def binary_report(y_true, score, *, bins: int = 10) -> dict:
    """ROC AUC and curve, calibration by predicted decile, lift by decile, base rate."""
    y = np.asarray(y_true, dtype=int)
    p = np.asarray(score, dtype=float)
    if y.size == 0 or y.min() == y.max():
        raise InputError("a binary report needs both outcomes among the customers evaluated")
    fpr, tpr, _ = roc_curve(y, p)
    keep = np.unique(np.linspace(0, fpr.size - 1, min(fpr.size, 101)).astype(int))
    order = np.argsort(-p, kind="stable")
    deciles = np.array_split(order, bins)  # decile 1 = the highest scores
    base = float(y.mean())
    by_bin = np.array_split(np.argsort(p, kind="stable"), bins)
    return {
        "customers": int(y.size),
        "base_rate": base,
        "roc_auc": float(roc_auc_score(y, p)),
        "brier": float(brier_score_loss(y, np.clip(p, 0, 1))),
        "roc": {"fpr": fpr[keep].round(4).tolist(), "tpr": tpr[keep].round(4).tolist()},
        "calibration": {"predicted": [float(p[i].mean()) for i in by_bin if i.size],
                        "observed": [float(y[i].mean()) for i in by_bin if i.size]},
        "lift": [float(y[i].mean() / base) if base else 0.0 for i in deciles if i.size],
    }


def multiclass_report(y_true, predicted, baseline, *, baseline_name: str) -> dict:
    """Accuracy and macro F1 beside a simple baseline's accuracy on the same customers."""
    y = np.asarray(y_true, dtype=object)
    if y.size == 0:
        raise InputError("a multiclass report needs customers with a known outcome")
    predicted = np.asarray(predicted, dtype=object)
    baseline = np.asarray(baseline, dtype=object)
    return {
        "customers": int(y.size),
        "accuracy": float(accuracy_score(y, predicted)),
        "macro_f1": float(f1_score(y, predicted, average="macro", zero_division=0)),
        "baseline": baseline_name,
        "baseline_accuracy": float(accuracy_score(y, baseline)),
        "classes": {str(k): int(v) for k, v in zip(*np.unique(y.astype(str), return_counts=True))},
    }


def percentile(score: np.ndarray) -> np.ndarray:
    """0 to 100: the share of scored customers with a lower score (ties share their rank)."""
    score = np.asarray(score, dtype=float)
    out = np.full(score.size, np.nan)
    known = ~np.isnan(score)
    if known.sum() > 1:
        values = score[known]
        ordered = np.sort(values)
        below = np.searchsorted(ordered, values, side="left")
        out[known] = np.round(100.0 * below / (values.size - 1), 2)
    elif known.sum() == 1:
        out[known] = 100.0
    return out
