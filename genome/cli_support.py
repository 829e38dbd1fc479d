"""What every `genome` command shares: the store option, one-line errors, opening the store."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer

from store.duck import StoreMissing, connect
from store.settings import get_settings

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB store (default: $GENOME_DB or data/genome.duckdb)", show_default=False),
]


def db_path(path: Path | None) -> Path:
    return path or get_settings().db


def fail(message: str) -> None:
    typer.echo(f"genome: error: {message}", err=True)
    raise typer.Exit(code=1)


def open_for_writing(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return connect(path)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            fail(f"{path} is in use by another process (stop the app or other job, then retry)")
        fail(f"cannot open {path}: {exc}")


@contextmanager
def reading(db: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only store; domain errors become the one-line message."""
    path = db_path(db)
    try:
        con = connect(path, read_only=True)
    except StoreMissing as exc:
        fail(str(exc))
    except duckdb.IOException as exc:
        fail(f"cannot read {path}: {exc}")
    try:
        yield con
    except ValueError as exc:
        fail(str(exc))
    finally:
        con.close()


