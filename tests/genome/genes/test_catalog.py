"""The catalog's distribution of a number gene: bins people can read apart."""

import numpy as np

from genome.genes.catalog import _number_bins, format_amount


def test_bins_of_small_probabilities_have_labels_that_differ():
    rng = np.random.default_rng(3)
    risks = np.clip(rng.lognormal(mean=np.log(0.004), sigma=1.2, size=2_000), 0, 0.95)  # a churn risk's tail
    labels = [label for label, *_ in _number_bins(risks, "probability")]
    assert len(labels) == len(set(labels)) > 3
    assert all(a != b for label in labels if "–" in label for a, b in [label.split("–")])


def test_shares_show_the_decimals_they_need_and_no_more():
    shown = [format_amount(v, "share") for v in (0, 0.0005, 0.001, 0.0015, 0.05, 0.055, 0.1234, 1)]
    assert shown == ["0%", "0.05%", "0.1%", "0.15%", "5%", "5.5%", "12.3%", "100%"]
