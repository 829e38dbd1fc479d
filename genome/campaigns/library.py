"""Campaign plans in the metadata store: each change a new version, as segments and assets are.

A campaign's name is the `campaign_id` its events carry, so a plan and its
receipts, hold-outs and responses meet by name. Past campaigns sent by other
tools are recorded with `record_sent`, so their reports know the goal, the
window and the cost.
"""

import csv
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from genome.access import require
from genome.audit import save_recorded
from genome.campaigns.measure import GOALS
from genome.errors import InputError, Refused
from genome.people import person_name
from store.meta import Campaign, utc

STATES = ("draft", "scheduled", "sending", "sent", "measured")
LOCKED = ("sending", "sent", "measured")  # a plan in these states is history: a new campaign is planned instead
CHANNELS = ("email", "sms", "push")
# the scores the campaign form offers to target by, when the genome has them: uplift sends where the message
# changes something, propensity where people would mostly buy anyway (the uplift model's card compares the two)
TARGETS = {"uplift_purchase": "the most persuadable (uplift on buying)",
           "purchase_propensity_30d": "the most likely to buy (purchase propensity)"}


def latest_campaign(s: Session, name: str) -> Campaign | None:
    return s.exec(select(Campaign).where(Campaign.name == name).order_by(Campaign.version.desc())).first()


def list_campaigns(s: Session) -> list[Campaign]:
    """The latest version of every campaign, by name."""
    latest: dict[str, Campaign] = {}
    for campaign in s.exec(select(Campaign).order_by(Campaign.name, Campaign.version)):
        latest[campaign.name] = campaign
    return list(latest.values())


def planned_windows(s: Session) -> dict[str, int]:
    """Each planned campaign's attribution window in days, by name (its latest version)."""
    return {c.name: int(c.window_days) for c in list_campaigns(s)}


