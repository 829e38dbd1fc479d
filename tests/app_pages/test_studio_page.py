"""The Creative studio page: the library, and a template's messages for sampled recipients, the same as the shell's
preview; closed to roles that may not change creatives."""

import base64
import json
import shutil
from pathlib import Path

import pytest
from helpers import sign_in_as, staff, studio_copy, with_gamers
from typer.testing import CliRunner

from genome.cli import app as cli
from genome.segments.library import save_segment
from genome.segments.text import parse
from store.duck import connect
from store.meta import meta_url_for, session

LIBRARY = Path(__file__).resolve().parents[2] / "assets"


def _document(frame) -> str:
    """The HTML inside a preview frame (a data: URL)."""
    url = frame.proto.src
    assert url.startswith("data:text/html;charset=utf-8;base64,")
    return base64.b64decode(url.split(",", 1)[1]).decode()


@pytest.fixture(scope="module")
def studio_db(demo_db, tmp_path_factory):
    return with_gamers(studio_copy(demo_db, tmp_path_factory.mktemp("studio_page")))


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
    phones = [_document(frame) for frame in at.get("iframe")]
    assert len(phones) == 3  # each sample's e-mail as a phone shows it, in a frame that runs nothing
    for (customer, cells), html in zip(table.items(), phones):
        hero = next(a for a in ("tv-hero-gaming", "tv-hero-match") if f"({a}: " in cells["hero"])
        picture = (LIBRARY / "images" / {"tv-hero-gaming": "tv-gaming.png", "tv-hero-match": "tv-match.png"}[hero])
        assert "Content-Security-Policy" in html and "script-src" not in html  # default-src 'none' covers scripts
        assert f'src="data:image/png;base64,{base64.b64encode(picture.read_bytes()).decode()}"' in html
    at.session_state["studio_tab"] = "Asset library"
    at = at.run()
    library = next(d.value for d in at.dataframe if "rule (who may get it)" in d.value.columns)
    assert len(library) == 13


def test_an_sms_preview_says_how_many_messages_it_takes(page_at, studio_db, monkeypatch):
    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    at = page_at("studio.py", studio_db).run()
    at.radio(key="studio_channel").set_value("sms").run()
    assert not at.exception
    said = [c.value.replace("\\", "") for c in at.caption if "GSM-7 units:" in c.value.replace("\\", "")]
    assert said and all("one message" in c for c in said)


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


def _library_tab(page_at, db, monkeypatch):
    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    at = page_at("studio.py", db)
    at.session_state["studio_tab"] = "Asset library"
    return at.run()


def _field(widgets, label: str):
    return next(w for w in widgets if w.label.startswith(label))


def _add_headline(at, *, name: str, text: str, rule: str, priority: int = 0):
    """Fill the form for a new headline tagged tv and press "Add to the library"."""
    _field(at.text_input, "Name").set_value(name)
    _field(at.selectbox, "Kind").set_value("headline")
    _field(at.text_input, "Tags").set_value("tv")
    _field(at.text_area, "Text").set_value(text)
    _field(at.text_input, "Who may get it").set_value(rule)
    _field(at.number_input, "Priority").set_value(priority)
    return next(b for b in at.button if b.label == "Add to the library").click().run()


def test_a_marketer_adds_a_headline_with_a_rule_and_sees_its_first_version(page_at, demo_db, tmp_path, monkeypatch):
    db = studio_copy(demo_db, tmp_path)
    at = _library_tab(page_at, db, monkeypatch)
    at = _add_headline(at, name="tv-headline-racing", text="Race night on a bigger screen",
                       rule="bought_video_games", priority=30)
    assert not at.exception, at.exception
    assert "Saved tv-headline-racing as version 1." in at.success[0].value.replace("\\", "")
    library = next(d.value for d in at.dataframe if "rule (who may get it)" in d.value.columns).set_index("asset")
    assert library.loc["tv-headline-racing", "rule (who may get it)"] == "bought_video_games"
    versions = next(d.value for d in at.dataframe if "by" in d.value.columns)
    assert versions[["version", "by", "priority"]].values.tolist() == [[1, "mara", 30]]


def test_a_rule_naming_an_unknown_gene_is_refused_and_nothing_is_saved(page_at, demo_db, tmp_path, monkeypatch):
    db = studio_copy(demo_db, tmp_path)
    at = _library_tab(page_at, db, monkeypatch)
    at = _add_headline(at, name="tv-headline-x", text="Hello", rule="bought_tvz")
    assert not at.exception and "bought_tvz" in at.error[0].value.replace("\\", "")
    with session(meta_url_for(db)) as s:
        from genome.creative.library import asset_names

        assert "tv-headline-x" not in asset_names(s)


def test_changing_an_assets_copy_saves_the_next_version_beside_the_first(page_at, demo_db, tmp_path, monkeypatch):
    db = studio_copy(demo_db, tmp_path)
    at = _library_tab(page_at, db, monkeypatch)
    at = _field(at.selectbox, "Asset to change").set_value("tv-cta").run()
    assert _field(at.text_area, "Text").value == "See the televisions"
    _field(at.text_area, "Text").set_value("Shop the offer")
    at = next(b for b in at.button if b.label == "Save as version 2").click().run()
    assert not at.exception, at.exception
    versions = next(d.value for d in at.dataframe if "by" in d.value.columns)
    assert versions[["version", "text"]].values.tolist() == [[2, "Shop the offer"], [1, "See the televisions"]]


def test_a_picture_missing_from_the_asset_folder_is_named_not_shown_broken(page_at, demo_db, tmp_path, monkeypatch):
    import shutil

    db = studio_copy(demo_db, tmp_path)
    shutil.rmtree(db.with_suffix(".assets"))
    with session(meta_url_for(db)) as s:
        save_segment(s, connect(db, read_only=True), name="Gamers", rule=parse("bought_video_games"), owner="mara",
                     role="marketer")
    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    at = page_at("studio.py", db).run()
    assert not at.exception, at.exception
    warning = at.warning[0].value.replace("\\", "")
    named, _, folder = warning.partition(" is missing from ")
    assert "tv-hero-gaming" in named and folder.startswith(str(db.with_suffix(".assets")))


@pytest.mark.parametrize("tab", ["Preview", "Coverage"])
def test_an_empty_library_says_how_to_fill_it_rather_than_naming_a_missing_asset(page_at, demo_db, tmp_path,
                                                                               monkeypatch, tab):
    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))  # the templates are there; the store has no assets
    at = page_at("studio.py", staff(shutil.copy(demo_db, tmp_path / "genome.duckdb")))
    at.session_state["studio_tab"] = tab
    at = at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("The asset library is empty" in i.value for i in at.info)
    # it points to where assets are added, and warns that the demo's folder names the demo's categories
    said = next(i.value for i in at.info if "The asset library is empty" in i.value)
    assert "add assets in the Asset library tab" in said and "loads on the demo store only" in said
