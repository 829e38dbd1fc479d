"""`genome models ...`: fit every model and read their cards from the command line."""

import json
from pathlib import Path
from typing import Annotated

import typer

from genome.cli.support import AsOption, DbOption, acting_user, db_path, fail, open_for_writing, progress_bar, reading
from genome.models.card_view import fallback_share, headline, plain_sentence
from store.settings import get_settings

models_app = typer.Typer(no_args_is_help=True, help="Fit the predictive models and read their cards.")


@models_app.command("fit")
def fit_command(
    user: AsOption,
    db: DbOption = None,
    tiers: Annotated[Path | None, typer.Option(help="JSON file of loyalty tier thresholds per category "
                                                    "(default: $GENOME_LOYALTY_TIERS, else learned)")] = None,
    approaching_days: Annotated[int | None, typer.Option(
        min=1, max=365, help="window of the birthday and anniversary 'approaching' genes "
                             "(default: $GENOME_APPROACHING_DAYS, else 30)")] = None,
) -> None:
    """Fit, evaluate out of time and score every model; their genes join the genome."""
    from genome.access import require
    from genome.audit import record
    from genome.models.fit import fit_models
    from genome.models.loyalty import TierError, check_thresholds
    from store.meta import meta_url_for, session

    thresholds = get_settings().loyalty_tiers
    if tiers is not None:
        try:
            thresholds = json.loads(tiers.read_text(encoding="utf-8"))
            for name, cuts in thresholds.items():
                check_thresholds(name, cuts)
        except (OSError, json.JSONDecodeError, AttributeError, TypeError, TierError) as exc:
            fail(f"--tiers {tiers}: {exc}")
    actor = acting_user(db, user)
    require(actor.role, "refit_models", doing="Refitting models")
    con = open_for_writing(db_path(db))
    with progress_bar("fitting", unit="model") as progress:
        try:
            report = fit_models(con, tiers=thresholds, progress=progress,
                                approaching_days=approaching_days or get_settings().approaching_days,
                                profiling_basis=get_settings().profiling_basis)
        finally:
            con.close()
    with session(meta_url_for(db_path(db))) as meta:
        record(meta, actor=actor.name, role=actor.role, action="refit", target=db_path(db).name,
               detail=f"{report.models} models, {report.genes} model genes")
    typer.echo(f"{report.models} models fitted in {report.seconds:.0f} s; {report.genes} model genes in the genome",
               err=True)
    for card in report.cards:
        typer.echo(f"  {card['title']}: {headline(card)}", err=True)


@models_app.command("cards")
def cards_command(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print every card as one JSON object")] = False,
) -> None:
    """Show what each model predicts, how it was trained and how good it is."""
    from genome.models.published import model_cards

    with reading(db) as con:
        cards = model_cards(con)
    if as_json:
        typer.echo(json.dumps({"models": cards}, default=str))
        return
    if not cards:
        typer.echo("no models fitted yet: run `genome models fit`")
        return
    for card in cards:
        typer.echo(f"{card['title']} ({card['name']}): {plain_sentence(card)}")
        typer.echo(f"  {headline(card)}; fallback for {fallback_share(card)}; "
                   f"fitted {card['fitted_at']:%Y-%m-%d %H:%M}")
