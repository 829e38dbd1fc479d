"""Assembly: for every recipient and slot, the highest-priority asset they are eligible for, with the reason.

Eligibility is each asset's rule evaluated once over the genome (the segment
engine), so a segment of any size is assembled in a few set operations, not
one query per person. Among the eligible assets of a slot (its kind, its tag,
the channel, valid today) the highest priority wins; a tie is split by a hash
of the customer and the slot, so the same person always sees the same variant
and the variants split the audience evenly (an A/B test). Nobody is left
without a slot: the slot's fallback is everyone's.
"""

import hashlib
import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from sqlmodel import Session

from genome.creative.library import current_assets
from genome.creative.templates import CreativeTemplate, render_part, sms_parts
from genome.errors import InputError
from genome.genes.catalog import catalog_relation
from genome.segments.audience import member_ids
from genome.segments.text import parse
from store.meta import CreativeAsset

CHANNEL_PARTS = {"email": ("email_subject", "email_html"), "sms": ("sms",), "push": ("push_title", "push_body")}


@dataclass(frozen=True)
class Choice:
    slot: str
    asset: CreativeAsset
    reason: str


def _fits(asset: CreativeAsset, slot, channel: str) -> bool:
    return asset.kind == slot.kind and channel in asset.channels.split(",") and (
        slot.tag is None or slot.tag in asset.tags.split(","))


def _tie_break(customer_id: str, slot: str, n: int) -> int:
    return int.from_bytes(hashlib.sha256(f"{customer_id}\x1f{slot}".encode()).digest()[:8], "big") % n


def _eligible(con: duckdb.DuckDBPyConnection, assets: list[CreativeAsset], customers: list[str]
              ) -> dict[str, set[str]]:
    """Asset name -> the customers of `customers` its rule takes in (assets with a rule only)."""
    wanted = set(customers)
    return {a.name: wanted.intersection(member_ids(con, parse(a.rule)).column("customer_id").to_pylist())
            for a in assets if a.rule}


def choose(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers: list[str], *,
           channel: str = "email", assets: list[CreativeAsset] | None = None,
           eligible: dict[str, set[str]] | None = None) -> dict[str, dict[str, Choice]]:
    """customer_id -> slot -> the asset chosen and why, for every customer in `customers` (`assets` and their
    `eligible` customers when the caller has them already)."""
    assets = current_assets(s) if assets is None else assets
    by_name = {a.name: a for a in assets}
    eligible = _eligible(con, assets, customers) if eligible is None else eligible
    chosen: dict[str, dict[str, Choice]] = {c: {} for c in customers}
    for slot_name, slot in template.slots.items():
        fallback = by_name.get(slot.fallback)
        if fallback is None:
            raise InputError(f"{template.name}: the fallback of slot {slot_name!r}, asset {slot.fallback!r}, is not "
                             "in the library (or not valid today)")
        ruled = [a for a in assets if a.rule and _fits(a, slot, channel)]
        for customer in customers:
            fitting = [a for a in ruled if customer in eligible[a.name]]
            if not fitting:
                chosen[customer][slot_name] = Choice(slot_name, fallback, f"{fallback.name}: fallback, everyone")
                continue
            top = max(a.priority for a in fitting)
            tied = sorted((a for a in fitting if a.priority == top), key=lambda a: a.name)
            pick = tied[_tie_break(customer, slot_name, len(tied))]
            split = f" (A/B split of {len(tied)} at priority {top})" if len(tied) > 1 else ""
            chosen[customer][slot_name] = Choice(slot_name, pick, f"{pick.name}: {pick.rule}{split}")
    return chosen


def genes_read(template: CreativeTemplate) -> list[str]:
    """The genes a template's Liquid reads (`genes.clv_12m`): only those are fetched for its recipients."""
    return sorted({m for part in template.parts.values() for m in re.findall(r"\bgenes\.([A-Za-z0-9_]+)", part)})


