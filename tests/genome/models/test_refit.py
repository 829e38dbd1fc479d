"""Refitting aside: readers keep the old models until the new store is complete; failures change nothing."""

import shutil

import pytest

from genome.access import AccessDenied
from genome.audit import entries
from genome.models import refit
from genome.models.published import model_cards
from store.duck import connect
from store.meta import meta_url_for, session


def _files(store) -> list[str]:
    """The files beside the store, leaving out the metadata store's write-ahead log while it is open."""
    return sorted(p.name for p in store.parent.iterdir() if not p.name.endswith(("-wal", "-shm")))


@pytest.fixture
def store_copy(demo_db, tmp_path):
    path = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, path)
    return path


def test_a_refit_swaps_in_a_store_with_models_while_an_open_reader_keeps_the_old_one(store_copy):
    reader = connect(store_copy, read_only=True)
    steps = []
    report = refit.refit_aside(store_copy, by="mara", role="marketer",
                               progress=lambda step, done, total: steps.append(step))
    assert model_cards(reader) == []  # the reader still holds the store it opened
    reader.close()
    fresh = connect(store_copy, read_only=True)
    assert [c["name"] for c in model_cards(fresh)] == [c["name"] for c in report.cards]
    fresh.close()
    assert steps[0] == "copying the store" and steps[-1] == "done"
    assert not refit.lock_path(store_copy).exists()
    assert _files(store_copy) == ["genome.duckdb", "genome.meta.sqlite"]
    with session(meta_url_for(store_copy)) as meta:
        assert [(e.actor, e.role, e.action) for e in entries(meta)] == [("mara", "marketer", "refit")]


def test_a_manager_may_not_refit_and_nothing_is_copied(store_copy):
    with pytest.raises(AccessDenied, match="Refitting models is for marketers and administrators; you are working "
                                           "as manager"):
        refit.refit_aside(store_copy, by="max", role="manager")
    assert _files(store_copy) == ["genome.duckdb"]


def test_a_refit_is_refused_while_another_change_of_the_store_runs(store_copy):
    refit.lock_path(store_copy).write_text("an erasure started by ada")
    with pytest.raises(refit.RefitRunning, match="genome.duckdb is being changed by an erasure started by ada"):
        refit.refit_aside(store_copy, by="mara", role="marketer")


def test_a_failed_refit_leaves_the_store_as_it_was_and_cleans_up(store_copy, monkeypatch):
    before = store_copy.read_bytes()

    def broken(con, **kwargs):
        raise ValueError("no history to learn from")

    monkeypatch.setattr(refit, "fit_models", broken)
    with pytest.raises(ValueError, match="no history"):
        refit.refit_aside(store_copy, by="mara", role="marketer")
    assert store_copy.read_bytes() == before
    assert _files(store_copy) == ["genome.duckdb", "genome.meta.sqlite"]
