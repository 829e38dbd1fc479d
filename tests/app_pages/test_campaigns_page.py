"""The Campaigns page: a marketer plans a campaign for a saved segment and sees, before sending, who it reaches and
the smallest lift it can detect, as the shell's dry run says; plans micro-campaigns; managers may not plan."""

from pathlib import Path

import pytest
from helpers import sign_in_as, staff, studio_copy, with_gamers
from typer.testing import CliRunner

from genome.campaigns.library import list_campaigns
from genome.cli import app as cli
from store.duck import connect
from store.meta import meta_url_for, session

LIBRARY = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture
def campaigns_db(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    return with_gamers(studio_copy(demo_db, tmp_path))


def _moved(db: Path, folder: Path) -> Path:
    """The store and its metadata store copied to `folder`: the page's process still holds the first file, and the
    shell that writes a store must be alone with it (here the shell runs in the same process)."""
    import shutil

    from store.meta import dispose

    dispose(meta_url_for(db))  # everything written into the metadata file itself
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "genome.duckdb"
    shutil.copy(db, copy)
    shutil.copy(Path(meta_url_for(db).removeprefix("sqlite:///")), Path(meta_url_for(copy).removeprefix("sqlite:///")))
    return copy


def _field(widgets, label: str):
    return next(w for w in widgets if w.label.startswith(label))


def test_a_marketer_plans_a_campaign_and_sees_its_reach_and_detectable_effect_as_the_dry_run(page_at, campaigns_db):
    at = page_at("campaigns.py", campaigns_db).run()
    assert not at.exception, at.exception
    _field(at.text_input, "Name").set_value("tv-gamers")
    _field(at.number_input, "Held out").set_value(20)
    at = next(b for b in at.button if b.label == "Save the plan").click().run()
    assert not at.exception, at.exception
    assert "Saved tv-gamers (version 1, draft)." in at.success[0].value.replace("\\", "")
    dry = CliRunner().invoke(cli, ["campaign", "send", "tv-gamers", "--dry-run", "--as", "mara", "--db",
                                   str(campaigns_db)]).stdout
    metrics = {m.label: m.value for m in at.metric}
    treated, held = metrics["Treated / held out"].split(" / ")
    assert f"{treated} treated and {held} held out" in dry
    assert f"smallest detectable lift on buying {metrics['Smallest detectable lift on buying']}" in dry
    assert f"{metrics['Members']} members, {metrics['Without consent on the channel']} without consent" in dry


def test_a_marketer_plans_micro_campaigns_and_they_are_listed(page_at, campaigns_db):
    at = page_at("campaigns.py", campaigns_db)
    at.session_state["campaigns_tab"] = "Micro-campaigns"
    at = at.run()
    _field(at.text_input, "Name prefix").set_value("gamers")
    _field(at.multiselect, "Cut by").set_value(["clv_tier"])
    _field(at.number_input, "Smallest cell").set_value(10)
    at = next(b for b in at.button if b.label == "Plan the micro-campaigns").click().run()
    assert not at.exception, at.exception
    with session(meta_url_for(campaigns_db)) as s:
        planned = [c for c in list_campaigns(s) if c.name.startswith("gamers-")]
    assert planned and f"Planned {len(planned):,} micro-campaigns" in at.success[0].value.replace("\\", "")
    listed = next(d.value for d in at.dataframe if "campaign" in d.value.columns)
    assert set(listed["campaign"]) == {c.name for c in planned}
    assert all(cell.startswith("clv_tier = '") for cell in listed["cell"])


def test_a_template_whose_assets_are_not_in_the_library_is_not_offered_and_the_page_says_why(
        page_at, demo_db, tmp_path, monkeypatch):
    import shutil

    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    bare = with_gamers(staff(shutil.copy(demo_db, tmp_path / "genome.duckdb")))  # no asset library loaded
    at = page_at("campaigns.py", bare).run()
    assert not at.exception, at.exception
    assert not at.selectbox and "add a template and its assets" in at.info[0].value.replace("\\", "")
    said = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Not offered: tv-offer (its fallback assets tv-body-generic, tv-cta, " in said
    assert "are not in the asset library (or not valid today))." in said


def test_managers_are_told_planning_is_not_theirs(page_at, campaigns_db):
    at = sign_in_as(page_at("campaigns.py", campaigns_db), "manager").run()
    assert not at.exception
    assert "Planning campaigns is for marketers and administrators" in at.info[0].value.replace("\\", "")


def test_a_campaign_sent_from_the_page_waits_for_the_next_build_and_then_measures(page_at, campaigns_db, tmp_path):
    at = page_at("campaigns.py", campaigns_db).run()
    _field(at.text_input, "Name").set_value("tv-gamers")
    at = next(b for b in at.button if b.label == "Save the plan").click().run()
    at.checkbox(key="campaigns_sure").check().run()
    at = at.button(key="campaigns_send").click().run()
    assert not at.exception, at.exception
    said = at.success[0].value.replace("\\", "")
    assert said.startswith("Sent tv-gamers: ") and "join the store at the next ingest or build" in said
    con = connect(campaigns_db, read_only=True)
    waiting = con.execute("SELECT count(*) FROM events WHERE attributes->>'campaign_id' = 'tv-gamers'").fetchone()[0]
    con.close()
    assert waiting == 0  # the app only reads the store
    again = CliRunner().invoke(cli, ["campaign", "send", "tv-gamers", "--as", "mara", "--db", str(campaigns_db)])
    assert again.exit_code != 0 and "tv-gamers (version 3): sent already" in again.output
    moved = _moved(campaigns_db, tmp_path / "moved")
    built = CliRunner().invoke(cli, ["build", "--db", str(moved)])
    assert built.exit_code == 0, built.output
    assert "of 1 campaigns sent from the app joined the events" in built.output
    report = CliRunner().invoke(cli, ["campaign", "report", "tv-gamers", "--json", "--as", "max", "--db",
                                      str(moved)])
    import json

    assert report.exit_code == 0, report.output
    groups = json.loads(report.stdout)["groups"]
    outbox = campaigns_db.with_suffix(".outbox") / "email" / "tv-gamers.jsonl"
    assert groups["treated"]["recipients"] == len(outbox.read_text().splitlines()) > 0
    assert groups["control"]["recipients"] > 0
