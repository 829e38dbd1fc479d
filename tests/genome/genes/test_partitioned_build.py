"""A build that works in customer partitions gives the genome a single pass gives, gene for gene."""

import shutil

import duckdb
import pytest
from helpers import genome_rows, paced_store

from genome.errors import InputError
from genome.genes import build
from genome.genes.build import EVENTS_PER_PARTITION, build_genome, partitions_for
from store.duck import connect


@pytest.fixture(scope="module")
def both_builds(demo_db, tmp_path_factory):
    """The small demo store built in one pass and, on a copy, in three partitions."""
    folder = tmp_path_factory.mktemp("partitioned")
    copy = folder / "demo.duckdb"
    shutil.copy(demo_db, copy)
    con = connect(copy)
    report = build_genome(con, partitions=3)
    split = genome_rows(con), con.execute("SELECT name, carriers, coverage, hidden_reason FROM gene_catalog "
                                      "ORDER BY name").fetchall()
    con.close()
    con = connect(demo_db, read_only=True)
    whole = genome_rows(con), con.execute("SELECT name, carriers, coverage, hidden_reason FROM gene_catalog "
                                      "ORDER BY name").fetchall()
    con.close()
    return report, whole, split


def test_a_partitioned_build_says_how_many_partitions_it_used(both_builds):
    report, _, _ = both_builds
    assert report.partitions == 3


def test_every_gene_of_every_customer_equals_the_single_pass_build(both_builds):
    _, ((columns, rows), _), ((split_columns, split_rows), _) = both_builds
    assert split_columns == columns
    assert len(split_rows) == len(rows) > 1000
    differing = {columns[i] for whole, split in zip(rows, split_rows)
                 for i, (a, b) in enumerate(zip(whole, split))
                 if a != b and not (isinstance(a, float) and b == pytest.approx(a, rel=1e-12))}
    assert differing == set()


def test_the_catalog_and_its_coverage_are_the_same(both_builds):
    _, (_, catalog), (_, split_catalog) = both_builds
    assert split_catalog == catalog


def test_where_the_rules_win_a_partitioned_build_publishes_the_same_rules(tmp_path):
    whole = paced_store(tmp_path, steady=False)  # customers who change pace: the lifetime-value rules win
    copy = tmp_path / "split.duckdb"
    shutil.copy(whole, copy)
    con = connect(copy)
    build_genome(con, partitions=3)
    lifetime = ("SELECT customer_id, clv_12m, p_alive, expected_purchases_90d, clv_fallback, value_decile, clv_tier "
                "FROM customer_genes ORDER BY customer_id")
    choice = "SELECT value FROM store_settings WHERE key = 'lifetime_published'"
    split = con.execute(lifetime).fetchall(), con.execute(choice).fetchone()
    con.close()
    con = connect(whole, read_only=True)
    assert '"published": "rule"' in con.execute(choice).fetchone()[0]
    assert split == (con.execute(lifetime).fetchall(), con.execute(choice).fetchone())
    con.close()


def test_partitions_cover_every_customer_once_in_order():
    parts = partitions_for(10, 0, 3)
    assert [(p.first, p.count) for p in parts] == [(0, 4), (4, 4), (8, 2)]
    assert [p.name for p in parts] == ["partition 1 of 3", "partition 2 of 3", "partition 3 of 3"]


def test_the_number_of_partitions_follows_the_events_by_default():
    assert len(partitions_for(1_000_000, 60_000_000)) == -(-60_000_000 // EVENTS_PER_PARTITION)
    assert len(partitions_for(1_000, 5_000)) == 1


def test_there_are_never_more_partitions_than_customers_nor_fewer_than_one():
    assert len(partitions_for(2, 10**12)) == 2
    assert [(p.first, p.count) for p in partitions_for(0, 0)] == [(0, 0)]


def test_zero_partitions_are_refused_by_name():
    with pytest.raises(InputError, match="at least one partition"):
        partitions_for(10, 10, 0)


def test_a_partitioned_build_keeps_to_its_memory_budget_from_its_first_read(demo_db, tmp_path, monkeypatch):
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    limits = []
    plan_build = build.plan_build

    def planning(con, **kwargs):  # the vocabulary scan is the build's first read of the events
        limits.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return plan_build(con, **kwargs)

    monkeypatch.setattr(build, "plan_build", planning)
    monkeypatch.setattr(build, "PARTITIONED_DUCKDB_MB", 300)
    budget = duckdb.connect()
    budget.execute("SET memory_limit = '300MB'")
    con = connect(copy)
    store_limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    build.build_genome(con, partitions=2)
    assert limits == [budget.execute("SELECT current_setting('memory_limit')").fetchone()[0]] != [store_limit]
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == store_limit
    con.close()


def test_a_partitioned_build_leaves_nothing_for_the_close_to_fold_in(demo_db, tmp_path):
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    con = connect(copy)
    build_genome(con, partitions=2)
    log = tmp_path / "demo.duckdb.wal"
    assert not log.exists() or log.stat().st_size == 0
    con.close()
