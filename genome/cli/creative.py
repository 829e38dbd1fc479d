"""`genome creative`: load an asset library, check a template, preview one customer's message."""

import json
from pathlib import Path
from typing import Annotated

import typer

from genome.cli.support import AsOption, DbOption, acting_user, db_path, reading
from store.meta import meta_url_for, session

creative_app = typer.Typer(no_args_is_help=True, help="The creative studio: asset library, templates, previews.")

def template_path(name: str) -> Path:
    """A template file given by path, or by name in the library's templates folder (GENOME_CREATIVE_DIR)."""
    from store.settings import get_settings

    path = Path(name)
    if path.suffix == ".toml" or path.exists():
        return path
    return get_settings().creative_dir / "templates" / f"{name}.toml"


@creative_app.command("load")
def load_command(
    folder: Annotated[Path, typer.Argument(help="a library folder holding library.toml and its pictures")],
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Take a library folder's assets into the library (a new version of each asset that changed)."""
    from genome.creative.library import asset_dir_for, import_library

    actor = acting_user(db, user)
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        saved = import_library(s, con, folder, owner=actor.name, role=actor.role, asset_dir=asset_dir_for(db_path(db)))
    typer.echo(f"{saved} assets saved from {folder}" if saved else f"the library already holds {folder} as it is")


@creative_app.command("check")
def check_command(file: Annotated[Path, typer.Argument(help="a template file (.toml)")]) -> None:
    """Check a template: its syntax, slots and sandbox; says what is wrong in one line."""
    from genome.creative.templates import load_template

    template = load_template(file)
    typer.echo(f"{template.name}: {len(template.slots)} slots ({', '.join(template.slots)}), "
               f"parts {', '.join(template.parts)}: fine")


@creative_app.command("preview")
def preview_command(
    template_name: Annotated[str, typer.Argument(metavar="TEMPLATE", help="template name or file")],
    customer: Annotated[str, typer.Option(help="e-mail, phone, loyalty id or customer id")],
    user: AsOption,
    db: DbOption = None,
    channel: Annotated[str, typer.Option(help="email, sms or push")] = "email",
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """The asset chosen for each slot with its reason, and the message as the customer would get it."""
    from genome.access import allowed, require
    from genome.audit import record_look
    from genome.cli.service import one_customer
    from genome.creative.assembly import messages
    from genome.creative.templates import load_template

    actor = acting_user(db, user)
    require(actor.role, "edit_creatives", doing="Previewing creatives for a customer")
    template = load_template(template_path(template_name))
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        customer_id = one_customer(con, customer, reveal=allowed(actor.role, "reveal_contacts"))
        choices, rendered = messages(s, con, template, [customer_id], channel=channel)[customer_id]
        slots = {slot: {"asset": c.asset.name, "version": c.asset.version, "reason": c.reason}
                 for slot, c in choices.items()}
        record_look(s, actor=actor.name, role=actor.role, action="profile view", target=customer_id,
                    detail=f"creative preview {template.name}")
    if as_json:
        typer.echo(json.dumps({"customer_id": customer_id, "template": template.name, "channel": channel,
                               "slots": slots, "message": rendered}))
        return
    typer.echo(f"{template.name} for {customer_id} on {channel}:")
    for slot, c in slots.items():
        typer.echo(f"  {slot:<9} {c['asset']} v{c['version']}  ({c['reason']})")
    for part, text in rendered.items():
        typer.echo(f"--- {part}\n{text}")


@creative_app.command("render")
def render_command(
    template_name: Annotated[str, typer.Argument(metavar="TEMPLATE", help="template name or file")],
    segment: Annotated[str, typer.Option(help="a saved segment (its latest version)")],
    channel: Annotated[str, typer.Option(help="email, sms or push")],
    out: Annotated[Path, typer.Option(help="file to write: .jsonl or .csv; never written over")],
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Every consenting recipient's own message, assembled and rendered, in one file."""
    from genome.creative.render import render_segment
    from genome.creative.templates import load_template

    actor = acting_user(db, user)
    template = load_template(template_path(template_name))
    with reading(db) as con, session(meta_url_for(db_path(db))) as s:
        result = render_segment(s, con, template, segment=segment, channel=channel, out=out, by=actor.name,
                                role=actor.role)
    typer.echo(f"{result.messages:,} messages of {template.name} on {channel} for {segment} v{result.version} "
               f"written to {result.path} ({result.removed_without_consent:,} without consent to {channel} left out)")
