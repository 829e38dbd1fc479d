"""Assembly: every recipient's message, each slot's asset with the reason it was chosen, and the coverage matrix.

The choosing itself is columnar (`genome.creative.choices`); here the choices
become per-recipient reasons and rendered messages, and counts per slot.
"""

import functools
import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlmodel import Session

from genome.creative.choices import TIED, Picks, fits, pick, reason
from genome.creative.library import current_assets
from genome.creative.templates import CreativeTemplate, render_part, sms_parts
from genome.errors import InputError
from genome.genes.catalog import catalog_relation
from store.meta import CreativeAsset

CHANNEL_PARTS = {"email": ("email_subject", "email_html"), "sms": ("sms",), "push": ("push_title", "push_body")}


@dataclass(frozen=True)
class Choice:
    slot: str
    asset: CreativeAsset
    reason: str


def choices_of(picks: Picks, template: CreativeTemplate) -> dict[str, dict[str, Choice]]:
    """customer_id -> slot -> the asset chosen and why, from the columns `pick` returns."""
    rows = picks.table.to_pydict()
    out: dict[str, dict[str, Choice]] = {}
    for i, customer in enumerate(rows["customer_id"]):
        out[customer] = {}
        for slot in template.slots:
            asset = picks.assets[rows[slot][i]]
            out[customer][slot] = Choice(slot, asset, reason(asset, rows[slot + TIED][i], priority=asset.priority))
    return out


def choose(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers: list[str], *,
           channel: str = "email") -> dict[str, dict[str, Choice]]:
    """customer_id -> slot -> the asset chosen and why, for every customer in `customers`."""
    return choices_of(pick(con, template, customers, channel=channel, assets=current_assets(s)), template)


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
        "first_name": first_name or template.defaults.get("first_name", "there"),
        "genes": template.gene_defaults | genes,
        "slots": {slot: {"text": c.asset.text, "name": c.asset.name,
                         "src": src(c.asset) if c.asset.kind == "image" else ""} for slot, c in choices.items()}}
    parts = {part: render_part(template, part, context) for part in CHANNEL_PARTS[channel] if part in template.parts}
    if "sms" in parts:
        parts["sms_parts"] = sms_parts(parts["sms"])
    return parts


def messages(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers: list[str], *,
             channel: str, src=None) -> dict[str, tuple[dict[str, Choice], dict]]:
    """customer_id -> (the choices, the rendered message) for every customer in `customers`; `src` gives a
    picture's address in the message (default: a cid: reference to the attached file)."""
    chosen = choose(s, con, template, customers, channel=channel)
    details = recipient_details(con, customers, genes_read(template))
    extra = {"src": src} if src else {}
    return {c: (chosen[c], message(template, chosen[c], channel=channel, first_name=details[c][0],
                                   genes=details[c][1], **extra)) for c in customers}


@dataclass(frozen=True)
class Coverage:
    """Who gets what, for a template over a set of recipients."""

    recipients: int
    shares: dict[str, dict[str, float]]  # slot -> asset -> share of recipients who get it
    only_fallbacks: float  # share of recipients who get the fallback in every slot
    never_chosen: list[str]  # assets that fit a slot but nobody gets
    overlaps: list[tuple[str, str, int]]  # same-slot, same-priority assets whose rules both take in some recipients


def coverage(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers, *,
             channel: str = "email") -> Coverage:
    """The coverage matrix of `template` over `customers`: per slot, the share who get each asset."""
    assets = current_assets(s)
    picks = pick(con, template, customers, channel=channel, assets=assets)
    n = max(picks.table.num_rows, 1)
    shares: dict[str, dict[str, float]] = {}
    for slot in template.slots:
        counts = pc.value_counts(picks.table.column(slot)).to_pylist()
        shares[slot] = {c["values"]: c["counts"] / n for c in sorted(counts, key=lambda c: (-c["counts"], c["values"]))}
    only = functools.reduce(pc.and_, [pc.equal(picks.table.column(slot), picks.fallbacks[slot])
                                      for slot in template.slots])
    fitting = {slot: [a for a in assets if fits(a, spec, channel)] for slot, spec in template.slots.items()}
    never = sorted({a.name for slot, group in fitting.items() for a in group if a.name not in shares[slot]})
    return Coverage(picks.table.num_rows, shares, pc.sum(only).as_py() / n if picks.table.num_rows else 0.0, never,
                    _overlaps(con, picks.eligible, fitting))


def _overlaps(con: duckdb.DuckDBPyConnection, eligible: pa.Table, fitting: dict[str, list[CreativeAsset]]
              ) -> list[tuple[str, str, int]]:
    """Same-slot, same-priority pairs of ruled assets and how many recipients both take in."""
    pairs = sorted({(x.name, y.name) for group in fitting.values() for x in group for y in group
                    if x.rule and y.rule and x.name < y.name and x.priority == y.priority})
    if not pairs:
        return []
    cursor = con.cursor()
    try:
        cursor.register("_eligible", eligible)
        cursor.register("_pairs", pa.table({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}))
        rows = cursor.execute("SELECT p.a, p.b, count(*) FROM _pairs p JOIN _eligible x ON x.asset = p.a "
                              "JOIN _eligible y ON y.asset = p.b AND y.customer_id = x.customer_id "
                              "GROUP BY ALL ORDER BY 1, 2").fetchall()
    finally:
        cursor.close()
    return [(a, b, int(k)) for a, b, k in rows]
