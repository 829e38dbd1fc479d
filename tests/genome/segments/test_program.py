"""Rules run as compiled programs over one-byte codes count exactly what SQL counts, for numbers with far more
distinct values than one byte holds (so thresholds fall inside a code's bucket) and categories with more values."""

import numpy as np
import pyarrow as pa
import pytest

from genome.segments.audience import count
from genome.segments.index import GenomeIndex
from genome.segments.preview import preview
from genome.segments.program import Quantized
from genome.segments.text import parse
from genome.segments.warm import write_genome
from store.duck import connect

N = 40_000


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A genome of 40,000 customers: a number with about 30,000 distinct values (a tenth missing, a fifth at
    exactly zero), a flag, a category with 300 values and the value gene."""
    rng = np.random.default_rng(11)
    x = np.round(rng.gamma(2.0, 40.0, N), 3)
    x[rng.random(N) < 0.2] = 0.0
    x[rng.random(N) < 0.1] = np.nan
    path = tmp_path_factory.mktemp("program") / "genome.duckdb"
    con = connect(path)
    shop = rng.integers(-1, 300, N)
    genes = pa.table({
        "customer_id": [f"C{i:06d}" for i in range(N)], "x": pa.array(x, from_pandas=True),
        "f": rng.random(N) < 0.3, "c": [None if k < 0 else f"shop {k}" for k in shop],
        "clv_12m": np.round(rng.gamma(1.5, 200.0, N), 2)})
    write_genome(con, genes, {"x": "number", "f": "flag", "c": "category", "clv_12m": "number"})
    con.close()
    con = connect(path, read_only=True)
    yield con, GenomeIndex(con), x
    con.close()


def _thresholds(x: np.ndarray) -> list[float]:
    """Values held by customers (on bucket edges and inside buckets), values between them, and the extremes."""
    known = np.sort(x[~np.isnan(x)])
    held = [float(known[int(q * (len(known) - 1))]) for q in (0.0, 0.1, 0.25, 0.33, 0.5, 0.77, 0.9, 0.999, 1.0)]
    return held + [round(v + 0.0005, 4) for v in held[1:-1]] + [-1.0, 10_000.0]


def test_a_number_is_coded_in_one_byte_with_missing_apart(store):
    _, index, x = store
    quantized = index.quantized("x")
    assert quantized.codes.dtype == np.uint8
    assert np.all((quantized.codes == 255) == np.isnan(x))
    assert 100 < len(np.unique(quantized.codes)) <= 255  # far fewer codes than the ~30,000 distinct values


@pytest.mark.parametrize("op", [">=", ">", "<=", "<", "=", "!="])
def test_every_comparison_at_every_kind_of_threshold_counts_what_sql_counts(store, op):
    con, index, x = store
    for t in _thresholds(x):
        rule = parse(f"x {op} {t!r}")
        assert int(index.mask(rule).sum()) == count(con, rule).count, f"x {op} {t!r}"


def test_ranges_negations_and_mixed_groups_count_what_sql_counts(store):
    con, index, x = store
    t = _thresholds(x)
    for text in (f"x BETWEEN {t[4]!r} AND {t[12]!r}", f"NOT x >= {t[5]!r}", f"x >= {t[5]!r} OR f",
                 f"NOT (x < {t[11]!r} AND f)", f"f AND NOT x BETWEEN {t[2]!r} AND {t[6]!r}", "x IN TOP 12.5%",
                 "c IN ('shop 1', 'shop 299', 'nowhere')", "c != 'shop 7' AND x > 0", "c = 'shop 250' OR x = 0"):
        rule = parse(text)
        assert int(index.mask(rule).sum()) == count(con, rule).count, text


def test_the_preview_of_a_large_audience_sums_the_same_as_the_members_values(store):
    _, index, _ = store
    for text in ("x > 0", "f"):  # more than half the customers, then fewer
        mask = index.mask(parse(text))
        figures = preview(index, mask)
        values = index.value[mask]
        assert figures.count == int(mask.sum())
        assert figures.histogram.tolist() == np.bincount(index.value_codes[mask], minlength=len(
            index.base_histogram)).tolist()
        assert figures.value_total == pytest.approx(values.sum(), rel=1e-9)


def test_a_code_holds_a_run_of_values_and_its_bounds_are_the_values_it_holds():
    values = np.array([5.0, 1.0, np.nan, 3.0, 3.0, 2.0, 4.0] * 100 + list(np.linspace(0, 1, 1000)))
    quantized = Quantized.of(values)
    for code in np.unique(quantized.codes[quantized.codes != 255]):
        held = values[quantized.codes == code]
        assert (quantized.low[code], quantized.high[code]) == (held.min(), held.max())
    order = np.argsort(values[~np.isnan(values)], kind="stable")
    assert np.all(np.diff(quantized.codes[~np.isnan(values)][order].astype(int)) >= 0)  # codes follow the values


def test_a_mask_made_elsewhere_gets_the_figures_the_index_summed_while_making_it(store):
    _, index, _ = store
    for text in ("x > 0", "f", "x < 0"):  # more than half, fewer, nobody
        made = index.mask(parse(text))
        copied = np.array(made)  # not one the index made: summed in a pass of its own
        assert index.figures_of(made) is not None and index.figures_of(copied) is None
        a, b = preview(index, made), preview(index, copied)
        assert (a.count, a.histogram.tolist(), a.reachable) == (b.count, b.histogram.tolist(), b.reachable)
        assert a.value_total == pytest.approx(b.value_total, rel=1e-12, abs=1e-6)


def test_a_mask_the_index_made_cannot_be_changed_behind_its_figures(store):
    _, index, _ = store
    with pytest.raises(ValueError):
        index.mask(parse("f"))[0] = True


def test_sessions_previewing_at_once_each_get_their_own_figures(store):
    from concurrent.futures import ThreadPoolExecutor

    _, index, x = store
    t = _thresholds(x)
    texts = [f"x >= {v!r}" for v in t] + [f"f AND x < {v!r}" for v in t] + ["c = 'shop 3' OR f"]

    def figures(text):
        f = preview(index, index.mask(parse(text)))
        return f.count, f.histogram.tolist(), f.reachable

    alone = [figures(text) for text in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(figures, texts * 4))
    assert together == alone * 4
