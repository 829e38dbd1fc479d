"""Sending a campaign: consent first, then the hold-out split, then a message per treated recipient in the outbox.

Nothing is really sent. In order:
1. the saved segment version's members;
2. those whom marketing may reach on the channel now (consent read at this
   moment, with what customers told the service desk);
3. minus the global hold-out (`GENOME_GLOBAL_HOLDOUT`, a share of all
   customers chosen by hash, kept out of every campaign) and those already
   sent `weekly_cap` campaigns in the last 7 days (`GENOME_WEEKLY_CAP`);
4. the rest split by a hash of campaign and customer: SHA-256 of
   "campaign US customer" below the holdout share goes to control. The split is
   reproducible (the same campaign name always holds out the same people) and
   independent across campaigns;
5. each treated recipient's message rendered into `outbox/<channel>/<campaign>.jsonl`;
6. a `campaign_receipt` event per treated recipient (with the variant: the
   assets they got) and a `campaign_holdout` event per control customer,
   ingested into the store in one transaction; sent from the app, which only
   reads the store, they wait in the metadata store and are ingested first
   by the next `genome ingest` or `genome build` (as the service desk's
   consent decisions are), before any response to the campaign can arrive;
7. the plan saved as its next version, state `sent`; the send audited.
If any step fails, the store, the outbox and the plan are left as they were.
"""

import hashlib
import io
import json
import math
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlmodel import Session, select

from genome.access import require
from genome.audit import record
from genome.campaigns.library import LOCKED, latest_campaign, save_campaign
from genome.campaigns.micro import cell_members
from genome.campaigns.stats import minimum_detectable_effect
from genome.consent import CONSENT_SOURCES, consenting
from genome.creative.assembly import messages
from genome.creative.render import CONSENT_CHANNEL
from genome.creative.templates import CreativeTemplate
from genome.errors import InputError, Refused
from genome.ingest import ingest_file, ingest_transaction
from genome.segments.audience import genome
from genome.segments.library import saved_version, stored_members
from store.meta import CampaignSend, utc
from store.settings import get_settings

GLOBAL = "global hold-out"  # the "campaign" whose hash keeps customers out of all of them


