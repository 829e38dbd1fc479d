"""Properties of counting on the demo store: the algebra of sets holds for any conditions, and any typed
value, however hostile, runs as a bound parameter and yields a count instead of an error."""

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from genome.segments.audience import count
from genome.segments.index import GenomeIndex
from genome.segments.rules import Between, Compare, EventCount, Flag, Group, InSegment, OneOf, TopPercent
from store.duck import connect

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def store(demo_db):
    con = connect(demo_db, read_only=True)
    yield con, GenomeIndex(con)
    con.close()


def _atoms(con, index) -> list:
    """Conditions of every kind over genes the demo carries: flags, thresholds at quantiles, categories."""
    rows = con.execute("SELECT name, type FROM gene_catalog WHERE coverage BETWEEN 0.02 AND 0.98 "
                       "ORDER BY name").fetchall()
    rng = np.random.default_rng(3)
    flags = [n for n, t in rows if t == "flag"]
    numbers = [n for n, t in rows if t == "number"]
    categories = [n for n, t in rows if t == "category"]
    atoms: list = [Flag(str(n)) for n in rng.choice(flags, 12, replace=False)]
    for name in rng.choice(numbers, 8, replace=False):
        values = index.column(str(name))
        low, mid, high = np.nanquantile(values, [0.25, 0.5, 0.75])
        atoms += [Compare(str(name), ">=", round(float(mid), 2)), Compare(str(name), "!=", round(float(low), 2)),
                  Between(str(name), round(float(low), 2), round(float(high), 2))]
    atoms += [TopPercent("clv_12m", 25), EventCount("purchase", ">=", 2, 0, 180)]
    for name in categories[:3]:
        category = index.column(name)
        atoms.append(OneOf(name, tuple(str(v) for v in category.values[:2])))
    return atoms


@pytest.fixture(scope="module")
def atoms(store):
    return _atoms(*store)


def _both(con, index, rule) -> int:
    """The SQL path's count, held to the index's count for the same rule."""
    n = count(con, rule).count
    assert int(index.mask(rule).sum()) == n, f"the index and SQL disagree on {rule}"
    return n


def _rule(*items) -> Group:
    return Group("all", items)


@SETTINGS
@given(data=st.data())
def test_any_two_conditions_obey_the_algebra_of_sets(store, atoms, data):
    con, index = store
    a = data.draw(st.sampled_from(atoms), label="A")
    b = data.draw(st.sampled_from(atoms), label="B")
    total = index.size
    n_a, n_b = _both(con, index, _rule(a)), _both(con, index, _rule(b))
    both = _both(con, index, _rule(a, b))
    assert both + _both(con, index, _rule(a, Group("none", (b,)))) == n_a
    assert _both(con, index, Group("none", (a,))) == total - n_a
    assert _both(con, index, Group("any", (a, b))) == n_a + n_b - both
    assert 0 <= both <= min(n_a, n_b)


hostile = st.text(min_size=1, max_size=30)


@SETTINGS
@given(city=hostile, category=hostile, channel=hostile, segment=hostile,
       number=st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_hostile_values_run_as_parameters_and_both_paths_count_the_same(store, city, category, channel, segment,
                                                                       number):
    con, index = store
    stored = pa.table({"customer_id": pa.array([segment], pa.string())})
    members = {segment: stored}.get
    rule = Group("any", (
        OneOf("home_city", (city,)),
        EventCount("purchase", ">=", 1, 0, 90, category=category),
        EventCount("view", ">=", 1, 0, 90, channel=channel),
        Compare("clv_12m", ">", float(number)),
        InSegment(segment),
    ))
    n = count(con, rule, members=members).count
    assert 0 <= n <= index.size
    assert int(index.mask(rule, members=members).sum()) == n
    # what was typed is data: the store still answers the same afterwards
    assert con.execute("SELECT count(*) FROM customer_genes").fetchone()[0] == index.size
