import pytest
from e2e.serving import open_signed_in
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def person(demo_db):
    """A customer with an e-mail and events on more than one channel."""
    from store.duck import connect

    con = connect(demo_db, read_only=True)
    try:
        return con.execute("""
            SELECT i.customer_id, max(i.value) FILTER (WHERE i.kind = 'email'),
                   (SELECT count(*) FROM customer_events e WHERE e.customer_id = i.customer_id AND e.channel = 'web')
            FROM identifiers i GROUP BY i.customer_id
            HAVING count(*) FILTER (WHERE i.kind = 'email') = 1
               AND (SELECT count(DISTINCT channel) FROM customer_events e WHERE e.customer_id = i.customer_id) >= 3
               AND (SELECT count(*) FROM customer_events e WHERE e.customer_id = i.customer_id AND e.channel = 'web')
                   BETWEEN 1 AND 20
            ORDER BY 1 LIMIT 1""").fetchone()
    finally:
        con.close()


def test_service_staff_find_a_customer_by_e_mail_and_filter_their_timeline(page, app_url, person):
    customer_id, email, web_events = person
    open_signed_in(page, app_url, "sam")
    page.get_by_role("link", name="Customer").click()
    search = page.get_by_role("textbox", name="Find a customer")
    expect(search).to_be_visible(timeout=30_000)
    search.fill(email.upper())
    search.press("Enter")
    expect(page.get_by_role("heading", name=f"Customer {customer_id}")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Next best action:")).to_be_visible()
    page.get_by_role("tab", name="Timeline").click()
    page.get_by_test_id("stSelectbox").filter(has_text="Channel").click()
    page.get_by_role("option", name="web", exact=True).click()
    expect(page.get_by_text(f"{web_events:,} events on web, newest first")).to_be_visible(timeout=20_000)


def test_a_manager_is_not_offered_the_customer_page(page, app_url):
    open_signed_in(page, app_url, "max")
    expect(page.get_by_role("link", name="Model cards")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Customer")).to_have_count(0)
