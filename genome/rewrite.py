"""Changing the store while people keep reading it: change a copy, then swap it in.

DuckDB lets one process write a file only while no other process has it
open, and the app keeps the store open to read. So a refit or an erasure
copies the store aside, works on the copy, and renames the copy over the
original in one step: every reader keeps the previous store until the new
one is complete, and a failure leaves the store exactly as it was. One lock
file per store keeps two rewrites from running at once (the second would
swap in a copy without the first one's change).
"""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from genome.errors import NotBuilt, Refused
from store.duck import building_path, connect, replace_store


class RewriteRunning(Refused):
    """Another refit or erasure of the same store has not finished."""


def lock_path(target: Path) -> Path:
    return Path(target).with_name(Path(target).name + ".rewrite.lock")


@contextmanager
def rewrite_aside(target: Path, *, doing: str, progress=None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to a copy of the store at `target`; when the block ends normally the copy replaces
    the store, otherwise it is thrown away. `doing` names the work ("a refit") for whoever has to wait."""
    target = Path(target)
    if not target.exists():
        raise NotBuilt(f"no store at {target}: run `genome demo` or `genome ingest` first")
    lock = lock_path(target)
    try:
        descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        running = lock.read_text(encoding="utf-8", errors="replace").strip() or "another change"
        raise RewriteRunning(f"{target.name} is being changed by {running}; wait for that to finish (or remove "
                             f"{lock.name} if nothing is running)") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(doing)
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
            yield con
            con.execute("CHECKPOINT")
        finally:
            con.close()
        replace_store(building, target)
    finally:
        for leftover in (building, Path(str(building) + ".wal")):
            leftover.unlink(missing_ok=True)
        lock.unlink(missing_ok=True)
