"""Snapshots: the app reads a swapped-in store at once while older readers keep theirs."""

import shutil
from pathlib import Path

import pytest

from store.duck import Snapshot, StoreMissing, connect, replace_store


def write_store(path, value):
    con = connect(path)
    con.execute("CREATE OR REPLACE TABLE marker AS SELECT ? AS value", [value])
    con.close()


def test_a_snapshot_opened_after_a_swap_reads_the_new_store_and_the_old_one_keeps_reading_its_own(tmp_path):
    target, built = tmp_path / "genome.duckdb", tmp_path / "genome.duckdb.building"
    write_store(target, "old")
    write_store(built, "new")
    before = Snapshot(target)
    replace_store(built, target)
    after = Snapshot(target)
    assert after.execute("SELECT value FROM marker").fetchone() == ("new",)
    assert before.cursor().execute("SELECT value FROM marker").fetchone() == ("old",)


def test_cursors_of_cursors_read_the_store_in_utc(tmp_path):
    write_store(tmp_path / "genome.duckdb", "x")
    cursor = Snapshot(tmp_path / "genome.duckdb").cursor().cursor()
    assert cursor.execute("SELECT value, current_setting('TimeZone') FROM marker").fetchone() == ("x", "UTC")


def test_a_snapshot_cannot_change_the_store(tmp_path):
    write_store(tmp_path / "genome.duckdb", "x")
    with pytest.raises(Exception, match="read-only"):
        Snapshot(tmp_path / "genome.duckdb").execute("DELETE FROM marker")


def test_a_snapshot_of_a_missing_store_says_how_to_make_one(tmp_path):
    with pytest.raises(StoreMissing, match="genome demo"):
        Snapshot(tmp_path / "nowhere.duckdb")


def test_a_swapped_in_store_keeps_changes_still_in_its_log(tmp_path):
    # A writer checkpoints only every GB of log, so a store copied while its writer is open has its last commits
    # in the log beside it; the swap must carry the log along.
    live, built, target = tmp_path / "live.duckdb", tmp_path / "genome.duckdb.building", tmp_path / "genome.duckdb"
    write_store(target, "old")
    con = connect(live)
    con.execute("CREATE TABLE marker AS SELECT 'new' AS value")
    assert Path(str(live) + ".wal").exists()
    shutil.copyfile(live, built)
    shutil.copyfile(Path(str(live) + ".wal"), Path(str(built) + ".wal"))
    con.close()
    replace_store(built, target)
    assert not Path(str(built) + ".wal").exists()
    assert Snapshot(target).execute("SELECT value FROM marker").fetchone() == ("new",)
