"""Page-test fixtures: one Streamlit page run by AppTest over a store of the test's choosing."""

from pathlib import Path

import pytest
from helpers import sign_in_as
from streamlit.testing.v1 import AppTest

from store.settings import get_settings

PAGES = Path(__file__).resolve().parents[2] / "app_pages"


@pytest.fixture
def page_at(monkeypatch):
    """`page_at("segments.py", db)`: an AppTest of that page reading the store at `db`, signed in as a marketer
    (`helpers.sign_in_as` changes the role)."""
    def make(page: str, db: Path, *, role: str = "marketer") -> AppTest:
        monkeypatch.setenv("GENOME_DB", str(db))
        get_settings.cache_clear()
        return sign_in_as(AppTest.from_file(str(PAGES / page), default_timeout=60), role)
    yield make
    get_settings.cache_clear()
