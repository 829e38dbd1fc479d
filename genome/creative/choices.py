"""Choosing every recipient's assets at once, as columns: a million recipients in a few set operations.

Each asset's rule is evaluated once over the genome (the segment engine), so
eligibility is one table of (asset, customer) pairs for the recipients. Per
slot, one DuckDB query keeps each recipient's highest-priority eligible
assets and, when several tie, picks by the recipient's hash of each asset's
rule (SHA-256 of customer id, US, rule), then of the slot and asset name: the
same person always gets the same variant, whatever else is in the audience,
the variants split the audience evenly (an A/B test), and a person whose rules
tie in several slots gets the same rule's assets in all of them (the gaming
picture with the gaming headline, never the gaming picture with the match
headline). A recipient no rule takes in gets the slot's fallback.
"""

import hashlib
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from genome.creative.templates import CreativeTemplate
from genome.errors import InputError
from genome.segments.audience import genome, member_ids
from genome.segments.text import parse
from store.meta import CreativeAsset

TIED = "__tied"  # suffix of a slot's column of how many assets tied at the top (0: the fallback)


def fits(asset: CreativeAsset, slot, channel: str) -> bool:
    """Whether `asset` may fill `slot` on `channel`: its kind, the slot's tag, the channel."""
    return asset.kind == slot.kind and channel in asset.channels.split(",") and (
        slot.tag is None or slot.tag in asset.tags.split(","))


def reason(asset: CreativeAsset, tied: int, *, priority: int) -> str:
    """Why a recipient got `asset`: its rule, or that it is the fallback; and an A/B split when one was made."""
    if tied == 0:
        return f"{asset.name}: fallback, everyone"
    split = f" (A/B split of {tied} at priority {priority})" if tied > 1 else ""
    return f"{asset.name}: {asset.rule}{split}"


@dataclass(frozen=True)
class Picks:
    """Every recipient's asset per slot: `table` holds customer_id, then per slot its asset's name and, in
    `<slot>__tied`, how many assets tied at the top (0 for the fallback); `eligible` the (asset, customer_id) pairs
    of the recipients each ruled asset takes in."""

    table: pa.Table
    eligible: pa.Table
    assets: dict[str, CreativeAsset]
    fallbacks: dict[str, str]


def _recipients(customers) -> pa.Table:
    ids = customers if isinstance(customers, (pa.Array, pa.ChunkedArray)) else pa.array(customers, pa.string())
    return pa.table({"customer_id": ids, "pos": pa.array(range(len(ids)), pa.int64())})


def eligibility(con: duckdb.DuckDBPyConnection, assets: list[CreativeAsset], recipients: pa.Table) -> pa.Table:
    """(asset, customer_id) for every ruled asset and every recipient its rule takes in."""
    base = genome(con)
    parts = []
    for asset in assets:
        if asset.rule:
            ids = member_ids(con, parse(asset.rule), base=base).column("customer_id")
            names = pa.DictionaryArray.from_arrays(pa.array([0] * len(ids), pa.int32()), pa.array([asset.name]))
            parts.append(pa.table({"asset": names.cast(pa.string()), "customer_id": ids}))
    if not parts:
        return pa.table({"asset": pa.array([], pa.string()), "customer_id": pa.array([], pa.string())})
    cursor = con.cursor()
    try:
        cursor.register("_everyone_eligible", pa.concat_tables(parts))
        cursor.register("_recipients", recipients)
        return cursor.sql("SELECT e.asset, e.customer_id FROM _everyone_eligible e "
                          "SEMI JOIN _recipients r ON r.customer_id = e.customer_id").to_arrow_table()
    finally:
        cursor.close()


_PICK = """
WITH candidates AS (
    SELECT e.customer_id, e.asset, s.priority, s.rule,
           max(s.priority) OVER (PARTITION BY e.customer_id) AS top
    FROM _eligible e JOIN _slot s USING (asset)),
tied AS (
    SELECT customer_id, asset,
           row_number() OVER (PARTITION BY customer_id ORDER BY sha256(customer_id || chr(31) || rule),
                              sha256(customer_id || chr(31) || $slot || chr(31) || asset)) AS k,
           count(*) OVER (PARTITION BY customer_id) AS n
    FROM candidates WHERE priority = top)
SELECT customer_id, asset, n FROM tied WHERE k = 1
"""


def tie_key(customer_id: str, slot: str, asset: CreativeAsset) -> tuple[str, str]:
    """How a tie is broken for one recipient (the lowest wins): the hash of the asset's rule, then of slot and name;
    what `_PICK` orders by."""
    return (hashlib.sha256(f"{customer_id}\x1f{asset.rule}".encode()).hexdigest(),
            hashlib.sha256(f"{customer_id}\x1f{slot}\x1f{asset.name}".encode()).hexdigest())


def pick(con: duckdb.DuckDBPyConnection, template: CreativeTemplate, customers, *, channel: str,
         assets: list[CreativeAsset]) -> Picks:
    """Every recipient's asset for every slot of `template` on `channel`, from `assets` (valid today)."""
    by_name = {a.name: a for a in assets}
    fallbacks = {}
    for slot_name, slot in template.slots.items():
        if slot.fallback not in by_name:
            raise InputError(f"{template.name}: the fallback of slot {slot_name!r}, asset {slot.fallback!r}, is not "
                             "in the library (or not valid today)")
        fallbacks[slot_name] = slot.fallback
    fitting = {name: [a for a in assets if a.rule and fits(a, slot, channel)]
               for name, slot in template.slots.items()}
    recipients = _recipients(customers)
    eligible = eligibility(con, list({a.name: a for group in fitting.values() for a in group}.values()), recipients)
    cursor = con.cursor()
    try:
        cursor.register("_recipients", recipients)
        cursor.register("_eligible", eligible)
        columns = []
        for i, (slot_name, group) in enumerate(fitting.items()):
            cursor.register("_slot", pa.table({"asset": pa.array([a.name for a in group], pa.string()),
                                               "priority": pa.array([a.priority for a in group], pa.int64()),
                                               "rule": pa.array([a.rule for a in group], pa.string())}))
            cursor.register(f"_picked_{i}", cursor.sql(_PICK, params={"slot": slot_name}).to_arrow_table())
            quoted = slot_name.replace('"', '""')
            columns.append(f'coalesce(p{i}.asset, $fallback{i}) AS "{quoted}", '
                           f'coalesce(p{i}.n, 0)::INTEGER AS "{quoted}{TIED}"')
        joins = " ".join(f"LEFT JOIN _picked_{i} p{i} ON p{i}.customer_id = r.customer_id"
                         for i in range(len(fitting)))
        table = cursor.sql(f"SELECT r.customer_id, {', '.join(columns)} FROM _recipients r {joins} ORDER BY r.pos",
                           params={f"fallback{i}": fallbacks[slot] for i, slot in enumerate(fitting)}).to_arrow_table()
    finally:
        cursor.close()
    return Picks(table, eligible, by_name, fallbacks)