def held_out(campaign: str, customer_id: str, share: float) -> bool:
    """Whether `customer_id` is in `campaign`'s control group: the first 8 bytes of SHA-256 as a share of 2^64."""
    digest = hashlib.sha256(f"{campaign}\x1f{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64 < share


@dataclass(frozen=True)
class Audience:
    """Who a campaign would go to now, before anything is written."""

    members: int
    without_consent: int
    over_cap: int
    globally_held_out: int
    below_target: int  # reachable, but outside the share the campaign targets by its gene
    treated: list[str]
    control: list[str]
    baseline_rate: float  # the share of the audience who bought in the window before: the detectable effect's base
    detectable_effect: float | None


def nobody_to_send(people: Audience, *, channel: str) -> str | None:
    """Why a campaign would reach nobody now, or None when somebody would get its message."""
    if people.treated:
        return None
    said = (f"nobody to send to ({people.members:,} members, {people.without_consent:,} without consent on {channel}, "
            f"{people.over_cap:,} at the weekly cap)")
    if people.members and people.without_consent == people.members:
        said += f"; consent comes from {CONSENT_SOURCES}"
    return said


def audience(s: Session, con: duckdb.DuckDBPyConnection, name: str, *, role: str, weekly_cap: int | None = None,
             now: datetime | None = None) -> Audience:
    """Who campaign `name` would reach now and how it splits, with the smallest effect on buying it can detect,
    for `role` (which must allow running campaigns)."""
    require(role, "run_campaigns", doing="Looking at a campaign's audience")
    settings = get_settings()
    weekly_cap = settings.weekly_cap if weekly_cap is None else weekly_cap
    plan = latest_campaign(s, name)
    if plan is None:
        raise InputError(f"no campaign {name!r}: plan it first")
    if not plan.segment:
        raise InputError(f"campaign {name}: choose the saved segment it goes to")
    _, version = saved_version(s, plan.segment, plan.segment_version, missing=": save it before sending to it")
    members = stored_members(s, version)
    if plan.cell:  # a micro-campaign: its cell of the segment
        members = cell_members(con, members, plan.cell)
    reachable = consenting(con, members, channel=CONSENT_CHANNEL[plan.channel], meta=s)
    everyone_out = [c for c in reachable.column("customer_id").to_pylist()
                    if settings.global_holdout and held_out(GLOBAL, c, settings.global_holdout)]
    if everyone_out:
        out = set(everyone_out)
        reachable = reachable.filter(pa.array([c not in out for c in reachable.column("customer_id").to_pylist()]))
    now = now or datetime.now(UTC)
    cursor = con.cursor()
    try:
        cursor.register("_reachable", reachable)
        capped = {r[0] for r in cursor.execute(
            "SELECT customer_id FROM customer_events WHERE event_type = 'campaign_receipt' "
            "AND occurred_at >= ?::TIMESTAMP - INTERVAL 7 DAY AND customer_id IN (SELECT customer_id FROM _reachable) "
            "GROUP BY customer_id HAVING count(*) >= ?", [now.replace(tzinfo=None), weekly_cap]).fetchall()}
        waiting = _waiting_receipts(s, now - timedelta(days=7))
        if waiting:  # sends from the app not yet in the store count towards the cap too
            counts = {}
            for c in waiting:
                counts[c] = counts.get(c, 0) + 1
            stored = dict(cursor.execute(
                "SELECT customer_id, count(*) FROM customer_events WHERE event_type = 'campaign_receipt' "
                "AND occurred_at >= ?::TIMESTAMP - INTERVAL 7 DAY GROUP BY 1", [now.replace(tzinfo=None)]).fetchall())
            capped |= {c for c, k in counts.items() if k + stored.get(c, 0) >= weekly_cap}
        ids = [c for c in reachable.column("customer_id").to_pylist() if c not in capped]
        below = 0
        if plan.target_gene:
            kept = _top_by(cursor, ids, plan.target_gene, plan.target_share)
            below, ids = len(ids) - len(kept), kept
        cursor.register("_ids", pa.table({"customer_id": pa.array(ids, pa.string())}))
        base = cursor.execute(
            "SELECT avg(CASE WHEN bought THEN 1 ELSE 0 END) FROM (SELECT i.customer_id, bool_or(e.event_type = "
            "'purchase' AND e.occurred_at >= (SELECT max(occurred_at) FROM events) - to_days(?)) AS bought "
            "FROM _ids i LEFT JOIN customer_events e USING (customer_id) GROUP BY 1)", [plan.window_days]
        ).fetchone()[0] or 0.0
    finally:
        cursor.close()
    control = [c for c in ids if held_out(name, c, plan.holdout_share)]
    held = set(control)
    treated = [c for c in ids if c not in held]
    return Audience(len(members), members.num_rows - reachable.num_rows - len(everyone_out),
                    len(reachable) - len(ids) - below, len(everyone_out), below, treated, control, float(base),
                    minimum_detectable_effect(len(ids), plan.holdout_share, float(base)))


def _top_by(cursor: duckdb.DuckDBPyConnection, ids: list[str], gene: str, share: float) -> list[str]:
    """The `share` of `ids` highest on number gene `gene` (customers without a value last; ties by id), in the
    order of `ids`."""
    known = genome(cursor)
    if gene not in known.genes:
        raise InputError(f"the campaign targets by gene {gene!r}, which is not in the genome"
                         + (": the uplift model is published only when it beats targeting by purchase propensity "
                            "on past campaigns (see its model card)" if gene.startswith("uplift_") else ""))
    if known.genes[gene] != "number":
        raise InputError(f"the campaign targets by gene {gene!r}, a {known.genes[gene]}: targeting ranks by a "
                         "number gene (a score)")
    cursor.register("_ranked", pa.table({"customer_id": pa.array(ids, pa.string())}))
    column = '"' + gene.replace('"', '""') + '"'  # a catalog gene's name, quoted
    ranked = [r[0] for r in cursor.execute(
        f"SELECT r.customer_id FROM _ranked r LEFT JOIN customer_genes g USING (customer_id) "
        f"ORDER BY g.{column} DESC NULLS LAST, r.customer_id").fetchall()]
    kept = set(ranked[:math.ceil(share * len(ranked))])
    return [c for c in ids if c in kept]


KINDS = ("customer_ref", "loyalty_id", "email", "phone", "device_id")  # identifier kinds, the most stable first


def _anchors(con: duckdb.DuckDBPyConnection, customers: list[str]) -> dict[str, tuple[str, str]]:
    """customer_id -> (kind, value) of one of their identifiers, the most stable first: the events of a send
    reach the customer through it, as any source's events do."""
    rank = "CASE kind " + " ".join(f"WHEN '{k}' THEN {i}" for i, k in enumerate(KINDS)) + " ELSE 9 END"
    cursor = con.cursor()
    try:
        cursor.register("_send_ids", pa.table({"customer_id": pa.array(customers, pa.string())}))
        return {c: (k, v) for c, k, v in cursor.execute(
            f"SELECT customer_id, arg_min(kind, ({rank}, identifier)), arg_min(value, ({rank}, identifier)) "
            "FROM identifiers WHERE customer_id IN (SELECT customer_id FROM _send_ids) GROUP BY 1").fetchall()}
    finally:
        cursor.close()


@dataclass(frozen=True)
class Sent:
    campaign: str
    version: int
    treated: int
    control: int
    without_consent: int
    over_cap: int
    outbox: Path


def send_campaign(s: Session, con: duckdb.DuckDBPyConnection, name: str, template: CreativeTemplate, *,
                  outbox: Path, by: str, role: str, weekly_cap: int | None = None, now: datetime | None = None,
                  write_store: bool = True) -> Sent:
    """Send campaign `name` (see the module's steps) for `by` acting as `role`, which must allow running campaigns.
    With `write_store`, `con` is writable and the receipts and hold-outs are ingested now; without (the app reads
    the store, it cannot write it), they wait in the metadata store for the next ingest or build (`fold_sends`).

    The send is claimed first by saving the plan's next version as `sending`: of two people sending one campaign at
    the same moment only one wins that version. If anything fails after, the messages and events are taken back
    and the plan returns to its state before, as a further version."""
    require(role, "run_campaigns", doing="Sending campaigns")
    plan = latest_campaign(s, name)
    if plan is None:
        raise InputError(f"no campaign {name!r}: plan it first")
    if plan.state in LOCKED:
        raise Refused(f"campaign {name} was {plan.state} already (version {plan.version}); plan a new campaign to "
                      "send again")
    now = now or datetime.now(UTC)
    people = audience(s, con, name, role=role, weekly_cap=weekly_cap, now=now)
    if (why := nobody_to_send(people, channel=plan.channel)) is not None:
        raise InputError(f"campaign {name}: {why}")
    rendered = messages(s, con, template, people.treated, channel=plan.channel)
    image_slot = next((slot for slot, spec in template.slots.items() if spec.kind == "image"), None)
    folder = Path(outbox) / plan.channel
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{name}.jsonl"
    same = dict(goal=plan.goal, owner=by, role=role, channel=plan.channel, segment=plan.segment,
                segment_version=plan.segment_version, cell=plan.cell, template=template.name,
                holdout_share=plan.holdout_share, window_days=plan.window_days, message_cost=plan.message_cost,
                target_gene=plan.target_gene, target_share=plan.target_share)
    claim = save_campaign(s, name=name, **same, send_on=now, state="sending", after=plan.version)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".partial")  # one per send
    linked, held = False, claim.version
    try:
        rows = []
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for customer, (choices, message) in rendered.items():
                variant = choices[image_slot].asset.name if image_slot else template.name
                stream.write(json.dumps({"customer_id": customer, "campaign": name, "variant": variant,
                                         **message}) + "\n")
                rows.append((customer, "campaign_receipt", variant))
        rows += [(c, "campaign_holdout", None) for c in people.control]
        events = _event_rows(con, rows, campaign=name, send=claim.version, channel=plan.channel,
                             holdout_share=plan.holdout_share, at=now)
        try:
            os.link(partial, out)  # never written over: a file of that name is an earlier send's
        except FileExistsError:
            raise Refused(f"{out} already exists: the outbox holds a send of this campaign") from None
        linked = True
        if not write_store:  # committed with the plan's "sent" version, or not at all
            s.add(CampaignSend(campaign=name, sent_at=now, treated=len(people.treated),
                               held_out=len(people.control), events=_parquet(events),
                               treated_ids=_parquet(pa.table({"customer_id": people.treated}))))
        sent = save_campaign(s, name=name, **same, send_on=now, state="sent", after=held)
        held = sent.version
        if write_store:
            _ingest(con, events, name)  # last: the one step the store cannot take back once it is done
    except BaseException:
        s.rollback()
        if linked:
            out.unlink(missing_ok=True)  # no messages in the outbox, no receipts in the store or waiting
        save_campaign(s, name=name, **same, send_on=plan.send_on, state=plan.state, after=held)
        raise
    finally:
        Path(partial).unlink(missing_ok=True)
    record(s, actor=by, role=role, action="export", target=f"campaign {name}",
           detail=f"{len(people.treated):,} messages to {out.name}, {len(people.control):,} held out")
    return Sent(name, sent.version, len(people.treated), len(people.control), people.without_consent,
                people.over_cap, out)


