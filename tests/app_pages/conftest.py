"""Page-test fixtures: one Streamlit page run by AppTest over a store of the test's choosing."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from store.settings import get_settings

PAGES = Path(__file__).resolve().parents[2] / "app_pages"


@pytest.fixture
def page_at(monkeypatch):
    """`page_at("segments.py", db)`: an AppTest of that page reading the store at `db`."""
    def make(page: str, db: Path) -> AppTest:
        monkeypatch.setenv("GENOME_DB", str(db))
        get_settings.cache_clear()
        return AppTest.from_file(str(PAGES / page), default_timeout=60)
    yield make
    get_settings.cache_clear()
