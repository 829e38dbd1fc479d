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
from dataclasses import dataclass

import duckdb
from sqlmodel import Session

from genome.creative.library import current_assets
from genome.creative.templates import CreativeTemplate, render_part, sms_parts
from genome.errors import InputError
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


def choose(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers: list[str], *,
           channel: str = "email") -> dict[str, dict[str, Choice]]:
    """customer_id -> slot -> the asset chosen and why, for every customer in `customers`."""
    assets = current_assets(s)
    by_name = {a.name: a for a in assets}
    eligible: dict[str, set[str]] = {}  # asset name -> the customers its rule takes in
    wanted = set(customers)
    for asset in assets:
        if asset.rule:
            ids = member_ids(con, parse(asset.rule)).column("customer_id").to_pylist()
            eligible[asset.name] = wanted.intersection(ids)
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


def gene_values(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict:
    """The customer's gene values by name, as templates read them (`genes.clv_12m`)."""
    cursor = con.execute("SELECT * FROM customer_genes WHERE customer_id = ?", [customer_id])
    row = cursor.fetchone()
    if row is None:
        return {}
    names = [d[0] for d in cursor.description]
    return {n: v for n, v in zip(names, row) if v is not None and n != "customer_id"}


def first_name(con: duckdb.DuckDBPyConnection, customer_id: str) -> str | None:
    """The first name imported for the customer (`genome import customers`, attribute first_name), if any."""
    from store.duck import table_exists

    if not table_exists(con, "customer_attributes"):
        return None
    row = con.execute("SELECT a.value FROM customer_attributes a JOIN identifiers i USING (identifier) "
                      "WHERE i.customer_id = ? AND a.attribute = 'first_name' AND a.value IS NOT NULL "
                      "ORDER BY a.imported_at DESC LIMIT 1", [customer_id]).fetchone()
    return row[0] if row else None


def message(con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customer_id: str,
            choices: dict[str, Choice], *, channel: str, src=lambda asset: f"cid:{asset.content_hash}") -> dict:
    """The rendered message for one customer on `channel`: each part's text, and for SMS its length in parts."""
    if channel not in CHANNEL_PARTS:
        raise InputError(f"channel {channel!r} is not one of {', '.join(CHANNEL_PARTS)}")
    context = {
        "first_name": first_name(con, customer_id) or template.defaults.get("first_name", "there"),
        "genes": gene_values(con, customer_id),
        "slots": {slot: {"text": c.asset.text, "name": c.asset.name,
                         "src": src(c.asset) if c.asset.kind == "image" else ""} for slot, c in choices.items()}}
    parts = {part: render_part(template, part, context) for part in CHANNEL_PARTS[channel] if part in template.parts}
    if "sms" in parts:
        parts["sms_parts"] = sms_parts(parts["sms"])
    return parts
