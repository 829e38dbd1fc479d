"""The segment builder page: drops become conditions, and the preview shows the exact audience."""

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from genome.segments.audience import count
from genome.segments.text import parse
from store.duck import connect
from store.settings import get_settings
from ui.state import SEG_SORTABLES

PAGE = Path(__file__).resolve().parents[2] / "app_pages" / "segments.py"


@pytest.fixture
def db(demo_db, tmp_path):
    copy = tmp_path / "genome.duckdb"  # saved segments and exports land beside it
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture
def page(monkeypatch, db):
    monkeypatch.setenv("GENOME_DB", str(db))
    get_settings.cache_clear()
    yield AppTest.from_file(str(PAGE), default_timeout=60)
    get_settings.cache_clear()


def exact(db, text) -> int:
    con = connect(db, read_only=True)
    try:
        return count(con, parse(text)).count
    finally:
        con.close()


def drop(at, moves: dict[str, list[str]]):
    """What the drag component reports after the marketer drops genes into containers."""
    key = at.session_state[SEG_SORTABLES]
    headers = ["Genes", "Must have all", "Any of", "Exclude"]
    at.session_state[key] = [{"header": h, "items": moves.get(h, [])} for h in headers]
    return at.run()


def audience(at) -> str:
    return next(m.value for m in at.metric if m.label == "Audience")


def test_an_empty_builder_shows_the_whole_base(page, db):
    at = page.run()
    assert not at.exception
    assert audience(at) == f"{exact(db, ''):,}"
    assert at.code[0].value == "(everyone)"


def test_dropped_genes_become_the_rule_and_the_count_follows(page, db):
    at = page.run()
    at = drop(at, {"Must have all": ["repeat_buyer"], "Exclude": ["lapsed_90d"]})
    assert not at.exception
    assert at.code[0].value == "repeat_buyer AND NOT lapsed_90d"
    assert audience(at) == f"{exact(db, 'repeat_buyer AND NOT lapsed_90d'):,}"


def test_a_numeric_gene_gets_a_threshold_the_marketer_can_change(page, db):
    at = page.run()
    at = drop(at, {"Must have all": ["repeat_buyer", "clv_12m"]})
    at.number_input(key="seg_condition::clv_12m::value").set_value(250.0).run()
    assert at.code[0].value == "repeat_buyer AND clv_12m >= 250"
    assert audience(at) == f"{exact(db, 'repeat_buyer AND clv_12m >= 250'):,}"


def test_the_keyboard_path_adds_a_gene_without_dragging(page, db):
    at = page.run()
    at.selectbox(key="seg_add_gene").set_value("one_time_buyer").run()
    at.selectbox(key="seg_add_to").set_value("Exclude").run()
    at.button(key="seg_add").click().run()
    assert at.code[0].value == "NOT one_time_buyer"
    assert audience(at) == f"{exact(db, 'NOT one_time_buyer'):,}"


def test_expert_text_loads_into_the_builder_and_errors_name_the_gene(page, db):
    at = page.run()
    at.text_area(key="seg_text").input("repeat_buyer AND clv_12m IN TOP 10%")
    at.button[[b.label for b in at.button].index("Apply text")].click().run()
    assert at.code[0].value == "repeat_buyer AND clv_12m IN TOP 10%"
    assert audience(at) == f"{exact(db, 'repeat_buyer AND clv_12m IN TOP 10%'):,}"
    at.text_area(key="seg_text").input("repeat_buyr")
    at.button[[b.label for b in at.button].index("Apply text")].click().run()
    assert any("unknown gene 'repeat_buyr'" in e.value for e in at.error)


def test_saving_lists_the_segment_with_its_size(page, db):
    at = page.run()
    at = drop(at, {"Must have all": ["repeat_buyer"]})
    at.text_input(key="seg_save_name").input("Repeat buyers")
    at.text_input(key="seg_owner").input("mara")
    at.button[[b.label for b in at.button].index("Save as new version")].click().run()
    assert not at.exception
    assert any("Saved Repeat buyers v1" in s.value for s in at.success)
    assert (db.parent / "genome.meta.sqlite").exists()
    assert at.selectbox(key="seg_saved_segment").value == "Repeat buyers"


def test_a_manager_reads_the_audience_but_cannot_save_or_export(page, db):
    page.session_state["role"] = "manager"
    at = drop(page.run(), {"Must have all": ["repeat_buyer"]})
    assert not at.exception
    assert audience(at) == f"{exact(db, 'repeat_buyer'):,}"
    notes = [i.value for i in at.info]
    assert "Saving segments is for admins and marketers; you are working as manager." in notes
    assert "Exporting audiences is for admins and marketers; you are working as manager." in notes
    assert at.button[[b.label for b in at.button].index("Save as new version")].disabled
    assert not any(b.key == "seg_export" for b in at.button)


def test_a_store_without_a_genome_says_what_to_run(monkeypatch, tmp_path):
    monkeypatch.setenv("GENOME_DB", str(tmp_path / "missing.duckdb"))
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(str(PAGE), default_timeout=60).run()
        assert "genome build" in at.info[0].value
    finally:
        get_settings.cache_clear()


def test_an_export_removes_customers_without_consent_and_is_logged(page, db):
    at = page.run()
    at = drop(at, {"Must have all": ["repeat_buyer"]})
    at.text_input(key="seg_save_name").input("Repeat buyers")
    at.text_input(key="seg_owner").input("mara")
    at.button[[b.label for b in at.button].index("Save as new version")].click().run()
    at.text_input(key="seg_export_by").input("mara").run()
    at.button(key="seg_export").click().run()
    assert not at.exception
    consenting = exact(db, "repeat_buyer AND consent_marketing")
    removed = exact(db, "repeat_buyer AND NOT consent_marketing")
    assert any(f"{consenting:,} rows" in s.value and f"{removed:,} removed" in s.value for s in at.success)
    assert (db.parent / "exports" / "Repeat buyers-ids.csv").exists()
    log = next(d.value for d in at.dataframe if "removed without consent" in d.value.columns)
    assert log[["by", "segment", "rows", "removed without consent"]].values.tolist() == \
        [["mara", "Repeat buyers", consenting, removed]]