def _check(*, name: str, goal: str, channel: str, holdout_share: float, window_days: int, message_cost: float,
           state: str, target_gene: str | None = None, target_share: float = 1.0) -> None:
    """The first thing wrong with a plan, in one line."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}", name or ""):
        raise InputError(f"a campaign name is 1 to 80 letters, digits, dashes, dots or underscores; got {name!r}")
    if goal not in GOALS:
        raise InputError(f"campaign {name}: goal {goal!r} is not one of {', '.join(GOALS)}")
    if channel not in CHANNELS:
        raise InputError(f"campaign {name}: channel {channel!r} is not one of {', '.join(CHANNELS)}")
    if not 0 < holdout_share < 1:
        raise InputError(f"campaign {name}: the holdout share is between 0 and 1 (0.1 holds out 10%); "
                         f"got {holdout_share}")
    if not 1 <= window_days <= 365:
        raise InputError(f"campaign {name}: the attribution window is 1 to 365 days; got {window_days}")
    if message_cost < 0:
        raise InputError(f"campaign {name}: a message cannot cost less than nothing; got {message_cost}")
    if not 0 < target_share <= 1:
        raise InputError(f"campaign {name}: the share to target is above 0 and at most 1 (0.3 sends to the top 30%); "
                         f"got {target_share}")
    if target_gene is not None and not re.fullmatch(r"[a-z0-9_]{1,80}", target_gene):
        raise InputError(f"campaign {name}: {target_gene!r} is not a gene name")
    if state not in STATES:
        raise InputError(f"campaign {name}: state {state!r} is not one of {', '.join(STATES)}")


def save_campaign(s: Session, *, name: str, goal: str, owner: str, role: str, channel: str = "email",
                  segment: str | None = None, segment_version: int | None = None, cell: str = "",
                  template: str | None = None,
                  send_on: datetime | None = None, holdout_share: float = 0.1, window_days: int = 14,
                  message_cost: float = 0.0, target_gene: str | None = None, target_share: float = 1.0,
                  state: str = "draft", after: int | None = None) -> Campaign:
    """Save a campaign's plan as its next version, for `owner` acting as `role` (which must allow running
    campaigns); audited. Every value is checked, and the message names the first one wrong. A campaign being
    sent, sent or measured is not planned again; only the send itself (or a recorded send) saves after one, naming
    the version it follows in `after`. Two saves of the same next version: the second is refused (the store's
    unique name and version), so a claim to send is won once."""
    require(role, "run_campaigns", doing="Planning campaigns")
    owner = person_name(owner, what="owner")
    _check(name=name, goal=goal, channel=channel, holdout_share=holdout_share, window_days=window_days,
           message_cost=message_cost, state=state, target_gene=target_gene, target_share=target_share)
    latest = latest_campaign(s, name)
    if latest is not None and latest.state in LOCKED and after != latest.version:
        raise Refused(f"campaign {name} is {latest.state} (version {latest.version}): plan a new campaign under "
                      "another name")
    if after is not None and (latest is None or latest.version != after):
        raise Refused(f"campaign {name} changed meanwhile (now version {latest.version if latest else 0}): "
                      "look again before sending")
    campaign = Campaign(name=name, version=(latest.version + 1) if latest else 1, goal=goal, segment=segment,
                        segment_version=segment_version, cell=cell, template=template, channel=channel,
                        send_on=utc(send_on) if send_on else None, holdout_share=float(holdout_share),
                        window_days=int(window_days), message_cost=float(message_cost), target_gene=target_gene,
                        target_share=float(target_share), state=state, owner=owner)
    try:
        return save_recorded(s, campaign, actor=owner, role=role, target=f"campaign {name}",
                             detail=f"v{campaign.version} {state}")
    except IntegrityError:
        s.rollback()
        raise Refused(f"campaign {name} was changed by someone else at the same moment: look again") from None


def record_sent(s: Session, *, name: str, goal: str, sent_on: datetime, holdout_share: float, window_days: int,
                message_cost: float, channel: str, owner: str, role: str) -> Campaign:
    """Record a campaign sent by another tool (its receipts and hold-outs loaded as events) so it can be reported."""
    latest = latest_campaign(s, name)
    return save_campaign(s, name=name, goal=goal, owner=owner, role=role, channel=channel, send_on=sent_on,
                         holdout_share=holdout_share, window_days=window_days, message_cost=message_cost,
                         state="sent", after=latest.version if latest is not None and latest.state == "sent"
                         else None)


PLAN_COLUMNS = ("name", "goal", "channel", "sent_on", "holdout_share", "window_days", "message_cost")


def import_sent_campaigns(s: Session, path: Path, *, owner: str, role: str) -> int:
    """Record the campaigns of a calendar exported from another tool (CSV with the columns of PLAN_COLUMNS; their
    receipts and hold-outs are loaded as events); a campaign already recorded the same is skipped. All rows are
    checked before any is saved; returns how many were saved."""
    require(role, "run_campaigns", doing="Recording sent campaigns")
    with Path(path).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in PLAN_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{Path(path).name}: a campaign calendar needs the columns {', '.join(PLAN_COLUMNS)}; "
                             f"missing {', '.join(missing)}")
        rows = list(reader)
    plans = []
    for line, row in enumerate(rows, start=2):
        try:
            plans.append(dict(name=row["name"].strip(), goal=row["goal"].strip(), channel=row["channel"].strip(),
                              sent_on=datetime.fromisoformat(row["sent_on"].strip()),
                              holdout_share=float(row["holdout_share"]), window_days=int(row["window_days"]),
                              message_cost=float(row["message_cost"])))
        except ValueError as exc:
            raise InputError(f"{Path(path).name}, line {line}: {exc}") from None
    for plan in plans:  # all checked before any is saved
        _check(**{k: v for k, v in plan.items() if k != "sent_on"}, state="sent")
    saved = 0
    for plan in plans:
        latest = latest_campaign(s, plan["name"])
        if latest is not None and latest.state == "sent" and (
                latest.goal, latest.channel, latest.holdout_share, latest.window_days, latest.message_cost) == (
                plan["goal"], plan["channel"], plan["holdout_share"], plan["window_days"], plan["message_cost"]):
            continue
        record_sent(s, **plan, owner=owner, role=role)
        saved += 1
    return saved
