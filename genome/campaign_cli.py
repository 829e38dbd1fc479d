"""`genome campaign`: record campaigns sent elsewhere, list campaigns, and report one (the Reports page's figures)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from genome.cli_support import AsOption, DbOption, acting_user, db_path, reading
from store.meta import meta_url_for, session

campaign_app = typer.Typer(no_args_is_help=True, help="Campaigns: their plans, and reports with honest lift.")


@campaign_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="a campaign calendar (CSV: name, goal, channel, sent_on, "
                                              "holdout_share, window_days, message_cost)")],
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Record campaigns sent by another tool, whose receipts and hold-outs were ingested as events."""
    from genome.campaigns.library import import_sent_campaigns

    actor = acting_user(db, user)
    with session(meta_url_for(db_path(db))) as s:
        saved = import_sent_campaigns(s, file, owner=actor.name, role=actor.role)
    typer.echo(f"{saved} campaigns recorded from {file}" if saved else f"every campaign of {file} is recorded already")


@campaign_app.command("list")
def list_command(
    user: AsOption,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON array")] = False,
) -> None:
    """Every campaign, sent or planned: state, recipients, headline lift, incremental revenue, cost and return."""
    from genome.campaigns.report import portfolio

    actor = acting_user(db, user)
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        rows = portfolio(con, s, role=actor.role)
    if as_json:
        typer.echo(json.dumps(rows, default=str))
        return
    if not rows:
        typer.echo("no campaigns yet: none planned, and no receipt or hold-out events in the store")
    for r in rows:
        lift = "lift not measurable" if r["lift"] is None else (
            f"lift {r['lift']:+.4g} [{r['lift_low']:+.4g}, {r['lift_high']:+.4g}]")
        typer.echo(f"{r['campaign']:<28} {r['state']:<9} {r['goal']:<17} {lift}")


@campaign_app.command("report")
def report_command(
    name: Annotated[str, typer.Argument(help="the campaign's name (its campaign_id)")],
    user: AsOption,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """One campaign's results: treated against control, lift with its 95% interval (plain and CUPED), sample ratio,
    incremental revenue and return on cost, per variant, and the genes that over-index among responders."""
    from genome.campaigns.report import campaign_report

    actor = acting_user(db, user)
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        report = campaign_report(con, s, name, role=actor.role)
    if as_json:
        typer.echo(json.dumps(report, default=str))
        return
    typer.echo(f"{report['campaign']} ({report['state']}), goal: {report['goal_in_words']}, "
               f"window {report['window_days']} days")
    for group, g in report.get("groups", {}).items():
        typer.echo(f"  {group:<8} {g['recipients']:>9,} recipients  {g['response_rate']:7.2%} bought  "
                   f"{g['revenue_per_recipient']:10.2f} revenue per recipient")
    if head := report.get("headline"):
        relative = "" if head["relative"] is None else (
            f" ({head['relative']:+.1%}, [{head['relative_low']:+.1%}, {head['relative_high']:+.1%}])")
        typer.echo(f"  lift on {head['in_words']} (CUPED): {head['absolute']:+.4g} "
                   f"[{head['absolute_low']:+.4g}, {head['absolute_high']:+.4g}]{relative}")
        typer.echo(f"  incremental revenue {report['incremental_revenue']:,.2f} "
                   f"[{report['incremental_revenue_low']:,.2f}, {report['incremental_revenue_high']:,.2f}]"
                   + ("" if report["cost"] is None else f", cost {report['cost']:,.2f}, return on cost "
                      f"{report['return_on_cost']:+.1%}"))
    for note in report["notes"]:
        typer.echo(f"  note: {note}")
