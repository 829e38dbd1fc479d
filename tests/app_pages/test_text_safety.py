"""Data shown as text stays text: city, store, category and segment names never become Markdown or HTML."""

import re

import pytest
from helpers import hostile_payloads, hostile_store

BEACON = "http://127.0.0.1:9/beacon"
# An image or a link that Markdown would render, or an HTML tag: any of them unescaped is a failure.
LIVE = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\((?=http)|(?<!\\)<img|(?<!\\):red(?<!\\)\[")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    return hostile_store(tmp_path_factory.mktemp("hostile"), BEACON)


def rendered_markdown(at) -> list[str]:
    """Everything on the page that Streamlit reads as Markdown: bodies, captions, alerts, labels, help."""
    texts = [str(cell) for t in at.table for cell in [*t.value.columns, *t.value.to_numpy().ravel()]]
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "subheader", "title", "header"):
        texts += [e.value for e in getattr(at, kind)]
    for kind in ("metric", "expander", "tabs", "text_input", "selectbox", "multiselect", "radio", "button",
                 "number_input", "text_area", "checkbox"):
        for element in getattr(at, kind):
            texts += [str(getattr(element, "label", "")), str(getattr(element, "help", "") or "")]
    return texts


def live_markup(at) -> list[str]:
    return [t for t in rendered_markdown(at) if LIVE.search(t)]


def test_the_hostile_store_really_holds_the_payloads(hostile_db):
    from store.duck import connect

    con = connect(hostile_db, read_only=True)
    try:
        labels = [r[0] for r in con.execute("SELECT label FROM gene_catalog").fetchall()]
        descriptions = [r[0] for r in con.execute("SELECT description FROM gene_catalog").fetchall()]
    finally:
        con.close()
    payloads = hostile_payloads(BEACON)
    assert any(payloads["city"] in d for d in descriptions) and any(payloads["category"] in d for d in descriptions)
    assert any(payloads["store"] in label for label in labels)


@pytest.mark.parametrize("gene_like", ["lives_in", "bought_", "favours_store", "home_city"])
def test_the_catalog_shows_hostile_values_as_text(page_at, hostile_db, gene_like):
    at = page_at("catalog.py", hostile_db).run()
    name = next(o for o in at.selectbox(key="catalog_open_gene").options if gene_like in o)
    at.selectbox(key="catalog_open_gene").set_value(name.rsplit(" · ", 1)[-1]).run()
    assert not at.exception
    assert live_markup(at) == []


def test_the_segment_builder_shows_hostile_values_and_segment_names_as_text(page_at, hostile_db):
    payloads = hostile_payloads(BEACON)
    at = page_at("segments.py", hostile_db).run()
    at.text_area(key="seg_text").input(f"home_city = '{payloads['city']}' AND repeat_buyer")
    at = at.button[[b.label for b in at.button].index("Apply text")].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.session_state["seg_tab"] = "Save"
    at = at.run()
    at.text_input(key="seg_save_name").input(payloads["segment"] + " v2")
    at = at.button[[b.label for b in at.button].index("Save as new version")].click().run()
    assert any("Saved" in s.value for s in at.success), [e.value for e in [*at.error, *at.info]]
    assert live_markup(at) == []
    for tab in ("Saved segments", "Why in or out?"):
        at.session_state["seg_tab"] = tab
        at = at.run()
        assert live_markup(at) == [], tab
    at.text_input(key="seg_why_customer").input("person1@example.com").run()
    at.session_state["seg_tab"] = "Export"
    at = at.run()
    at.button(key="seg_export").click().run()
    assert not at.exception
    assert live_markup(at) == []
    assert any("rows for" in s.value for s in at.success), [e.value for e in [*at.error, *at.info]]


def test_the_home_page_shows_hostile_values_as_text(page_at, hostile_db):
    at = page_at("home.py", hostile_db).run()
    assert not at.exception
    assert live_markup(at) == []


def test_an_error_shows_the_commands_it_names_as_code_and_everything_else_as_text():
    from ui.text import with_commands

    shown = with_commands("'![x](http://h/b.png)' v1: consent comes from decisions staff record (`genome consent`)")
    assert shown == (r"\'\!\[x\]\(http\:\/\/h\/b\.png\)\' v1\: consent comes from decisions staff record "
                     r"\(` genome consent `\)")
    assert not LIVE.search(shown)
    # backticks in a value cannot open Markdown either: what they enclose becomes a code span, shown as written
    assert with_commands("segment `![x](http://h/b.png)` and `genome build`") == \
        "segment ` ![x](http://h/b.png) ` and ` genome build `"


def test_a_long_axis_label_is_cut_with_an_ellipsis_and_stays_literal_text():
    from ui.text import axis_text

    assert axis_text("Taste profile: REFRIGERATED, ORGANICS FRUIT & VEGETABLES, DOMESTIC WINE") == \
        "Taste profile: REFRIGERATED, ORGANICS F…"
    assert axis_text("<b>short</b>") == "&lt;b&gt;short&lt;/b&gt;"
    assert len(axis_text("x" * 100, limit=20)) == 20
