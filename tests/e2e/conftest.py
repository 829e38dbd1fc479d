"""Real-browser fixtures: the app served by Streamlit, driven by Playwright on Debian's chromium."""

import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from e2e.serving import CHROMIUM, CHROMIUM_FLAGS, serve


@contextmanager
def serve_app(db: Path, **settings: str):
    """The app on a free port over the store at `db` (and `settings` in its environment, `GENOME_...`), until the
    block ends; yields its address."""
    with serve(db, env=settings) as (url, _):
        yield url


@pytest.fixture(scope="session")
def app_server():
    """`serve` for tests that need the app over a store of their own."""
    return serve_app


@pytest.fixture(scope="session")
def app_url(demo_db):
    with serve_app(demo_db) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()
