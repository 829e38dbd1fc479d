"""The segment builder page: drops become conditions, and the preview shows the exact audience."""

import shutil

import pytest

from genome.segments.audience import count
from genome.segments.text import parse
from store.duck import connect
from ui.state import SEG_SORTABLES


@pytest.fixture
def db(demo_db, tmp_path):
    copy = tmp_path / "genome.duckdb"  # saved segments and exports land beside it
    shutil.copy(demo_db, copy)
    return copy


@pytest.fixture
def page(page_at, db):
    return page_at("segments.py", db)


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
    headers += [h for h in moves if h not in headers]  # groups the marketer added
    at.session_state[key] = [{"header": h, "items": moves.get(h, [])} for h in headers]
    return at.run()


def click(at, label: str):
    return at.button[[b.label for b in at.button].index(label)].click().run()


def save(at, name: str, owner: str = "mara"):
    at.text_input(key="seg_save_name").input(name)
    at.text_input(key="seg_owner").input(owner)
    return click(at, "Save as new version")


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
    at = click(at, "Apply text")
    assert at.code[0].value == "repeat_buyer AND clv_12m IN TOP 10%"
    assert audience(at) == f"{exact(db, 'repeat_buyer AND clv_12m IN TOP 10%'):,}"
    at.text_area(key="seg_text").input("repeat_buyr")
    at = click(at, "Apply text")
    assert any("unknown gene 'repeat_buyr'" in e.value for e in at.error)


def test_saving_lists_the_segment_with_its_size(page, db):
    at = save(drop(page.run(), {"Must have all": ["repeat_buyer"]}), "Repeat buyers")
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


def test_a_store_without_a_genome_says_what_to_run(page_at, tmp_path):
    at = page_at("segments.py", tmp_path / "missing.duckdb").run()
    assert "genome build" in at.info[0].value


def test_an_export_removes_customers_without_consent_and_is_logged(page, db):
    at = save(drop(page.run(), {"Must have all": ["repeat_buyer"]}), "Repeat buyers")
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


def test_a_group_added_by_button_holds_its_own_alternatives(page, db):
    at = page.run()
    at.selectbox(key="seg_group_kind").set_value("any").run()
    at.button(key="seg_add_group").click().run()
    at = drop(at, {"Must have all": ["active_90d"], "Group 1": ["repeat_buyer", "email_engaged"]})
    assert not at.exception
    rule = "active_90d AND (repeat_buyer OR email_engaged)"
    assert at.code[0].value == rule
    assert audience(at) == f"{exact(db, rule):,}"


def test_a_numeric_gene_switches_to_a_range_and_to_a_top_share(page, db):
    at = drop(page.run(), {"Must have all": ["clv_12m"]})
    at.radio(key="seg_condition::clv_12m::mode").set_value("between").run()
    at.number_input(key="seg_condition::clv_12m::low").set_value(100.0).run()
    at.number_input(key="seg_condition::clv_12m::high").set_value(500.0).run()
    assert at.code[0].value == "clv_12m BETWEEN 100 AND 500"
    assert audience(at) == f"{exact(db, 'clv_12m BETWEEN 100 AND 500'):,}"
    at.radio(key="seg_condition::clv_12m::mode").set_value("top %").run()
    at.number_input(key="seg_condition::clv_12m::top").set_value(10.0).run()
    assert at.code[0].value == "clv_12m IN TOP 10%"
    assert audience(at) == f"{exact(db, 'clv_12m IN TOP 10%'):,}"


def test_a_category_gene_gets_a_value_picker(page, db):
    at = drop(page.run(), {"Must have all": ["home_city"]})
    picker = at.multiselect(key="seg_condition::home_city::values")
    assert len(picker.value) == 1  # the commonest city to start with
    two = sorted(picker.options)[:2]
    picker.set_value(two).run()
    rule = "home_city IN (" + ", ".join(f"'{c}'" for c in two) + ")"
    assert at.code[0].value == rule
    assert audience(at) == f"{exact(db, rule):,}"


def test_an_event_window_goes_into_the_container_chosen(page, db):
    at = page.run()
    at.selectbox(key="seg_event_into").set_value("Exclude")
    at.number_input(key="seg_event_to").set_value(90)
    click(at, "Add the window")
    rule = "NOT COUNT(purchase, LAST 90 DAYS) >= 1"
    assert at.code[0].value == rule
    assert audience(at) == f"{exact(db, rule):,}"


def test_two_saved_versions_are_compared_by_who_enters_and_who_leaves(page, db):
    at = drop(page.run(), {"Must have all": ["repeat_buyer"]})
    at = save(at, "Loyal")
    at = drop(at, {"Must have all": ["repeat_buyer", "email_engaged"]})
    at = save(at, "Loyal")
    assert any("Saved Loyal v2" in s.value for s in at.success)
    leave = next(m.value for m in at.metric if m.label == "Leave")
    assert leave == f"{exact(db, 'repeat_buyer AND NOT email_engaged'):,}"
    assert next(m.value for m in at.metric if m.label == "Enter") == "0"
    at = save(at, "Loyal")
    assert any("Nothing changed since Loyal v2" in i.value for i in at.info)


def test_why_in_or_out_traces_one_customer_and_near_misses_count_the_rest(page, db):
    at = drop(page.run(), {"Must have all": ["repeat_buyer"], "Exclude": ["lapsed_90d"]})
    con = connect(db, read_only=True)
    try:
        customer = con.execute("SELECT customer_id FROM customer_genes WHERE repeat_buyer AND lapsed_90d "
                               "ORDER BY customer_id LIMIT 1").fetchone()[0]
    finally:
        con.close()
    at.text_input(key="seg_why_customer").input(customer).run()
    steps = next(d.value for d in at.dataframe if "holds" in d.value.columns)
    assert steps["holds"].tolist() == ["❌", "✅", "❌", "✅"]  # all; repeat_buyer; NOT (...); lapsed_90d
    misses = next(d.value for d in at.dataframe if "customers" in d.value.columns and "condition" in d.value.columns
                  and len(d.value) == 2)
    assert misses["customers"].tolist() == [exact(db, "NOT repeat_buyer AND NOT lapsed_90d"),
                                            exact(db, "repeat_buyer AND lapsed_90d")]
