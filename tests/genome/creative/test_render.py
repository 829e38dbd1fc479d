"""Rendering a segment: one message per recipient who may be reached on the channel, in a file never written over."""

import csv
import json
from pathlib import Path

import pytest
from helpers import studio_copy
from typer.testing import CliRunner

from genome.access import AccessDenied
from genome.cli import app
from genome.consent import consenting
from genome.creative.render import render_segment
from genome.creative.templates import load_template
from genome.errors import Refused
from genome.segments.library import save_segment, saved_version, stored_members
from genome.segments.text import parse
from store.duck import connect
from store.meta import meta_url_for, session

LIBRARY = Path(__file__).resolve().parents[3] / "assets"
runner = CliRunner()


@pytest.fixture(scope="module")
def campaign(demo_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    db = studio_copy(demo_db, folder)
    con = connect(db, read_only=True)
    with session(meta_url_for(db)) as s:
        save_segment(s, con, name="Everyone", rule=parse(""), owner="mara", role="marketer")
        reachable = consenting(con, stored_members(s, saved_version(s, "Everyone")[1]), channel="SMS")
    con.close()
    return db, folder, set(reachable.column("customer_id").to_pylist())


def test_the_shell_renders_one_sms_per_reachable_recipient(campaign):
    db, folder, reachable = campaign
    out = folder / "sms.jsonl"
    done = runner.invoke(app, ["creative", "render", "tv-offer", "--segment", "Everyone", "--channel", "sms",
                               "--out", str(out), "--as", "mara", "--db", str(db)])
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["customer_id"] for r in rows} == reachable and len(rows) == len(reachable)
    assert all(r["sms"] and r["sms_parts"] >= 1 and "{{" not in r["sms"] for r in rows)
    assert all(set(r["assets"]) == {"hero", "headline", "body", "cta", "offer"} for r in rows)
    assert f"{len(rows):,} messages of tv-offer on sms" in done.stdout
    again = runner.invoke(app, ["creative", "render", "tv-offer", "--segment", "Everyone", "--channel", "sms",
                                "--out", str(out), "--as", "mara", "--db", str(db)])
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_a_csv_has_a_column_per_part_and_slot_and_only_marketers_render(campaign):
    db, folder, _ = campaign
    template = load_template(LIBRARY / "templates" / "tv-offer.toml")
    con = connect(db, read_only=True)
    try:
        with session(meta_url_for(db)) as s:
            result = render_segment(s, con, template, segment="Everyone", channel="email", out=folder / "e.csv",
                                    by="mara", role="marketer")
            with pytest.raises(AccessDenied, match="Rendering messages for a segment is for marketers"):
                render_segment(s, con, template, segment="Everyone", channel="email", out=folder / "x.csv",
                               by="sam", role="service")
            with pytest.raises(Refused, match="already exists"):
                render_segment(s, con, template, segment="Everyone", channel="email", out=folder / "e.csv",
                               by="mara", role="marketer")
    finally:
        con.close()
    with (folder / "e.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == result.messages and result.removed_without_consent > 0
    assert set(table[0]) == {"customer_id", "template", "email_subject", "email_html", "asset_hero",
                             "asset_headline", "asset_body", "asset_cta", "asset_offer"}
