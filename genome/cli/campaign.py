"""`genome campaign`: record campaigns sent elsewhere, list campaigns, and report one (the Reports page's figures)."""

import json
from pathlib import Path
from typing import Annotated

import typer

from genome.cli.support import AsOption, DbOption, acting_user, db_path, reading
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
    """Every campaign, sent or planned: state, recipients, headline lift, incremental revenue, cost and return; and
    the totals over the measured ones, with their 95% intervals."""
    from genome.campaigns.report import portfolio, portfolio_totals, targeting

    actor = acting_user(db, user)
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        rows = portfolio(con, s, role=actor.role)
        aimed = targeting(con, role=actor.role)
    totals = portfolio_totals(rows)
    if as_json:
        typer.echo(json.dumps({"campaigns": rows, "totals": totals, "targeting": aimed}, default=str))
        return
    if not rows:
        typer.echo("no campaigns yet: none planned, and no receipt or hold-out events in the store")
    for r in rows:
        lift = "lift not measurable" if r["lift"] is None else f"lift {r['lift_text']}"
        typer.echo(f"{r['campaign']:<28} {r['state']:<9} {r['goal']:<17} {lift}")
    if totals["measured"]:
        typer.echo(f"incremental revenue over {totals['measured']:,} measured campaigns: "
                   f"{totals['incremental_revenue']:,.0f} [{totals['incremental_revenue_low']:,.0f}, "
                   f"{totals['incremental_revenue_high']:,.0f}]; cost {totals['cost']:,.2f}")
    typer.echo(f"targeting: {aimed['in_words'] if aimed['known'] else aimed['note']}")


@campaign_app.command("report")
def report_command(
    name: Annotated[str, typer.Argument(help="the campaign's name (its campaign_id)")],
    user: AsOption,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    pdf: Annotated[Path | None, typer.Option(help="also write the report with its charts to this PDF file")] = None,
) -> None:
    """One campaign's results: treated against control, lift with its 95% interval (plain and CUPED), sample ratio,
    incremental revenue and return on cost, per variant, and the genes that over-index among responders."""
    from genome.campaigns.report import campaign_report

    actor = acting_user(db, user)
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        report = campaign_report(con, s, name, role=actor.role)
    if pdf is not None:
        from genome.campaigns.pdf import report_pdf

        pdf.write_bytes(report_pdf(report))
        typer.echo(f"report written to {pdf}", err=True)
    if as_json:
        typer.echo(json.dumps(report, default=str))
        return
    typer.echo(f"{report['campaign']} ({report['state']}), goal: {report['goal_in_words']}, "
               f"window {report['window_days']} days")
    for group, g in report.get("groups", {}).items():
        typer.echo(f"  {group:<8} {g['recipients']:>9,} recipients  {g['response_rate']:7.2%} bought  "
                   f"{g['revenue_per_recipient']:10.2f} revenue per recipient")
    for sentence in report.get("summary", []):
        typer.echo(f"  {sentence}")
    for note in report["notes"]:
        typer.echo(f"  note: {note}")


@campaign_app.command("create")
def create_command(
    name: Annotated[str, typer.Argument(help="the campaign's name: letters, digits, dashes")],
    user: AsOption,
    goal: Annotated[str, typer.Option(help="purchase, revenue, coupon_redemption or click")] = "purchase",
    segment: Annotated[str | None, typer.Option(help="the saved segment it goes to (its latest version)")] = None,
    template: Annotated[str | None, typer.Option(help="the creative template it sends")] = None,
    channel: Annotated[str, typer.Option(help="email, sms or push")] = "email",
    holdout: Annotated[float, typer.Option(help="the share held out as control")] = 0.1,
    window: Annotated[int, typer.Option(help="attribution window in days")] = 14,
    cost: Annotated[float, typer.Option(help="cost per message sent")] = 0.0,
    target: Annotated[str | None, typer.Option(help="send only to the customers scoring highest on this number "
                                                    "gene, e.g. uplift_purchase (the most persuadable)")] = None,
    target_share: Annotated[float, typer.Option(help="with --target: the share of the reachable audience sent to "
                                                     "(0.3 = the top 30%)")] = 0.3,
    db: DbOption = None,
) -> None:
    """Create a campaign's plan (or change it: a new version); `genome campaign send` sends it."""
    from genome.campaigns.library import save_campaign
    from genome.segments.library import saved_version

    actor = acting_user(db, user)
    with session(meta_url_for(db_path(db))) as s:
        version = saved_version(s, segment)[1].version if segment else None
        plan = save_campaign(s, name=name, goal=goal, owner=actor.name, role=actor.role, channel=channel,
                             segment=segment, segment_version=version, template=template, holdout_share=holdout,
                             window_days=window, message_cost=cost, target_gene=target,
                             target_share=target_share if target else 1.0)
    aimed = f", sent to the top {plan.target_share:.0%} by {plan.target_gene}" if plan.target_gene else ""
    typer.echo(f"campaign {plan.name} planned (version {plan.version}, {plan.state}{aimed})")


