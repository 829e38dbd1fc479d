"""`genome profile`: one customer's whole profile in the shell, the same figures the Customer page shows."""

import json
from typing import Annotated

import typer

from genome.cli.support import AsOption, DbOption, acting_user, db_path, fail, reading
from store.meta import meta_url_for, session
from store.settings import get_settings


def profile_command(
    identifier: Annotated[str, typer.Argument(help="e-mail, phone (any format), loyalty id, customer reference, "
                                                   "customer id, or part of one")],
    user: AsOption,
    db: DbOption = None,
    channel: Annotated[str | None, typer.Option(help="timeline: this channel only")] = None,
    page: Annotated[int, typer.Option(min=1, help="timeline page, newest first")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Show one customer's profile: identities, consent, genes, outlook, recommendations, timeline."""
    from genome.access import allowed, require
    from genome.service.profile import customer_profile

    actor = acting_user(db, user)
    actor, role = actor.name, actor.role
    require(role, "read_profiles", doing="Reading a customer's profile")
    with reading(db) as con, session(meta_url_for(db_path(db))) as meta:
        customer_id = one_customer(con, identifier, reveal=allowed(role, "reveal_contacts"))
        profile = customer_profile(con, customer_id, actor=actor, role=role, meta=meta, channel=channel, page=page)
    if as_json:
        typer.echo(json.dumps(profile, default=str, allow_nan=False))
        return
    _print(profile)


def one_customer(con, identifier: str, *, reveal: bool) -> str:
    """The customer `identifier` names, or one line saying none or several do (and who)."""
    from genome.service.lookup import find_customers

    matches = find_customers(con, identifier, reveal=reveal, region=get_settings().phone_region)
    if len(matches) != 1:
        if not matches:
            fail(f"no customer has an identifier that is or contains {identifier.strip()!r}")
        listed = "; ".join(f"{m.customer_id} ({m.kind} {m.value})" for m in matches[:10])
        fail(f"{len(matches)} customers match {identifier.strip()!r}: {listed}. Give one of their ids")
    return matches[0].customer_id


def consent_command(
    identifier: Annotated[str, typer.Argument(help="e-mail, phone, loyalty id or customer id of the customer")],
    purpose: Annotated[str, typer.Option(help="marketing, profiling, email, sms, push or ads")],
    granted: Annotated[bool, typer.Option("--grant/--refuse", help="the customer's decision")],
    reason: Annotated[str, typer.Option(help="why, in a few words (kept with the decision)")],
    user: AsOption,
    db: DbOption = None,
) -> None:
    """Record a consent decision a customer gave staff; it counts from now for every export and message."""
    from genome.access import allowed, require
    from genome.consent_changes import record_consent_change

    actor = acting_user(db, user)
    require(actor.role, "change_consent", doing="Changing a customer's consent")
    with reading(db) as con, session(meta_url_for(db_path(db))) as meta:
        customer_id = one_customer(con, identifier, reveal=allowed(actor.role, "reveal_contacts"))
        change = record_consent_change(meta, con, customer_id=customer_id, purpose=purpose, granted=granted,
                                       reason=reason, actor=actor.name, role=actor.role)
        typer.echo(f"{customer_id}: {change.purpose} {'granted' if change.granted else 'refused'}, recorded by "
                   f"{change.recorded_by}; it counts from now and joins the store's events at its next write")


def erase_command(
    identifier: Annotated[str, typer.Argument(help="e-mail, phone, loyalty id or customer id of the customer")],
    user: AsOption,
    reason: Annotated[str, typer.Option(help="why, e.g. the request's date and ticket; no personal data")],
    db: DbOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask before erasing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Erase a customer from the store and the metadata store for good; list the exports that held them."""
    from genome.access import allowed, require
    from genome.erasure import erase_customer

    actor = acting_user(db, user)
    require(actor.role, "erase_customers", doing="Erasing a customer")
    with reading(db) as con:
        customer_id = one_customer(con, identifier, reveal=allowed(actor.role, "reveal_contacts"))
    if not yes and not typer.confirm(f"Erase customer {customer_id} and everything about them, for good?"):
        fail("nothing was erased")
    report = erase_customer(db_path(db), customer_id, actor=actor.name, role=actor.role, reason=reason)
    if as_json:
        typer.echo(json.dumps({"customer_id": report.customer_id, "identifiers": report.identifiers,
                               "removed": report.removed, "segment_versions": report.segment_versions,
                               "consent_changes": report.consent_changes, "exports": report.exports}, default=str))
        return
    typer.echo(report.summary())
    if report.exports:
        typer.echo("Exports that held them (files already sent cannot be recalled; ask each recipient to delete "
                   "the person, and delete files still on disk):")
        for e in report.exports:
            typer.echo(f"  {e['exported_at']:%Y-%m-%d %H:%M} {e['segment']} v{e['version']} for {e['purpose']} by "
                       f"{e['exported_by']}: {e['file']}" + (" (still on disk)" if e["still_on_disk"] else ""))


def _print(p: dict) -> None:
    from genome.formatting import money, percent
    from genome.genes.labels import family_label

    c = p["customer"]
    typer.echo(f"Customer {c['customer_id']}: {c['events']:,} events, first seen {c['first_seen']:%Y-%m-%d}, "
               f"last seen {c['last_seen']:%Y-%m-%d}")
    typer.echo("Identities" + (" (e-mails and phones masked)" if p["contacts_masked"] else "") + ":")
    for i in p["identities"]:
        typer.echo(f"  {i['kind']:<13} {i['value']}  (since {i['first_seen']:%Y-%m-%d}; linked by {i['proved_by']})")
    for r in p["refusals"]:
        typer.echo(f"  refused link {r['identifier']} - {r['other']}: {r['reason']}")
    typer.echo("Consent now: " + (", ".join(f"{x['purpose']} {'granted' if x['granted'] else 'refused'}"
                                            for x in p["consent"]["now"]) or "no decision recorded"))
    o = p["outlook"]
    typer.echo(f"Outlook: expected 12-month value {money(o['expected_value_12m'] or 0)}, chance active "
               f"{percent(o['chance_active'])}, churn risk {percent(o['churn_risk_90d'])}")
    typer.echo(f"Next best action: {o['next_best_action']['action']} ({o['next_best_action']['reason']})")
    if p["loyalty"]:
        x = p["loyalty"]
        more = f"; {money(x['needs'])} more in 12 months for {x['next_tier']}" if x.get("next_tier") else ""
        typer.echo(f"Loyalty tier: {x['tier']}{more}")
    for family, genes in p["genes"].items():
        typer.echo(f"{family_label(family)}: " + "; ".join(
            f"{g['label']}" + ("" if g["value"] == "yes" else f" {g['value']}") for g in genes))
    if p["favourite_categories"]:
        typer.echo("Favourite categories: "
                   + "; ".join(f"{g['label']} {g['value']}" for g in p["favourite_categories"]))
    for e in p["life_events"]:
        typer.echo(f"Life event: {e['event']} on {e['date']:%Y-%m-%d}")
    if p["recommendations"]:
        typer.echo("Recommendations: " + "; ".join(r["name"] for r in p["recommendations"]))
    if p["segments"] is not None:
        typer.echo("Segments: " + (", ".join(s["segment"] for s in p["segments"]) or "none"))
    for x in p["campaigns"]:
        typer.echo(f"Campaign {x['campaign']}: received {x['received']}, opened {x['opened']}, clicked "
                   f"{x['clicked']}, redeemed {x['redeemed']}")
    typer.echo(f"Tickets: {len(p['tickets'])}; returns: {len(p['returns'])}. For a return now: "
               f"{p['returns_support']['suggestion']} ({p['returns_support']['reason']})")
    t = p["timeline"]
    typer.echo(f"Timeline, page {t['page']} of {t['pages']} ({t['total']:,} events"
               + (f" on {t['channel']}" if t["channel"] else "") + "):")
    for e in t["events"]:
        what = e["product"] or e["category"] or e["text"] or ""
        amount = f" {money(e['amount'], cents=True)}" if e["amount"] is not None else ""
        typer.echo(f"  {e['occurred_at']:%Y-%m-%d %H:%M} {e['channel']:<10} {e['event_type']:<16} {what}{amount}")


def audit_command(
    db: DbOption = None,
    actor: Annotated[str | None, typer.Option("--actor", help="only this person's entries")] = None,
    action: Annotated[str | None, typer.Option(help="only this action, e.g. \"profile view\"")] = None,
    target: Annotated[str | None, typer.Option(help="only entries about this customer id or segment")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Show the audit log (who looked at or changed what, and when) and whether its chain is intact."""
    from genome.audit import entries, verify

    with session(meta_url_for(db_path(db))) as meta:
        rows = entries(meta, actor=actor, action=action, target=target)
        check = verify(meta)
    shown = [{"id": e.id, "at": e.at, "actor": e.actor, "role": e.role, "action": e.action, "target": e.target,
              "detail": e.detail} for e in rows]
    chain = {"entries": check.entries, "intact": check.intact, "broken_at": check.broken_at, "reason": check.reason}
    if as_json:
        typer.echo(json.dumps({"entries": shown, "chain": chain}, default=str))
        return
    for e in shown:
        typer.echo(f"{e['at']:%Y-%m-%d %H:%M:%S} {e['actor']} ({e['role']}) {e['action']} {e['target']}"
                   + (f": {e['detail']}" if e["detail"] else ""))
    typer.echo(f"{len(shown):,} entries shown; chain of {check.entries:,} entries "
               + ("intact" if check.intact else f"BROKEN at entry {check.broken_at}: {check.reason}"))
