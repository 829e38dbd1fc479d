"""The Customer page: service staff find a customer by anything they have and see what the shell says."""

import json
import re
from datetime import date

import pytest
from helpers import sign_in_as
from typer.testing import CliRunner

from genome.cli import app as cli


def plain(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown)


def identities(at):
    """The identities table, its cells as the reader sees them."""
    table = next(d.value for d in at.table if "linked by event" in d.value.columns)
    return table.map(lambda cell: plain(str(cell)))


@pytest.fixture
def page(page_at, fitted_demo):
    def make(role: str):
        at = page_at("customer.py", fitted_demo[0])
        sign_in_as(at, role)
        return at
    return make


@pytest.fixture(scope="module")
def person(fitted_demo):
    from store.duck import connect

    con = connect(fitted_demo[0], read_only=True)
    try:
        return con.execute("""
            SELECT customer_id, max(value) FILTER (WHERE kind = 'email') FROM identifiers GROUP BY 1
            HAVING count(*) FILTER (WHERE kind = 'email') = 1 AND count(*) >= 3 ORDER BY 1 LIMIT 1""").fetchone()
    finally:
        con.close()


def test_a_manager_is_told_who_may_read_profiles(page):
    at = page("manager").run()
    assert not at.exception
    assert [plain(i.value) for i in at.info] == [
        "Reading customer profiles is for marketers, service staff and administrators; you are working as manager."]
    assert not at.text_input


def test_an_empty_search_says_what_to_type(page):
    at = page("service").run()
    assert not at.exception and "Type what the caller gives you" in at.caption[0].value


def test_service_staff_open_a_profile_by_e_mail_and_see_the_figures_the_shell_prints(page, person, fitted_demo):
    customer_id, email = person
    at = page("service").run()
    at.text_input(key="customer_search").input(email.upper()).run()
    assert not at.exception
    assert plain(at.subheader[0].value) == f"Customer {customer_id}"
    shell = json.loads(CliRunner().invoke(cli, ["profile", email, "--as", "sam", "--json", "--db",
                                                str(fitted_demo[0])]).stdout)
    metrics = {m.label: m.value for m in at.metric}
    outlook = shell["outlook"]
    assert metrics["Expected 12-month value"] == f"${outlook['expected_value_12m']:,.0f}"
    assert metrics["Chance still active"] == f"{outlook['chance_active']:.0%}"
    assert metrics["Churn risk, 90 days"] == f"{outlook['churn_risk_90d']:.0%}"
    # each figure says how it is worked out, as the catalog does
    helps = {m.label: plain(m.help) for m in at.metric if m.help}
    assert helps["Chance still active"] == outlook["basis"]["p_alive"]
    assert helps["Expected 12-month value"].startswith("Expected value of the customer's purchases")
    assert "Published because" not in helps["Expected 12-month value"]
    day = date.fromisoformat(outlook["genome_day"])
    assert any(f"Last purchase {outlook['days_since_last_purchase']:,.0f} days before {day:%d %b %Y}" in plain(c.value)
               for c in at.caption)
    assert outlook["next_best_action"]["action"] in plain(at.info[0].value)
    assert email in set(identities(at)["value"])  # service staff see contacts in full
    # the genes are grouped under the catalog's family names, on the page and in the shell
    from genome.genes.labels import family_label

    headings = [f"{family_label(family)} ({len(genes)})" for family, genes in shell["genes"].items()]
    assert [plain(e.label) for e in at.expander][:len(headings)] == headings
    printed = CliRunner().invoke(cli, ["profile", email, "--as", "sam", "--db", str(fitted_demo[0])]).stdout
    assert all(f"\n{family_label(family)}: " in printed for family in shell["genes"])


def test_a_marketer_sees_the_same_customer_with_contacts_masked(page, person):
    customer_id, email = person
    at = page("marketer").run()
    at.text_input(key="customer_search").input(customer_id).run()
    assert not at.exception
    values = set(identities(at)["value"])
    assert email not in values and f"{email[0]}***@{email.split('@')[1]}" in values


def test_part_of_an_identifier_offers_the_matches_to_pick_from(page, person):
    _, email = person
    part = email.split("@")[1]  # a mail domain many customers share
    at = page("service").run()
    at.text_input(key="customer_search").input(part).run()
    assert not at.exception
    picker = at.selectbox(key="customer_pick")
    assert len(picker.options) > 1 and "customers match" in picker.label
    second = picker.options[1].split(" · ")[0]
    picker.set_value(second).run()
    assert plain(at.subheader[0].value) == f"Customer {second}"


def test_nobody_found_says_so_in_plain_words(page):
    at = page("service").run()
    at.text_input(key="customer_search").input("nobody-at-all@example.invalid").run()
    assert not at.exception
    assert "No customer has an identifier that is or contains" in plain(at.warning[0].value)


@pytest.fixture
def own_copy(page_at, fitted_demo, tmp_path):
    """The Customer page over a copy of the fitted demo, for tests that change it, with the person found."""
    import shutil

    from helpers import staff

    db = staff(shutil.copy(fitted_demo[0], tmp_path / "genome.duckdb"))

    def make(role: str, identifier: str):
        at = sign_in_as(page_at("customer.py", db), role)
        at.run()
        return at.text_input(key="customer_search").input(identifier).run()
    return make


def test_service_staff_record_a_refusal_and_see_it_as_the_consent_now(own_copy, person):
    customer_id, email = person
    at = own_copy("service", email)
    at.selectbox(key="consent_change_purpose").set_value("email")
    at.radio(key="consent_change_decision").set_value("refused")
    at.text_input(key="consent_change_reason").input("asked at the desk to stop e-mails")
    at = at.button[[b.label for b in at.button].index("Record decision")].click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.success] == [
        "Recorded: email refused. It counts from now for every export and message."]
    now = next(d.value for d in at.dataframe if list(d.value.columns) == ["purpose", "decision", "since"])
    assert now.set_index("purpose").loc["email", "decision"] == "refused"


def test_a_marketer_is_not_offered_the_consent_form(page, person):
    at = page("marketer").run()
    at.text_input(key="customer_search").input(person[1]).run()
    assert not at.exception and "Record decision" not in [b.label for b in at.button]


def test_an_administrator_erases_a_customer_after_typing_their_id(own_copy, person):
    customer_id, email = person
    at = own_copy("admin", email)
    at.text_input(key="erase_reason").input("erasure request 4411")
    at.text_input(key="erase_confirm").input("not the id")
    at = at.button[[b.label for b in at.button].index("Erase for good")].click().run()
    assert [e.value for e in at.error] == ["The customer id typed does not match: nothing was erased."]
    at.text_input(key="erase_confirm").input(customer_id)
    at = at.button[[b.label for b in at.button].index("Erase for good")].click().run()
    assert not at.exception and not at.error
    assert plain(at.success[0].value).startswith(f"Customer {customer_id} erased:")
    assert at.text_input(key="customer_search").value == ""
    at.text_input(key="customer_search").input(email).run()
    assert plain(at.warning[0].value).startswith("No customer has an identifier")


def test_service_staff_are_not_offered_erasure(page, person):
    at = page("service").run()
    at.text_input(key="customer_search").input(person[1]).run()
    assert not at.exception and "Erase for good" not in [b.label for b in at.button]