def _event_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple], *, campaign: str, send: int, channel: str,
                holdout_share: float, at: datetime) -> pa.Table:
    """Receipts and hold-outs as events in the input contract, each through one identifier of its customer."""
    anchors = _anchors(con, [r[0] for r in rows])
    columns = {kind: [anchors[r[0]][1] if anchors[r[0]][0] == kind else None for r in rows] for kind in KINDS}
    moment = at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    return pa.table({
        "event_id": [f"send-{campaign}-v{send}-{i:08d}" for i in range(len(rows))],  # ids of this send only
        "occurred_at": [moment] * len(rows), "channel": [channel] * len(rows),
        "event_type": [r[1] for r in rows], **columns,
        "attributes": [json.dumps({"campaign_id": campaign, "holdout_share": holdout_share}
                                  | ({"variant": r[2]} if r[2] else {})) for r in rows]})


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _ingest(con: duckdb.DuckDBPyConnection, events: pa.Table, campaign: str) -> None:
    with tempfile.TemporaryDirectory(prefix="genome-send-") as scratch:
        path = Path(scratch) / "events.parquet"
        pq.write_table(events, path)
        with ingest_transaction(con):
            ingest_file(con, path, source="campaigns", label=f"campaign {campaign}")


def waiting_sends(s: Session) -> list[CampaignSend]:
    return list(s.exec(select(CampaignSend).where(CampaignSend.folded_at.is_(None)).order_by(CampaignSend.id)))


def fold_sends(s: Session, con: duckdb.DuckDBPyConnection) -> int:
    """Write the receipts and hold-outs of campaigns sent from the app into the store's events (`con` writable);
    returns how many sends were written. Each is marked once its events are in."""
    folded = 0
    for send in waiting_sends(s):
        _ingest(con, pq.read_table(io.BytesIO(send.events)), send.campaign)
        send.folded_at = datetime.now(UTC)
        s.add(send)
        s.commit()
        folded += 1
    return folded


def _waiting_receipts(s: Session, since: datetime) -> list[str]:
    """Customers sent a campaign from the app since `since` whose receipts are not in the store yet."""
    ids = []
    for send in waiting_sends(s):
        if utc(send.sent_at) >= since:
            ids += pq.read_table(io.BytesIO(send.treated_ids)).column("customer_id").to_pylist()
    return ids


def fold_waiting_sends(con: duckdb.DuckDBPyConnection, db: Path) -> int:
    """`fold_sends` for the store file `db` (its metadata store beside it), as commands that write the store call it
    first; returns how many sends joined the events."""
    from store.meta import meta_url_for, session

    with session(meta_url_for(db)) as s:
        return fold_sends(s, con)
