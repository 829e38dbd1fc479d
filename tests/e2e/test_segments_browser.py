"""In a real browser: drag genes into the builder, set a threshold, and see the CLI's numbers."""

import json
import re
import shutil
import time

import numpy as np
import pytest
from e2e.serving import open_signed_in
from helpers import staff
from playwright.sync_api import expect
from typer.testing import CliRunner

from genome.cli import app

pytestmark = pytest.mark.e2e

COMPONENT = 'iframe[title="streamlit_sortables.sortable_items"]'


def cli_count(demo_db, rule: str) -> int:
    result = CliRunner().invoke(app, ["segment", "count", rule, "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["count"]


def component_showing(page, gene: str, timeout: float = 30.0):
    """The drag component that shows `gene`: while the page re-mounts it, the old one lingers for a moment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = page.locator(COMPONENT)
        for i in range(frames.count()):
            frame = frames.nth(i).content_frame
            if frames.nth(i).is_visible() and frame.locator("li.sortable-item", has_text=gene).count():
                return frame
        page.wait_for_timeout(200)
    raise AssertionError(f"no drag component shows {gene}")


def drag(page, gene: str, container: str) -> None:
    """dnd-kit needs a pressed mouse that moves past its 10 px activation distance, then to the target."""
    frame = component_showing(page, gene)
    item = frame.locator("li.sortable-item", has_text=gene).first
    target = frame.locator(".sortable-container", has=frame.locator(".sortable-container-header",
                                                                    has_text=container))
    body = target.locator(".sortable-container-body").first
    expect(item).to_be_visible(timeout=30_000)
    box = item.bounding_box()
    goal = body.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 15, box["y"] + box["height"] / 2, steps=3)
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] / 2, steps=20)
    page.wait_for_timeout(100)
    page.mouse.move(goal["x"] + goal["width"] / 2 + 2, goal["y"] + goal["height"] / 2 + 2)
    page.mouse.up()


def expected_histogram(demo_db, rule: str) -> list[int]:
    """The members the SQL path selects, binned on the genome's value bins."""
    from genome.segments.audience import member_ids
    from genome.segments.index import GenomeIndex
    from genome.segments.text import parse
    from store.duck import connect

    con = connect(demo_db, read_only=True)
    try:
        index = GenomeIndex(con)
        at = index.positions(member_ids(con, parse(rule)).column("customer_id").to_pylist())
        return np.bincount(index.value_codes[at], minlength=len(index.base_histogram)).tolist()
    finally:
        con.close()


def audience(page):
    return page.get_by_test_id("stMetric").filter(has_text="Audience")


def test_dragging_two_genes_and_a_threshold_shows_what_the_cli_counts(page, app_url, demo_db):
    open_signed_in(page, f"{app_url}/segments")
    expect(audience(page)).to_contain_text(f"{cli_count(demo_db, ''):,}", timeout=30_000)
    expect(page.locator(".vega-embed")).to_have_count(1, timeout=20_000)

    search = page.get_by_label("Find genes")
    search.fill("repeat_buyer")
    search.press("Enter")
    drag(page, "repeat_buyer", "Must have all")
    expect(page.get_by_test_id("stText").first).to_contain_text("repeat_buyer", timeout=20_000)
    expect(audience(page)).to_contain_text(f"{cli_count(demo_db, 'repeat_buyer'):,}", timeout=20_000)

    search.fill("clv_12m")
    search.press("Enter")
    drag(page, "clv_12m", "Must have all")
    expect(page.get_by_test_id("stText").first).to_contain_text("repeat_buyer AND clv_12m >=", timeout=20_000)
    threshold = page.get_by_label("threshold for clv_12m")
    threshold.fill("150")
    threshold.press("Enter")
    expect(page.get_by_test_id("stText").first).to_contain_text("repeat_buyer AND clv_12m >= 150", timeout=20_000)
    expected = cli_count(demo_db, "repeat_buyer AND clv_12m >= 150")
    expect(audience(page)).to_contain_text(f"{expected:,}", timeout=20_000)
    # the value chart is redrawn for the new audience: every audience bar holds the CLI's members in that bin
    # (Vega draws each bar with an aria-label that carries its tooltip fields)
    wanted = expected_histogram(demo_db, "repeat_buyer AND clv_12m >= 150")
    deadline = time.monotonic() + 20
    while True:
        labels = page.evaluate("""() => Array.from(document.querySelectorAll('.vega-embed path[aria-label]'))
            .map(e => e.getAttribute('aria-label')).filter(t => t.includes('who: audience'))""")
        shown = [int(re.search(r"; customers: ([\d,]+);", t).group(1).replace(",", "")) for t in labels]
        if shown == wanted or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    assert shown == wanted


def test_at_phone_width_the_audience_number_sits_right_above_the_drop_zones(browser, app_url, demo_db):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        open_signed_in(phone, f"{app_url}/segments")
        number = audience(phone)
        expect(number).to_contain_text(f"{cli_count(demo_db, ''):,}", timeout=30_000)
        zones = phone.locator(COMPONENT).first
        expect(zones).to_be_visible(timeout=30_000)
        top_of_number = number.bounding_box()["y"]
        top_of_zones = zones.bounding_box()["y"]
        # the number is above the drop zones and within about one phone screen of them, not below the builder
        assert top_of_number < top_of_zones < top_of_number + 700, (top_of_number, top_of_zones)
    finally:
        context.close()


@pytest.fixture
def own_app(demo_db, tmp_path, app_server):
    """An app over a copy of the demo store: saving a segment must not change the store other tests share."""
    db = tmp_path / "genome.duckdb"
    staff(shutil.copy(demo_db, db))
    with app_server(db) as url:
        yield url, db


def test_the_saved_segment_holds_the_rule_applied_last_after_a_threshold_was_changed_by_hand(page, own_app):
    url, db = own_app
    open_signed_in(page, f"{url}/segments")
    rule_shown = page.get_by_test_id("stText").first
    # the page's first run done (its audience shown) before anything is typed: on a busy machine text typed while
    # the page is still being drawn is drawn over
    expect(rule_shown).to_have_text("(everyone)", timeout=30_000)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)

    def apply(rule: str) -> None:
        page.get_by_role("textbox", name="Edit as text (experts)").fill(rule)
        page.get_by_role("button", name="Apply text").click()
        expect(rule_shown).to_have_text(rule, timeout=20_000)

    apply("clv_12m >= 100")
    threshold = page.get_by_label("threshold for clv_12m")
    threshold.fill("150")
    threshold.press("Enter")
    expect(rule_shown).to_have_text("clv_12m >= 150", timeout=20_000)
    apply("clv_12m >= 100")  # the threshold's box held 150 in the browser: the applied text wins over it
    expect(threshold).to_have_count(1, timeout=20_000)  # the old input lingers while the page is redrawn
    expect(threshold).to_have_value("100.00", timeout=20_000)

    page.get_by_role("tab", name="Save", exact=True).click()
    page.get_by_role("textbox", name="Segment name").fill("Worth over 100")
    page.get_by_role("button", name="Save as new version").click()
    expected = cli_count(db, "clv_12m >= 100")
    expect(page.get_by_text(f"Saved Worth over 100 v1: {expected:,} customers.")).to_be_visible(timeout=30_000)
    expect(rule_shown).to_have_text("clv_12m >= 100")
