"""The Creative studio page: the library, and a template's messages for sampled recipients, the same as the shell's
preview; closed to roles that may not change creatives."""

import json
from pathlib import Path

import pytest
from helpers import sign_in_as, studio_copy
from typer.testing import CliRunner

from genome.cli import app as cli
from genome.segments.library import save_segment
from genome.segments.text import parse
from store.duck import connect
from store.meta import meta_url_for, session

LIBRARY = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="module")
def studio_db(demo_db, tmp_path_factory):
    db = studio_copy(demo_db, tmp_path_factory.mktemp("studio_page"))
    con = connect(db, read_only=True)
    with session(meta_url_for(db)) as s:
        save_segment(s, con, name="Gamers", rule=parse("bought_video_games OR bought_game_consoles"), owner="mara",
                     role="marketer")
    con.close()
    return db


def test_a_marketer_sees_three_gamers_get_the_gaming_picture_as_the_shell_says(page_at, studio_db, monkeypatch):
    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    at = page_at("studio.py", studio_db).run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.table if "slot" in d.value.columns).map(lambda c: str(c).replace("\\", ""))
    table = table.set_index("slot")
    assert len(table.columns) == 3 and list(table.index) == ["hero", "headline", "body", "cta", "offer"]
    # a sporty gamer may be in the A/B split between the gaming and the match picture
    assert all("(tv-hero-gaming: " in cell or "(tv-hero-match: " in cell for cell in table.loc["hero"])
    customer = table.columns[0]
    shell = json.loads(CliRunner().invoke(cli, ["creative", "preview", "tv-offer", "--customer", customer, "--as",
                                                "mara", "--json", "--db", str(studio_db)]).stdout)
    assert all(table.loc[slot, customer].endswith(f"({s['reason']})") for slot, s in shell["slots"].items())
    assert len(at.get("image")) == 3  # each sample's hero picture
    at.session_state["studio_tab"] = "Asset library"
    at = at.run()
    library = next(d.value for d in at.dataframe if "rule (who may get it)" in d.value.columns)
    assert len(library) == 13


def test_an_sms_preview_says_how_many_messages_it_takes(page_at, studio_db, monkeypatch):
    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    at = page_at("studio.py", studio_db).run()
    at.radio(key="studio_channel").set_value("sms").run()
    assert not at.exception
    assert [c.value for c in at.caption if "characters:" in c.value] and all(
        "one message" in c.value for c in at.caption if "characters:" in c.value)


def test_service_staff_are_told_the_studio_is_not_theirs(page_at, studio_db):
    at = sign_in_as(page_at("studio.py", studio_db), "service").run()
    assert not at.exception
    assert "is for marketers and administrators" in at.info[0].value.replace("\\", "")


def test_the_coverage_matrix_shows_who_gets_what_for_a_segment(page_at, studio_db, monkeypatch):
    from genome.creative.assembly import coverage
    from genome.creative.templates import load_template

    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    at = page_at("studio.py", studio_db)
    at.session_state["studio_tab"] = "Coverage"
    at = at.run()
    assert not at.exception, at.exception
    con = connect(studio_db, read_only=True)
    try:
        with session(meta_url_for(studio_db)) as s:
            from genome.segments.library import saved_version, stored_members

            gamers = stored_members(s, saved_version(s, "Gamers")[1]).column("customer_id").to_pylist()
            matrix = coverage(s, con, load_template(LIBRARY / "templates" / "tv-offer.toml"), gamers)
    finally:
        con.close()
    assert all(abs(sum(shares.values()) - 1) < 1e-9 for shares in matrix.shares.values())
    assert set(matrix.shares["hero"]) <= {"tv-hero-gaming", "tv-hero-match"}  # every gamer has a gaming rule
    assert "tv-hero-family" in matrix.never_chosen or "tv-hero-family" not in matrix.shares["hero"]
    assert ("tv-hero-gaming", "tv-hero-match", matrix.overlaps[0][2]) in matrix.overlaps
    heat = at.get("plotly_chart")[0]
    assert f"{len(gamers):,} recipients" in at.caption[0].value and heat is not None
