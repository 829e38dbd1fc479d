"""Rendering a campaign: every recipient of a saved segment gets their own message, written to a file.

Consent is read at this moment, with what customers told the service desk
since the store was last written: a recipient without marketing consent, or
who refused the channel, gets no message and is counted as removed. The file
is written beside and renamed into place, never over an existing one, and the
render is recorded in the audit log like an export.
"""

import csv
import json
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlmodel import Session

from genome.access import require
from genome.audit import record
from genome.consent import consenting
from genome.creative.assembly import CHANNEL_PARTS, messages
from genome.creative.templates import CreativeTemplate
from genome.errors import InputError, Refused
from genome.segments.library import saved_version, stored_members

# the consent reach each message channel needs (genome.consent.CHANNEL_PURPOSES)
CONSENT_CHANNEL = {"email": "e-mail", "sms": "SMS", "push": "app push"}


@dataclass(frozen=True)
class RenderResult:
    path: Path
    segment: str
    version: int
    channel: str
    messages: int
    removed_without_consent: int


def render_segment(s: Session, con: duckdb.DuckDBPyConnection, template: CreativeTemplate, *, segment: str,
                   channel: str, out: Path, by: str, role: str) -> RenderResult:
    """One message per consenting recipient of `segment`'s latest version on `channel`, as JSONL or CSV (by the
    suffix of `out`), for `by` acting as `role`, which must allow exports; audited."""
    require(role, "export_audiences", doing="Rendering messages for a segment")
    if channel not in CHANNEL_PARTS:
        raise InputError(f"channel {channel!r} is not one of {', '.join(CHANNEL_PARTS)}")
    out = Path(out)
    if out.suffix not in (".jsonl", ".csv"):
        raise InputError(f"{out.name}: write the messages to a .jsonl or a .csv file")
    if out.exists():
        raise Refused(f"{out} already exists: choose another file name")
    _, saved = saved_version(s, segment, missing=": save it before rendering messages for it")
    members = stored_members(s, saved)
    allowed = consenting(con, members, channel=CONSENT_CHANNEL[channel], meta=s).column("customer_id").to_pylist()
    rendered = messages(s, con, template, allowed, channel=channel)
    parts = [p for p in (*CHANNEL_PARTS[channel], "sms_parts") if any(p in m for _, m in rendered.values())]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            if out.suffix == ".jsonl":
                for customer, (choices, message) in rendered.items():
                    handle.write(json.dumps({"customer_id": customer, "template": template.name, **message,
                                             "assets": {slot: c.asset.name for slot, c in choices.items()}}) + "\n")
            else:
                writer = csv.writer(handle)
                writer.writerow(["customer_id", "template", *parts, *(f"asset_{slot}" for slot in template.slots)])
                for customer, (choices, message) in rendered.items():
                    writer.writerow([customer, template.name, *(message.get(p, "") for p in parts),
                                     *(choices[slot].asset.name for slot in template.slots)])
        os.link(partial, out)  # fails if `out` appeared meanwhile: never written over
    except FileExistsError:
        raise Refused(f"{out} already exists: choose another file name") from None
    finally:
        partial.unlink(missing_ok=True)
    removed = len(members) - len(allowed)
    record(s, actor=by, role=role, action="export", target=f"segment {segment}",
           detail=f"v{saved.version} {template.name} on {channel}: {len(rendered):,} messages to {out.name}")
    return RenderResult(out, segment, saved.version, channel, len(rendered), removed)
