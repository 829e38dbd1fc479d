"""Refitting while people keep working: fit on a copy of the store, then swap it in.

DuckDB lets one process write a file only while no other process has it
open, and the app keeps the store open to read. So a refit copies the store
aside, fits and publishes there, and renames the copy over the original in
one step: every reader keeps the previous models until the new ones are
complete, and a failed refit leaves the store exactly as it was. A lock file
keeps two refits of one store from running at once.
"""

import os
import shutil
from pathlib import Path

from genome.access import require
from genome.audit import record
from genome.consent_changes import fold_into_store, mark_folded
from genome.errors import NotBuilt, Refused
from genome.models.fit import FitReport, Progress, fit_models
from genome.models.life_event_genes import APPROACHING_DAYS
from store.duck import building_path, connect, replace_store
from store.meta import meta_url_for, session


class RefitRunning(Refused):
    """Another refit of the same store has not finished."""


def lock_path(target: Path) -> Path:
    return Path(target).with_name(Path(target).name + ".refit.lock")


def refit_aside(target: Path, *, by: str, role: str, tiers: dict | None = None,
                approaching_days: int = APPROACHING_DAYS, profiling_basis: str | None = None,
                progress: Progress | None = None) -> FitReport:
    """Refit every model of the store at `target` for the person `by` acting as `role` (which must allow it);
    the refit is audited once it has been swapped in."""
    require(role, "refit_models", doing="Refitting models")
    target = Path(target)
    if not target.exists():
        raise NotBuilt(f"no store at {target}: run `genome demo` or `genome ingest` first")
    lock = lock_path(target)
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        raise RefitRunning(f"the models of {target.name} are already being refitted; wait for that to finish "
                           f"(or remove {lock.name} if no refit is running)") from None
    building = building_path(target)
    try:
        if progress:
            progress("copying the store", 0, 1)
        # copyfile, not copy2: the copy must get a new modification time so readers notice the swap
        shutil.copyfile(target, building)
        wal = Path(str(target) + ".wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(building) + ".wal"))
        con = connect(building)
        try:
            # consent given to staff since the store was last written counts for profiling too
            with session(meta_url_for(target)) as meta:
                folded = fold_into_store(meta, con, mark=False)
            report = fit_models(con, tiers=tiers, approaching_days=approaching_days, progress=progress,
                                profiling_basis=profiling_basis)
        finally:
            con.close()
        replace_store(building, target)
        with session(meta_url_for(target)) as meta:
            mark_folded(meta, folded)  # in the store in use now, not before: a failed refit leaves them waiting
            record(meta, actor=by, role=role, action="refit", target=target.name,
                   detail=f"{report.models} models, {report.genes} model genes")
        return report
    finally:
        for leftover in (building, Path(str(building) + ".wal")):
            leftover.unlink(missing_ok=True)
        lock.unlink(missing_ok=True)
