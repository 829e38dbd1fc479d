from pathlib import Path

import pytest
from helpers import sign_in_as, staff
from streamlit.testing.v1 import AppTest

from genome.overview import store_overview
from store.duck import connect
from store.settings import get_settings

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def store_at(monkeypatch):
    def point_to(path):
        monkeypatch.setenv("GENOME_DB", str(path))
        get_settings.cache_clear()
    yield point_to
    get_settings.cache_clear()


def test_home_page_shows_the_store_figures(store_at, demo_db):
    store_at(demo_db)
    con = connect(demo_db, read_only=True)
    overview = store_overview(con)
    con.close()
    at = sign_in_as(AppTest.from_file(str(APP), default_timeout=60), "marketer").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers"] == f"{overview.customers:,}"
    assert metrics["Events"] == f"{overview.events:,}"
    assert metrics["Quarantined rows"] == f"{overview.quarantined:,}"
    assert metrics["First event"] == f"{overview.first_event:%Y-%m-%d}"
    assert metrics["Last event"] == f"{overview.last_event:%Y-%m-%d}"
    assert len(at.get("plotly_chart")) == 2


def test_home_page_without_a_store_explains_how_to_create_one(store_at, tmp_path):
    store_at(staff(tmp_path / "missing.duckdb"))  # accounts exist before any data does
    at = sign_in_as(AppTest.from_file(str(APP), default_timeout=30), "marketer").run()
    assert not at.exception
    assert not at.metric
    assert "genome demo" in at.info[0].value


def test_home_page_of_an_empty_store_says_it_holds_no_events(store_at, tmp_path):
    connect(tmp_path / "empty.duckdb").close()
    store_at(staff(tmp_path / "empty.duckdb"))
    at = sign_in_as(AppTest.from_file(str(APP), default_timeout=30), "marketer").run()
    assert "holds no events" in at.info[0].value


def test_while_a_command_rewrites_the_store_pages_say_so_in_plain_words(store_at, demo_db, tmp_path):
    """Another process holds the store's write lock (as `genome build` does): no traceback, a plain message."""
    import shutil
    import subprocess
    import sys

    db = tmp_path / "genome.duckdb"
    staff(shutil.copy(demo_db, db))
    writer = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)"),
        str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        store_at(db)
        for page in ("app.py", "app_pages/catalog.py", "app_pages/segments.py", "app_pages/models.py"):
            at = sign_in_as(AppTest.from_file(str(APP.parent / page), default_timeout=30), "marketer").run()
            assert not at.exception, page
            assert any("being written by another process" in i.value for i in at.info), page
    finally:
        writer.kill()
        writer.wait()
