"""`genome users`: add, list, disable, enable and reset the accounts that sign in to the app.

Run on the server by whoever looks after the product; each change is audited
under the shell user's name. `first-run` is what `make run` calls: it adds
an administrator when the store has none (and, with `--demo`, one account
per role) and prints their one-time passwords once.
"""

import json
import sys
from getpass import getpass
from typing import Annotated

import typer

from genome.access import ROLES
from genome.cli.support import DbOption, db_path, fail
from store.meta import meta_url_for, session

users_app = typer.Typer(no_args_is_help=True, help="Accounts that sign in to the app: add, list, disable, reset.")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass("Password (at least 12 characters): ")
    if getpass("Same password again: ") != first:
        fail("the two passwords differ; nothing was changed")
    return first


@users_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="user name, without spaces (e.g. jane.doe)")],
    role: Annotated[str, typer.Option(help=f"one of {', '.join(ROLES)}")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from the first line "
                                                                          "of stdin instead of prompting")] = False,
    one_time: Annotated[bool, typer.Option("--one-time", help="give a random one-time password, printed once and "
                                                              "changed at first sign-in")] = False,
    db: DbOption = None,
) -> None:
    """Add an account; its password is prompted for (or read from stdin, or generated with --one-time)."""
    from genome.users import add_account, shell_user

    password = None if one_time else _password(password_stdin)
    with session(meta_url_for(db_path(db))) as s:
        account, generated = add_account(s, name=name, role=role, password=password, by=shell_user())
    typer.echo(f"Added {account.name} ({account.role}).")
    if generated:
        typer.echo(f"One-time password, shown only now: {generated}  (to be changed at first sign-in)")


@users_app.command("list")
def list_command(
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """List the accounts: name, role, state, last sign-in (never a password or its hash)."""
    from datetime import UTC, datetime

    from genome.users import list_accounts
    from store.meta import utc

    now = datetime.now(UTC)
    with session(meta_url_for(db_path(db))) as s:
        rows = [{"name": a.name, "role": a.role,
                 "state": "disabled" if a.disabled else "locked" if a.locked_until and utc(a.locked_until) > now
                 else "must change password" if a.must_change_password else "active",
                 "last_sign_in": a.last_sign_in and utc(a.last_sign_in).isoformat(timespec="seconds")}
                for a in list_accounts(s)]
    if as_json:
        typer.echo(json.dumps({"users": rows}))
        return
    if not rows:
        typer.echo("No accounts yet: `genome users add NAME --role ROLE` adds one.")
    for r in rows:
        typer.echo(f"{r['name']:<24} {r['role']:<9} {r['state']:<21} last sign-in {r['last_sign_in'] or 'never'}")


@users_app.command("disable")
def disable_command(name: Annotated[str, typer.Argument(help="user name")], db: DbOption = None) -> None:
    """Disable an account: it cannot sign in, and a session using it ends at its next step."""
    from genome.users import set_disabled, shell_user

    with session(meta_url_for(db_path(db))) as s:
        set_disabled(s, name=name, disabled=True, by=shell_user())
    typer.echo(f"Disabled {name.strip()}.")


@users_app.command("enable")
def enable_command(name: Annotated[str, typer.Argument(help="user name")], db: DbOption = None) -> None:
    """Enable a disabled account again."""
    from genome.users import set_disabled, shell_user

    with session(meta_url_for(db_path(db))) as s:
        set_disabled(s, name=name, disabled=False, by=shell_user())
    typer.echo(f"Enabled {name.strip()}.")


@users_app.command("reset")
def reset_command(name: Annotated[str, typer.Argument(help="user name")], db: DbOption = None) -> None:
    """Give an account a new one-time password (forgotten password, or to lift a lock now)."""
    from genome.users import reset_password, shell_user

    with session(meta_url_for(db_path(db))) as s:
        password = reset_password(s, name=name, by=shell_user())
    typer.echo(f"One-time password for {name.strip()}, shown only now: {password}  (to be changed at first sign-in)")


@users_app.command("first-run")
def first_run_command(
    db: DbOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="also add one account per role for trying the demo")] = False,
) -> None:
    """Add an administrator when the store has none (and demo accounts with --demo); print their one-time
    passwords once. Does nothing when they exist."""
    from genome.users import ensure_administrator, ensure_demo_accounts, shell_user

    with session(meta_url_for(db_path(db))) as s:
        added = []
        if (admin := ensure_administrator(s, by=shell_user())) is not None:
            added.append((admin[0], "admin", admin[1]))
        if demo:
            added += ensure_demo_accounts(s, by=shell_user())
    if not added:
        return
    typer.echo("\nSign in to the app with these one-time passwords; each is shown only now and is changed at its "
               "first sign-in:")
    for name, role, password in added:
        typer.echo(f"  {name:<14} {role:<9} {password}")
    typer.echo("")
