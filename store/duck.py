"""Opening the DuckDB analytics store and keeping its schema in place.

The store is one file; only one process writes it at a time. Sessions run in
UTC so timestamps with offsets land as the same instant everywhere.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import duckdb

from store.errors import NotBuilt, StoreBusy

SCHEMA_SQL = files("store").joinpath("schema.sql").read_text(encoding="utf-8")


class StoreMissing(NotBuilt):
    """Raised when a reader asks for a store that has not been created."""


def _busy(path: Path, exc: duckdb.Error, *, writing: bool = False) -> StoreBusy | None:
    """The error a person sees when another process holds the store's lock (None for other failures)."""
    if "lock" not in str(exc).lower():
        return None
    if writing:
        return StoreBusy(f"the store {path} is in use by another process (the app, or an ingest, build or refit): "
                         "stop it, or wait for it to finish, then retry")
    return StoreBusy(f"the store {path.name} is being written by another process (an ingest, build or refit); "
                     "try again when it has finished")


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store at `path`; a writer creates it (and its schema) if needed."""
    path = Path(path)
    if read_only and not path.exists():
        raise StoreMissing(f"no store at {path}: run `genome demo` or `genome ingest` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise _busy(path, exc, writing=not read_only) or exc
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # progress is the caller's to show
    # Leave room for Python and the app: large ingests and builds spill to disk instead.
    con.execute(f"SET memory_limit = '{_memory_limit_mb()}MB'")
    if not read_only:
        # DuckDB checkpoints whenever 16 MB of changes are logged, and a checkpoint's cost grows with the store:
        # an ingest that commits file by file spent a tenth of its time checkpointing. The log is written at
        # every commit all the same, so nothing committed is lost; the store is checkpointed on close.
        con.execute("SET checkpoint_threshold = '1GB'")
        con.execute(SCHEMA_SQL)
    return con


class Snapshot:
    """The store file as it was when opened, read-only, however often it is swapped afterwards.

    DuckDB shares one database per file within a process: while any
    connection to a path is open, connecting to that path again returns the
    same database, even after a new file was renamed over it. A snapshot
    attaches the file to a database of its own instead, so the app can open
    a freshly swapped store while sessions still read the previous one.
    Its cursors (one per thread), and theirs, see the store as their default
    catalog; everything else is the DuckDB connection's own.
    """

    def __init__(self, path: Path | str) -> None:
        path = Path(path)
        if not path.exists():
            raise StoreMissing(f"no store at {path}: run `genome demo` or `genome ingest` first")
        con = duckdb.connect(":memory:")
        con.execute(f"SET memory_limit = '{_memory_limit_mb()}MB'")
        # the path is ours (settings), but quote it as a literal all the same
        try:
            con.execute("ATTACH '" + str(path).replace("'", "''") + "' AS store (READ_ONLY)")
        except duckdb.IOException as exc:
            con.close()
            raise _busy(path, exc) or exc
        self._con = _prepared(con)

    def cursor(self) -> "Snapshot":
        cursor = object.__new__(Snapshot)
        cursor._con = _prepared(self._con.cursor())
        return cursor

    def __getattr__(self, name):
        return getattr(self._con, name)

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc) -> None:
        self._con.close()


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the store holds `table` (tables made by a build or a fit are missing before one has run)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [table]).fetchone()[0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of `table` in their order; none when it is missing (a table written before a column existed
    lacks that column)."""
    return [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                      "ORDER BY ordinal_position", [table]).fetchall()]


def _prepared(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("USE store")
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


def _memory_limit_mb() -> int:
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return max(256, int(total * 0.5 / 2**20))


@contextmanager
def memory_budget(con: duckdb.DuckDBPyConnection, megabytes: int) -> Iterator[None]:
    """DuckDB's memory at most `megabytes` (and never more than the store's own limit) while the block runs,
    for work that also holds large arrays outside DuckDB; the store's limit again afterwards."""
    con.execute(f"SET memory_limit = '{min(int(megabytes), _memory_limit_mb())}MB'")
    try:
        yield
    finally:
        con.execute(f"SET memory_limit = '{_memory_limit_mb()}MB'")


def replace_store(built: Path, target: Path) -> None:
    """Swap a fully built store file into place in one rename.

    Readers holding the old file keep it until they reopen; nobody sees a
    half-built store.
    """
    built, target = Path(built), Path(target)
    log, built_log = Path(str(target) + ".wal"), Path(str(built) + ".wal")
    log.unlink(missing_ok=True)  # the old store's log belongs to the old store
    built.replace(target)
    # A closed store has folded its log in; one still open elsewhere may not have, and its log holds committed
    # changes (writers checkpoint only every GB of log), so it travels with the file.
    if built_log.exists():
        built_log.replace(log)


def building_path(target: Path) -> Path:
    """Where a new store is built before it replaces `target`."""
    target = Path(target)
    return target.with_name(target.name + ".building")
