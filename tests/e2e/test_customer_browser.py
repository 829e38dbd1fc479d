import os
import tempfile
from pathlib import Path

import pytest
from e2e.serving import open_signed_in
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("GENOME_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(scope="module")
def person(demo_db):
    """A customer with one e-mail, one phone and events on more than one channel."""
    from store.duck import connect

    con = connect(demo_db, read_only=True)
    try:
        return con.execute("""
            SELECT i.customer_id, max(i.value) FILTER (WHERE i.kind = 'email'),
                   (SELECT count(*) FROM customer_events e WHERE e.customer_id = i.customer_id AND e.channel = 'web'),
                   max(i.value) FILTER (WHERE i.kind = 'phone')
            FROM identifiers i GROUP BY i.customer_id
            HAVING count(*) FILTER (WHERE i.kind = 'email') = 1 AND count(*) FILTER (WHERE i.kind = 'phone') = 1
               AND (SELECT count(DISTINCT channel) FROM customer_events e WHERE e.customer_id = i.customer_id) >= 3
               AND (SELECT count(*) FROM customer_events e WHERE e.customer_id = i.customer_id AND e.channel = 'web')
                   BETWEEN 1 AND 20
            ORDER BY 1 LIMIT 1""").fetchone()
    finally:
        con.close()


def _national(e164: str) -> str:
    """+13125550142 as a caller reads it out: (312) 555-0142."""
    digits = e164[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def _open_profile(page, identifier: str, customer_id: str) -> None:
    page.get_by_role("link", name="Customer").click()
    search = page.get_by_role("textbox", name="Find a customer")
    expect(search).to_be_visible(timeout=30_000)
    search.fill(identifier)
    search.press("Enter")
    expect(page.get_by_role("heading", name=f"Customer {customer_id}")).to_be_visible(timeout=30_000)


def test_service_staff_sign_in_find_a_customer_by_phone_and_filter_their_timeline(page, app_url, person):
    customer_id, email, web_events, phone = person
    open_signed_in(page, app_url, "sam")
    _open_profile(page, _national(phone), customer_id)
    expect(page.get_by_text("Next best action:")).to_be_visible()
    page.get_by_role("tab", name="Identities and consent").click()
    # e-mails and phones in full for service staff
    expect(page.get_by_test_id("stTable").first).to_contain_text(email, timeout=20_000)
    expect(page.get_by_test_id("stTable").first).to_contain_text(phone)
    page.screenshot(path=str(SHOTS / "customer-service.png"))
    page.get_by_role("tab", name="Timeline").click()
    page.get_by_test_id("stSelectbox").filter(has_text="Channel").click()
    page.get_by_role("option", name="web", exact=True).click()
    expect(page.get_by_text(f"{web_events:,} events on web, newest first")).to_be_visible(timeout=20_000)


def test_a_marketer_sees_the_same_profile_with_e_mails_and_phones_masked(page, app_url, person):
    customer_id, email, _, phone = person
    open_signed_in(page, app_url, "mara")
    _open_profile(page, email, customer_id)
    expect(page.get_by_text("e-mails and phones masked for your role")).to_be_visible()
    page.get_by_role("tab", name="Identities and consent").click()
    identities = page.get_by_test_id("stTable").first
    expect(identities).to_contain_text(f"{email[0]}***@{email.split('@')[1]}", timeout=20_000)
    page.screenshot(path=str(SHOTS / "customer-marketer.png"))
    shown = identities.inner_text()
    assert email not in shown and phone not in shown and phone[-4:] in shown


def test_a_manager_is_not_offered_the_customer_page(page, app_url):
    open_signed_in(page, app_url, "max")
    expect(page.get_by_role("link", name="Model cards")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="Customer")).to_have_count(0)
