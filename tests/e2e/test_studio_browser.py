"""The Creative studio in a real browser: a marketer picks a recipient and sees the e-mail change when another is
picked, and adds a picture to the library by uploading it (an SVG renamed .png is refused by its content)."""

import os
import tempfile
from pathlib import Path

import pytest
from e2e.serving import open_signed_in
from helpers import studio_copy
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("GENOME_SCREENSHOTS", tempfile.gettempdir()))
LIBRARY = Path(__file__).resolve().parents[2] / "assets"
GAMER = "(bought_video_games OR bought_game_consoles OR bought_gaming_accessories)"
CHILDREN = "(bought_diapers OR bought_toys OR bought_kids_clothing)"
SPORTY = "(bought_running_shoes OR bought_running_apparel OR bought_cycling OR bought_fitness_trackers)"


@pytest.fixture(scope="module")
def studio(demo_db, tmp_path_factory, app_server):
    """The app over a copy of the demo with its library, and the e-mails of a Jim (a gamer with children) and a
    John (sporty, no games, no children)."""
    from store.duck import connect

    db = studio_copy(demo_db, tmp_path_factory.mktemp("studio_browser"))
    con = connect(db, read_only=True)
    try:
        def email(rule: str) -> str:
            return con.execute(f"SELECT min(i.value) FROM customer_genes g JOIN identifiers i USING (customer_id) "
                               f"WHERE i.kind = 'email' AND {rule}").fetchone()[0]

        jim = email(f"{GAMER} AND {CHILDREN} AND NOT {SPORTY}")
        john = email(f"{SPORTY} AND NOT {GAMER} AND NOT {CHILDREN}")
    finally:
        con.close()
    with app_server(db, GENOME_CREATIVE_DIR=str(LIBRARY)) as url:
        yield url, jim, john


def _preview_for(page, email: str):
    search = page.get_by_role("textbox", name="Find a customer")
    search.fill(email)
    search.press("Enter")
    return page.frame_locator("iframe[src^='data:text/html']").first


def test_picking_another_recipient_changes_the_picture_and_the_copy(page, studio):
    url, jim, john = studio
    open_signed_in(page, url, "mara")
    page.get_by_role("link", name="Creative studio").click()
    page.get_by_text("one customer", exact=True).click()
    phone = _preview_for(page, jim)
    expect(phone.get_by_role("heading")).to_have_text("Game night, upgraded: 120 Hz and low lag", timeout=30_000)
    expect(phone.get_by_role("img")).to_have_attribute("alt", "A television showing a racing game, a controller "
                                                              "in front")
    page.screenshot(path=str(SHOTS / "studio-jim.png"), full_page=True)
    phone = _preview_for(page, john)
    expect(phone.get_by_role("heading")).to_have_text("Every match, life size", timeout=30_000)
    expect(phone.get_by_role("img")).to_have_attribute("alt", "A television showing a football match")
    # the picture is inlined and drawn: a broken image has no natural width
    assert phone.get_by_role("img").evaluate("img => img.naturalWidth") > 0
    expect(page.get_by_text("tv-hero-match: bought_running_shoes OR")).to_be_visible()
    page.screenshot(path=str(SHOTS / "studio-john.png"), full_page=True)


def test_a_marketer_uploads_a_picture_and_a_renamed_svg_is_refused(page, studio, tmp_path):
    url, _, _ = studio
    open_signed_in(page, url, "mara")
    page.get_by_role("link", name="Creative studio").click()
    page.get_by_role("tab", name="Asset library").click()
    page.get_by_role("textbox", name="Name").fill("tv-hero-night")
    page.get_by_test_id("stSelectbox").filter(has_text="Kind").click()
    page.get_by_role("option", name="picture", exact=True).click()
    page.get_by_role("textbox", name="Tags").fill("tv")
    page.get_by_role("textbox", name="Text (for a picture").fill("A television at night")
    drawing = tmp_path / "night.png"  # an SVG drawing renamed: the name passes the picker, the content does not
    drawing.write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    page.locator("input[type=file]").set_input_files(str(drawing))
    # the upload goes to the server on its own: adding before the uploader lists the file would add nothing
    expect(page.get_by_text("night.png")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Add to the library").click()
    expect(page.get_by_text("is an SVG drawing, which can carry scripts")).to_be_visible(timeout=30_000)
    page.locator("input[type=file]").set_input_files(str(LIBRARY / "images" / "tv-family.png"))
    expect(page.get_by_text("tv-family.png")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Add to the library").click()
    expect(page.get_by_text("Saved tv-hero-night as version 1.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Version 1: A television at night")).to_be_visible()
    page.screenshot(path=str(SHOTS / "studio-library.png"), full_page=True)
