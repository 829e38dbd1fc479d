"""Refitting while people keep working: fit on a copy of the store, then swap it in (`genome.rewrite`).

Every reader keeps the previous models until the new ones are complete, and
a failed refit leaves the store exactly as it was.
"""

from pathlib import Path

from genome.access import require
from genome.audit import record
from genome.consent_changes import fold_into_store, mark_folded
from genome.models.fit import FitReport, Progress, fit_models
from genome.models.life_event_genes import APPROACHING_DAYS
from genome.rewrite import RewriteRunning, lock_path, rewrite_aside
from store.meta import meta_url_for, session

__all__ = ["RefitRunning", "lock_path", "refit_aside"]


RefitRunning = RewriteRunning  # a refit waits for any other change of the store, as an erasure does


def refit_aside(target: Path, *, by: str, role: str, tiers: dict | None = None,
                approaching_days: int = APPROACHING_DAYS, profiling_basis: str | None = None,
                progress: Progress | None = None) -> FitReport:
    """Refit every model of the store at `target` for the person `by` acting as `role` (which must allow it);
    the refit is audited once it has been swapped in."""
    require(role, "refit_models", doing="Refitting models")
    target = Path(target)
    with rewrite_aside(target, doing=f"a refit started by {by}", progress=progress) as con:
        # consent given to staff since the store was last written counts for profiling too
        with session(meta_url_for(target)) as meta:
            folded = fold_into_store(meta, con, mark=False)
        report = fit_models(con, tiers=tiers, approaching_days=approaching_days, progress=progress,
                            profiling_basis=profiling_basis)
    with session(meta_url_for(target)) as meta:
        mark_folded(meta, folded)  # in the store in use now, not before: a failed refit leaves them waiting
        record(meta, actor=by, role=role, action="refit", target=target.name,
               detail=f"{report.models} models, {report.genes} model genes")
    return report
