"""Sending a campaign through the shell: consent first, a reproducible hold-out split by hash, messages for the
treated only in the outbox, receipts and hold-outs in the store that measure as the plan said, never sent twice."""

import json
from pathlib import Path

import pytest
from helpers import studio_copy, with_gamers
from typer.testing import CliRunner

from genome.campaigns.measure import measure
from genome.campaigns.send import Audience, held_out, nobody_to_send
from genome.cli import app as cli
from genome.consent import consenting
from genome.segments.library import save_segment, saved_version, stored_members
from genome.segments.text import parse
from store.duck import connect
from store.meta import meta_url_for, session

LIBRARY = Path(__file__).resolve().parents[3] / "assets"


def _run(db: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", str(db)])


@pytest.fixture(scope="module")
def sent(demo_db, tmp_path_factory):
    from store.settings import get_settings

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
            return _send(demo_db, tmp_path_factory)
    finally:
        get_settings.cache_clear()  # no later test reads this library folder by mistake


def _send(demo_db, tmp_path_factory):
    from store.settings import get_settings

    get_settings.cache_clear()
    db = studio_copy(demo_db, tmp_path_factory.mktemp("send"))
    con = connect(db, read_only=True)
    with session(meta_url_for(db)) as s:
        save_segment(s, con, name="Gamers", rule=parse("bought_video_games OR bought_game_consoles"), owner="mara",
                     role="marketer")
        members = stored_members(s, saved_version(s, "Gamers")[1])
        reachable = set(consenting(con, members, channel="e-mail", meta=s).column("customer_id").to_pylist())
    con.close()
    planned = _run(db, "campaign", "create", "tv-gamers", "--segment", "Gamers", "--template", "tv-offer",
                   "--goal", "revenue", "--holdout", "0.2", "--cost", "0.05", "--as", "mara")
    assert planned.exit_code == 0, planned.output
    dry = _run(db, "campaign", "send", "tv-gamers", "--dry-run", "--as", "mara")
    result = _run(db, "campaign", "send", "tv-gamers", "--as", "mara")
    assert result.exit_code == 0, result.output
    return db, members.num_rows, reachable, dry.stdout, result.stdout


def test_the_dry_run_says_who_it_reaches_and_the_smallest_detectable_effect(sent):
    _, members, reachable, dry, _ = sent
    assert f"{members:,} members, {members - len(reachable):,} without consent on email, 0 in the global hold-out" \
        in dry
    assert "smallest detectable lift on buying +" in dry and "80% power" in dry


def test_only_consenting_members_get_a_message_and_the_split_is_the_campaigns_hash(sent):
    db, _, reachable, _, _ = sent
    outbox = [json.loads(line) for line in db.with_suffix(".outbox").joinpath("email", "tv-gamers.jsonl")
              .read_text().splitlines()]
    treated = {m["customer_id"] for m in outbox}
    control = reachable - treated
    assert treated <= reachable and control
    assert not any(held_out("tv-gamers", c, 0.2) for c in treated)
    assert all(held_out("tv-gamers", c, 0.2) for c in control)
    assert all(m["email_subject"] and m["variant"].startswith("tv-hero-") for m in outbox)
    con = connect(db, read_only=True)
    try:
        m = measure(con, "tv-gamers", window_days=14)
        groups = dict(con.execute(
            "SELECT event_type, count(DISTINCT customer_id) FROM customer_events WHERE event_type IN "
            "('campaign_receipt', 'campaign_holdout') AND attributes->>'campaign_id' = 'tv-gamers' GROUP BY 1"
        ).fetchall())
    finally:
        con.close()
    assert (m.treated.recipients, m.control.recipients) == (len(treated), len(control))
    assert groups == {"campaign_receipt": len(treated), "campaign_holdout": len(control)}
    assert m.holdout_share == 0.2 and set(m.variants) <= {"tv-hero-gaming", "tv-hero-match"}


def test_a_sent_campaign_is_not_sent_again_and_its_plan_says_sent(sent):
    db, _, _, _, said = sent
    assert "held out; plan version 3 (sent)" in said
    again = _run(db, "campaign", "send", "tv-gamers", "--as", "mara")
    assert again.exit_code != 0 and "tv-gamers (version 3): sent already" in again.output
    refused = _run(db, "campaign", "send", "tv-gamers", "--as", "max")
    assert refused.exit_code != 0 and "Sending campaigns is for marketers and administrators" in refused.output


def test_a_sent_campaign_is_history_and_a_claim_to_send_is_won_once(sent):
    from genome.campaigns.library import latest_campaign, save_campaign
    from genome.errors import Refused

    db, *_ = sent
    with session(meta_url_for(db)) as s:
        with pytest.raises(Refused, match="campaign tv-gamers is sent \\(version 3\\): plan a new campaign"):
            save_campaign(s, name="tv-gamers", goal="purchase", owner="mara", role="marketer")
        draft = save_campaign(s, name="tv-later", goal="purchase", owner="mara", role="marketer", segment="Gamers",
                              segment_version=1, template="tv-offer")
        save_campaign(s, name="tv-later", goal="purchase", owner="mara", role="marketer", state="sending",
                      after=draft.version)
        with pytest.raises(Refused, match="campaign tv-later is sending \\(version 2\\)"):  # a second sender
            save_campaign(s, name="tv-later", goal="purchase", owner="sam", role="admin", state="sending",
                          after=draft.version)
        assert latest_campaign(s, "tv-later").owner == "mara"


def test_a_send_that_fails_half_way_leaves_outbox_store_and_plan_as_they_were(demo_db, tmp_path, monkeypatch):
    from genome.campaigns import send as sending
    from genome.campaigns.library import latest_campaign, save_campaign
    from genome.creative.templates import load_template

    db = studio_copy(demo_db, tmp_path)
    con = connect(db)
    with session(meta_url_for(db)) as s:
        save_segment(s, con, name="Gamers", rule=parse("bought_video_games"), owner="mara", role="marketer")
        save_campaign(s, name="tv-fails", goal="purchase", owner="mara", role="marketer", segment="Gamers",
                      segment_version=1, template="tv-offer")
        before = con.execute("SELECT count(*) FROM events").fetchone()[0]

        def broken(*_args, **_kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(sending, "_ingest", broken)
        with pytest.raises(OSError, match="disk full"):
            sending.send_campaign(s, con, "tv-fails", load_template(LIBRARY / "templates" / "tv-offer.toml"),
                                  outbox=tmp_path / "outbox", by="mara", role="marketer")
        plan = latest_campaign(s, "tv-fails")
        assert plan.state == "draft" and plan.version == 4  # draft, sending, sent, draft again
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == before
        assert not list((tmp_path / "outbox").rglob("*.jsonl")) and not list((tmp_path / "outbox").rglob(".*"))
    con.close()


def test_the_global_hold_out_keeps_its_customers_out_of_every_campaign(demo_db, tmp_path, monkeypatch):
    from genome.campaigns.library import save_campaign
    from genome.campaigns.send import GLOBAL, audience
    from store.settings import get_settings

    db = with_gamers(studio_copy(demo_db, tmp_path))
    monkeypatch.setenv("GENOME_GLOBAL_HOLDOUT", "0.3")
    get_settings.cache_clear()
    con = connect(db, read_only=True)
    try:
        with session(meta_url_for(db)) as s:
            save_campaign(s, name="tv-a", goal="purchase", owner="mara", role="marketer", segment="Gamers",
                          segment_version=1)
            people = audience(s, con, "tv-a", role="marketer")
            reachable = consenting(con, stored_members(s, saved_version(s, "Gamers")[1]), channel="e-mail", meta=s)
    finally:
        con.close()
        get_settings.cache_clear()
    kept_out = [c for c in reachable.column("customer_id").to_pylist() if held_out(GLOBAL, c, 0.3)]
    assert people.globally_held_out == len(kept_out) > 0
    assert not set(kept_out) & set(people.treated + people.control)
    assert len(people.treated) + len(people.control) + len(kept_out) + people.over_cap == reachable.num_rows


def _audience(*, members: int, without_consent: int, over_cap: int = 0, treated: int = 0) -> Audience:
    return Audience(members=members, without_consent=without_consent, over_cap=over_cap, globally_held_out=0,
                    below_target=0, treated=[f"c{i}" for i in range(treated)], control=[], baseline_rate=0.1,
                    detectable_effect=None)


def test_a_campaign_that_would_reach_nobody_says_why_and_where_consent_comes_from():
    assert nobody_to_send(_audience(members=50, without_consent=10, treated=40), channel="email") is None
    assert nobody_to_send(_audience(members=50, without_consent=50), channel="sms") == (
        "nobody to send to (50 members, 50 without consent on sms, 0 at the weekly cap); consent comes from consent "
        "events in the data, or from decisions staff record (`genome consent`)")
    # reachable people who were all capped are not a consent problem
    assert nobody_to_send(_audience(members=50, without_consent=20, over_cap=30), channel="sms") == (
        "nobody to send to (50 members, 20 without consent on sms, 30 at the weekly cap)")
