"""In a real browser: a store full of Markdown and HTML in its data makes no viewer's browser fetch anything."""

import http.server
import threading

import pytest
from e2e.serving import open_signed_in
from helpers import hostile_payloads, hostile_store
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


class Beacon(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the http.server hook
        Beacon.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def beacon():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Beacon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/beacon"
    server.shutdown()


def test_hostile_values_are_shown_as_text_and_fetch_nothing(page, app_server, beacon, tmp_path):
    db = hostile_store(tmp_path, beacon)
    payloads = hostile_payloads(beacon)
    Beacon.hits.clear()
    from store.duck import connect

    con = connect(db, read_only=True)
    city_gene = con.execute("SELECT name FROM gene_catalog WHERE name LIKE 'lives_in_%'").fetchone()[0]
    con.close()
    with app_server(db) as url:
        open_signed_in(page, f"{url}/catalog")
        search = page.get_by_label("Search name, label or description")
        expect(search).to_be_visible(timeout=30_000)
        search.fill(city_gene)
        search.press("Enter")
        # the heading is the gene's label, with the city written out as the text it is
        expect(page.get_by_role("heading", name=f"Lives in {payloads['city']}")).to_be_visible(timeout=20_000)
        expect(page.get_by_text(f"Lives in {payloads['city']}.", exact=True)).to_be_visible()

        open_signed_in(page, f"{url}/segments")
        expect(page.get_by_test_id("stMetric").filter(has_text="Audience")).to_be_visible(timeout=30_000)
        page.get_by_role("tab", name="Saved segments").click()
        expect(page.get_by_text("has one version", exact=False)).to_be_visible(timeout=20_000)
        text = page.get_by_role("textbox", name="Edit as text (experts)")
        text.fill(f"home_city = '{payloads['city']}'")
        page.get_by_role("button", name="Apply text").click()
        expect(page.get_by_test_id("stText").first).to_contain_text(payloads["city"], timeout=20_000)
        page.get_by_role("tab", name="Why in or out?").click()
        # a customer who lives in that city, shops at that store and buys that category, on the Customer page
        open_signed_in(page, f"{url}/customer")
        search = page.get_by_role("textbox", name="Find a customer")
        expect(search).to_be_visible(timeout=30_000)
        search.fill("person7@example.com")
        search.press("Enter")
        favourites = page.get_by_test_id("stMarkdown").filter(has_text="Favourite categories")
        expect(favourites).to_contain_text(payloads["category"], timeout=30_000)
        page.get_by_role("tab", name="Timeline").click()
        page.wait_for_timeout(1000)
        open_signed_in(page, url)
        expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1500)
    assert Beacon.hits == []