def recipient_details(con: duckdb.DuckDBPyConnection, customers: list[str], genes: list[str]
                      ) -> dict[str, tuple[str | None, dict]]:
    """customer_id -> (first name or None, {gene: value}) for every customer, in two queries."""
    from store.duck import table_exists

    known = {r[0] for r in con.execute(f"SELECT name FROM {catalog_relation(con)}").fetchall()}
    columns = [g for g in genes if g in known]
    cursor = con.cursor()
    try:
        cursor.register("_recipients", pa.table({"customer_id": pa.array(customers, pa.string())}))
        wanted = "".join(', g."' + g.replace('"', '""') + '"' for g in columns)
        rows = cursor.execute(f"SELECT r.customer_id{wanted} FROM _recipients r "
                              "LEFT JOIN customer_genes g USING (customer_id)").fetchall()
        names = dict(cursor.execute(
            "SELECT i.customer_id, arg_max(a.value, a.imported_at) FROM customer_attributes a "
            "JOIN identifiers i USING (identifier) JOIN _recipients r ON r.customer_id = i.customer_id "
            "WHERE a.attribute = 'first_name' AND a.value IS NOT NULL GROUP BY 1").fetchall()) \
            if table_exists(cursor, "customer_attributes") else {}
    finally:
        cursor.close()
    return {row[0]: (names.get(row[0]), {g: v for g, v in zip(columns, row[1:]) if v is not None}) for row in rows}


def message(template: CreativeTemplate, choices: dict[str, Choice], *, channel: str, first_name: str | None,
            genes: dict, src=lambda asset: f"cid:{asset.content_hash}") -> dict:
    """The rendered message for one customer on `channel`: each part's text, and for SMS its length in parts."""
    if channel not in CHANNEL_PARTS:
        raise InputError(f"channel {channel!r} is not one of {', '.join(CHANNEL_PARTS)}")
    context = {
        "first_name": first_name or template.defaults.get("first_name", "there"), "genes": genes,
        "slots": {slot: {"text": c.asset.text, "name": c.asset.name,
                         "src": src(c.asset) if c.asset.kind == "image" else ""} for slot, c in choices.items()}}
    parts = {part: render_part(template, part, context) for part in CHANNEL_PARTS[channel] if part in template.parts}
    if "sms" in parts:
        parts["sms_parts"] = sms_parts(parts["sms"])
    return parts


def messages(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers: list[str], *,
             channel: str) -> dict[str, tuple[dict[str, Choice], dict]]:
    """customer_id -> (the choices, the rendered message) for every customer in `customers`."""
    chosen = choose(s, con, template, customers, channel=channel)
    details = recipient_details(con, customers, genes_read(template))
    return {c: (chosen[c], message(template, chosen[c], channel=channel, first_name=details[c][0],
                                   genes=details[c][1])) for c in customers}


@dataclass(frozen=True)
class Coverage:
    """Who gets what, for a template over a set of recipients."""

    recipients: int
    shares: dict[str, dict[str, float]]  # slot -> asset -> share of recipients who get it
    only_fallbacks: float  # share of recipients who get the fallback in every slot
    never_chosen: list[str]  # assets that fit a slot but nobody gets
    overlaps: list[tuple[str, str, int]]  # same-slot, same-priority assets whose rules both take in some recipients


def coverage(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers: list[str], *,
             channel: str = "email") -> Coverage:
    """The coverage matrix of `template` over `customers`: per slot, the share who get each asset."""
    assets = current_assets(s)
    takes = _eligible(con, assets, customers)  # once, for the choices and the overlaps
    chosen = choose(s, con, template, customers, channel=channel, assets=assets, eligible=takes)
    n = max(len(customers), 1)
    shares: dict[str, dict[str, float]] = {}
    for slot in template.slots:
        counts: dict[str, int] = {}
        for c in customers:
            counts[chosen[c][slot].asset.name] = counts.get(chosen[c][slot].asset.name, 0) + 1
        shares[slot] = {name: k / n for name, k in sorted(counts.items(), key=lambda kv: -kv[1])}
    fallback_only = sum(all(chosen[c][slot].asset.name == spec.fallback for slot, spec in template.slots.items())
                        for c in customers) / n
    fitting = {slot: [a for a in assets if _fits(a, spec, channel)] for slot, spec in template.slots.items()}
    never = sorted({a.name for slot, group in fitting.items() for a in group if a.name not in shares[slot]})
    overlaps = sorted({(x.name, y.name, len(takes[x.name] & takes[y.name]))
                       for group in fitting.values() for x in group for y in group
                       if x.rule and y.rule and x.name < y.name and x.priority == y.priority
                       and takes[x.name] & takes[y.name]})
    return Coverage(len(customers), shares, fallback_only, never, list(overlaps))
