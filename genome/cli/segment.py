"""`genome segment ...`: exact audience counts, saved segments and exports from the command line."""

import json
from pathlib import Path
from typing import Annotated

import typer

from genome.cli.support import (
    AsOption,
    DbOption,
    EngineOption,
    SparkMasterOption,
    WorkdirOption,
    acting_user,
    db_path,
    external_engine,
    reading,
)
from store.meta import meta_url_for, session

segment_app = typer.Typer(no_args_is_help=True, help="Count, save, list and export segments.")

RuleArgument = Annotated[str, typer.Argument(help="rule in text form, e.g. \"weekend_shopper AND clv_12m >= 200\"")]


@segment_app.command("count")
def count_command(
    rule: RuleArgument,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print every figure the builder page shows as JSON")] = False,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = "local[2]",
    workdir: WorkdirOption = None,
) -> None:
    """Print a rule's exact audience: size, expected value with its interval, reach after consent, lift.
    On Spark (`--engine spark`) the audience's size, counted there."""
    from genome.formatting import money, share
    from genome.segments.audience import figures
    from genome.segments.library import members_of
    from genome.segments.text import parse

    spark = external_engine(engine, spark_master, workdir)
    if spark is not None:
        from genome.segments.on_engine import count_on

        with reading(db) as con, session(meta_url_for(db_path(db))) as meta:
            counted = count_on(spark, con, parse(rule), members=members_of(meta), workdir=workdir)
        if as_json:
            typer.echo(json.dumps({"count": counted.count, "total": counted.total, "engine": engine}))
        else:
            typer.echo(f"{counted.count:,} of {counted.total:,} customers "
                       f"({share(counted.count / counted.total if counted.total else 0.0)}), counted on Spark")
        return
    with reading(db) as con, session(meta_url_for(db_path(db))) as meta:
        result = figures(con, parse(rule), members=members_of(meta), with_lift=as_json)
    if as_json:
        typer.echo(json.dumps(result.to_json()))
        return
    low, high = result.mean_interval
    typer.echo(f"{result.count:,} of {result.total:,} customers ({share(result.share)})")
    typer.echo(f"expected 12-month value {money(result.value_total)} (95% interval {money(result.value_low)} to "
               f"{money(result.value_high)}); {money(result.value_mean, cents=True)} per customer "
               f"({money(low, cents=True)} to {money(high, cents=True)})")
    typer.echo("reachable after consent: " + ", ".join(f"{k} {v:,}" for k, v in result.reachable.items()))


@segment_app.command("save")
def save_command(
    name: Annotated[str, typer.Argument(help="segment name")],
    rule: RuleArgument,
    user: AsOption,
    description: Annotated[str, typer.Option(help="what the segment is for")] = "",
    db: DbOption = None,
) -> None:
    """Save a rule as a segment (a new version when it changed) with its audience."""
    from genome.segments.library import save_segment
    from genome.segments.text import parse

    actor = acting_user(db, user)
    with reading(db) as con, session(meta_url_for(db_path(db))) as meta:
        version = save_segment(meta, con, name=name, rule=parse(rule), owner=actor.name, role=actor.role,
                               description=description)
        typer.echo(f"{name} v{version.version}: {version.size:,} customers, "
                   f"expected 12-month value ${version.value_total:,.0f}")


@segment_app.command("list")
def list_command(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """List saved segments with their size, value and when they were computed."""
    from dataclasses import asdict

    from genome.segments.library import segment_table

    with session(meta_url_for(db_path(db))) as meta:
        rows = segment_table(meta)
    if as_json:
        typer.echo(json.dumps({"segments": [asdict(r) for r in rows]}, default=str))
        return
    if not rows:
        typer.echo("no saved segments yet: genome segment save NAME \"RULE\" --owner YOU", err=True)
    for r in rows:
        typer.echo(f"{r.name:<32} v{r.version:<3} {r.size:>10,} ({r.share:6.1%})  ${r.value_total:>14,.0f}  "
                   f"{r.computed_at:%Y-%m-%d %H:%M}  {r.rule_text}")


@segment_app.command("export")
def export_command(
    name: Annotated[str, typer.Argument(help="saved segment name")],
    out: Annotated[Path, typer.Option(help="file to write (.csv, or .parquet for ids); never overwritten "
                                           "without --force")],
    user: AsOption,
    purpose: Annotated[str, typer.Option("--for", help="ids, or an ad platform's own file: google_ads, meta, "
                                                       "tiktok (SHA-256 of e-mails and phones)")] = "ids",
    file_format: Annotated[str | None, typer.Option("--format", help="csv or parquet (default: from --out)")] = None,
    version: Annotated[int | None, typer.Option(help="segment version (default: latest)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out if it exists")] = False,
    allow_sensitive: Annotated[bool, typer.Option(
        "--allow-sensitive", help="send a segment that reads special-category genes (children, health, ...) to "
                                  "an ad platform: a person's decision, off by default")] = False,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = "local[2]",
    workdir: WorkdirOption = None,
    db: DbOption = None,
) -> None:
    """Export a saved segment's audience; consent is read now, and customers without it are always removed.

    On Spark (`--engine spark`) consent and the people's e-mails and phones are worked out there."""
    from genome.segments.export import export_audience

    actor = acting_user(db, user)
    spark = external_engine(engine, spark_master, workdir)
    with reading(db) as con, session(meta_url_for(db_path(db))) as meta:
        result = export_audience(meta, con, name=name, out=out, by=actor.name, role=actor.role, purpose=purpose,
                                 file_format=file_format, version=version, overwrite=force,
                                 allow_sensitive=allow_sensitive, engine=spark, workdir=workdir)
    unmatched = f", {result.unmatched:,} without an e-mail or phone" if result.unmatched else ""
    where = " on Spark" if spark else ""
    typer.echo(f"wrote {result.rows:,} rows for {result.people:,} people of {result.segment} v{result.version} "
               f"to {result.path}{where} ({result.removed_without_consent:,} removed without consent{unmatched})")