@campaign_app.command("send")
def send_command(
    names: Annotated[list[str], typer.Argument(metavar="NAME...", help="planned campaigns (micro-campaigns: all "
                                                                          "their names)")],
    user: AsOption,
    db: DbOption = None,
    outbox: Annotated[Path | None, typer.Option(help="where messages are written (default: beside the store, "
                                                     "STORE.outbox/)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only say who each would reach and the smallest "
                                                            "effect it could detect")] = False,
) -> None:
    """Send planned campaigns: consent first, the hold-out split, messages to the outbox, receipts and hold-outs
    into the store. Says first who each reaches and the smallest effect on buying it can detect."""
    from genome.access import require
    from genome.campaigns.library import latest_campaign
    from genome.campaigns.send import audience, send_campaign
    from genome.cli.creative import template_path
    from genome.cli.support import open_for_writing
    from genome.creative.templates import load_template
    from genome.errors import InputError

    actor = acting_user(db, user)
    require(actor.role, "run_campaigns", doing="Sending campaigns")
    with session(meta_url_for(db_path(db))) as s:
        plans = {}
        with reading(db) as con:
            for name in names:
                plans[name] = latest_campaign(s, name)
                people = audience(s, con, name, role=actor.role)
                mde = "too few people to measure anything" if people.detectable_effect is None else (
                    f"smallest detectable lift on buying {people.detectable_effect:+.2%} (from "
                    f"{people.baseline_rate:.2%}, 5% test, 80% power)")
                typer.echo(f"{name}: {people.members:,} members, {people.without_consent:,} without consent on "
                           f"{plans[name].channel}, {people.globally_held_out:,} in the global hold-out, "
                           f"{people.over_cap:,} at the weekly cap"
                           + (f", {people.below_target:,} below the top {plans[name].target_share:.0%} by "
                              f"{plans[name].target_gene}" if plans[name].target_gene else "")
                           + f"; {len(people.treated):,} treated and "
                           f"{len(people.control):,} held out; {mde}")
        if dry_run:
            return
        done = [f"{n} (version {plan.version})" for n, plan in plans.items() if plan.state in ("sent", "measured")]
        if done:
            raise InputError(f"{', '.join(done)}: sent already; plan a new campaign to send again")
        missing = [n for n, plan in plans.items() if not plan.template]
        if missing:
            raise InputError(f"{', '.join(missing)}: the plan names no template (`genome campaign create NAME "
                             "--template T`)")
        con = open_for_writing(db_path(db))
        try:
            for name, plan in plans.items():
                sent = send_campaign(s, con, name, load_template(template_path(plan.template)),
                                     outbox=outbox or db_path(db).with_suffix(".outbox"), by=actor.name,
                                     role=actor.role)
                typer.echo(f"sent {sent.treated:,} messages of {name} to {sent.outbox}; {sent.control:,} held out; "
                           f"plan version {sent.version} (sent)")
        finally:
            con.close()


@campaign_app.command("micro")
def micro_command(
    prefix: Annotated[str, typer.Argument(help="the start of every campaign's name")],
    segment: Annotated[str, typer.Option(help="the saved segment to cut (its latest version)")],
    by: Annotated[list[str], typer.Option(help="a category or flag gene to cut by; give one or two")],
    template: Annotated[str, typer.Option(help="the creative template every cell sends")],
    user: AsOption,
    goal: Annotated[str, typer.Option(help="purchase, revenue, coupon_redemption or click")] = "purchase",
    channel: Annotated[str, typer.Option(help="email, sms or push")] = "email",
    holdout: Annotated[float, typer.Option(help="the share of each cell held out as control")] = 0.1,
    window: Annotated[int, typer.Option(help="attribution window in days")] = 14,
    cost: Annotated[float, typer.Option(help="cost per message sent")] = 0.0,
    min_size: Annotated[int, typer.Option(help="cells with fewer people are left out")] = 200,
    db: DbOption = None,
) -> None:
    """Cut a segment by one or two genes into many small campaigns at once (drafts), each with its own hold-out;
    lists each cell's size and the smallest lift on buying it could detect (from 5%)."""
    from genome.campaigns.micro import BASELINE_RATE, plan_micro_campaigns

    actor = acting_user(db, user)
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        plan = plan_micro_campaigns(s, con, prefix=prefix, segment=segment, dimensions=by, template=template,
                                    goal=goal, owner=actor.name, role=actor.role, channel=channel,
                                    holdout_share=holdout, window_days=window, message_cost=cost,
                                    min_size=min_size)
    for cell in plan.cells:
        mde = "–" if cell.detectable_effect is None else f"{cell.detectable_effect:+.2%}"
        typer.echo(f"{cell.campaign:<40} {cell.size:>8,}  detectable {mde:>7}  {cell.rule}")
    typer.echo(f"{len(plan.cells):,} campaigns planned (drafts; detectable lifts from a {BASELINE_RATE:.0%} "
               f"response rate); {plan.left_out:,} cells under {min_size:,} people left out "
               f"({plan.left_out_customers:,} customers)")
