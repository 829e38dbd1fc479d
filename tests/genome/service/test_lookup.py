"""Service staff find a customer by whatever the caller gives: exact identifiers at once, parts as a short list."""

import pytest

from genome.errors import UnknownCustomer
from genome.service.lookup import find_customers


@pytest.fixture
def person(demo):
    """A customer with an e-mail and a phone, and their values."""
    return demo.execute("""
        SELECT customer_id, max(value) FILTER (WHERE kind = 'email'), max(value) FILTER (WHERE kind = 'phone')
        FROM identifiers GROUP BY customer_id
        HAVING count(*) FILTER (WHERE kind = 'email') = 1 AND count(*) FILTER (WHERE kind = 'phone') = 1
        ORDER BY customer_id LIMIT 1""").fetchone()


def test_an_e_mail_in_any_case_finds_its_customer_exactly(demo, person):
    customer_id, email, _ = person
    found = find_customers(demo, f"  {email.upper()} ", reveal=True)
    assert [(m.customer_id, m.kind, m.value, m.exact) for m in found] == [(customer_id, "email", email, True)]


def test_a_phone_written_as_people_write_it_finds_its_customer(demo, person):
    customer_id, _, phone = person  # stored as E.164, +1XXXXXXXXXX
    local = f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"
    assert [m.customer_id for m in find_customers(demo, local)] == [customer_id]


def test_part_of_an_e_mail_lists_everyone_it_fits_with_contacts_masked_unless_revealed(demo, person):
    _, email, _ = person
    part = email.split("@")[0][1:6]
    expected = {r[0] for r in demo.execute(
        "SELECT customer_id FROM identifiers WHERE kind = 'email' AND contains(lower(value), lower(?))", [part]
    ).fetchall()}
    masked = find_customers(demo, part, limit=1000)
    assert {m.customer_id for m in masked} >= expected and not any(m.exact for m in masked)
    assert all(m.value.count("***") == 1 for m in masked if m.kind == "email")
    revealed = find_customers(demo, part, reveal=True, limit=1000)
    assert all(part.lower() in m.value.lower() for m in revealed if m.kind == "email")


def test_part_of_a_customer_id_lists_the_customers_whose_id_holds_it(demo, person):
    customer_id, _, _ = person
    part = customer_id[:4].lower()  # "C018": the start of a pseudonymous id, in any case
    expected = {r[0] for r in demo.execute("SELECT customer_id FROM customers WHERE customer_id ILIKE ?",
                                           [f"%{part}%"]).fetchall()}
    found = find_customers(demo, part, limit=1000)
    assert customer_id in expected and {m.customer_id for m in found} >= expected
    assert all(not m.exact for m in found)


def test_wildcards_are_letters_not_patterns(demo):
    assert find_customers(demo, "%%%") == [] and find_customers(demo, "___") == []


def test_too_short_a_part_or_nothing_at_all_says_what_to_type(demo):
    assert find_customers(demo, "zq") == []  # two characters: only exact identifiers are looked up
    with pytest.raises(UnknownCustomer, match="type an e-mail"):
        find_customers(demo, "   ")
