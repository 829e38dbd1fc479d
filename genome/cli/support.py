"""What every `genome` command shares: the store option, one-line errors, opening the store, progress.

Errors: every command runs inside `GuardedGroup`, which turns a
`GenomeError` (the product's one error family) into one line on stderr and
exit code 1. Nothing else is caught, so a bug stays a traceback.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from tqdm import tqdm
from typer.core import TyperGroup

from genome.errors import GenomeError
from genome.progress import Progress
from store.duck import connect
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


class GuardedGroup(TyperGroup):
    """The command tree: a GenomeError from any command becomes `genome: error: ...` and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except GenomeError as exc:
            fail(str(exc))


@contextmanager
def progress_bar(what: str, *, unit: str = "step", hidden: bool = False) -> Iterator[Progress]:
    """A bar on stderr (stdout stays for `--json`) and the one progress callback every command hands to the
    domain: the bar shows `what: step` and follows the done and total counts it is given (`hidden`: work too
    short to draw, such as one file, whose error then stands alone on its line)."""
    with tqdm(total=1, desc=what, unit=unit, file=sys.stderr, disable=hidden) as bar:
        def progress(step: str, done: int, total: int) -> None:
            bar.total, bar.n = max(total, 1), done
            bar.set_description(f"{what}: {step}"[:64])
            bar.refresh()

        yield progress


def open_for_writing(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return connect(path)
    except duckdb.IOException as exc:
        fail(f"cannot open {path}: {exc}")


@contextmanager
def reading(db: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only store; domain errors become the one-line message."""
    path = db_path(db)
    try:
        con = connect(path, read_only=True)
    except duckdb.IOException as exc:
        fail(f"cannot read {path}: {exc}")
    try:
        yield con
    finally:
        con.close()


AsOption = Annotated[str, typer.Option("--as", help="your user name: the account decides what you may do, and the "
                                                    "audit log records you (`genome users list`)")]


def acting_user(db: Path | None, name: str):
    """The account `--as` names (its role decides what the command may do); refused when unknown or disabled."""
    from genome.users import acting
    from store.meta import meta_url_for, session

    with session(meta_url_for(db_path(db))) as s:
        return acting(s, name=name)


EngineOption = Annotated[str, typer.Option(
    "--engine", help="where the work runs: duckdb (in the store, the default) or spark")]
SparkMasterOption = Annotated[str, typer.Option(
    "--spark-master", help="with --engine spark: the cluster (spark://host:7077, yarn, k8s://...); "
                           "default: local[2], Spark inside this process")]
WorkdirOption = Annotated[Path | None, typer.Option(
    "--workdir", help="with --engine spark: a folder every Spark worker can read and write, for the Parquet "
                      "exchanged with the cluster (default: a temporary folder on this machine)")]


def check_engine(engine: str, workdir: Path | None = None) -> None:
    """Refuse an unknown engine and a work folder that does not exist, by name, before anything starts."""
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter(f"unknown engine {engine!r}: use duckdb or spark", param_hint="--engine")
    if workdir is not None and not workdir.is_dir():
        raise typer.BadParameter(f"the work folder {workdir} does not exist: create it, on storage every Spark "
                                 "worker can reach", param_hint="--workdir")


def external_engine(engine: str, spark_master: str, workdir: Path | None = None):
    """The Spark engine when asked for, None for DuckDB; an unknown engine or a missing work folder is refused by
    name before Spark starts."""
    check_engine(engine, workdir)
    if engine == "duckdb":
        return None
    from store.spark import SparkEngine, spark_session

    return SparkEngine(spark_session(spark_master))
