"""The router lets nobody in without signing in, asks for a new password after a one-time one, builds each role's
navigation, and ends idle or disabled sessions."""

from pathlib import Path

import pytest
from helpers import STAFF_PASSWORD, staff
from streamlit.testing.v1 import AppTest

from genome.users import add_account, set_disabled
from store.meta import meta_url_for, session
from store.settings import get_settings

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def app(monkeypatch, tmp_path):
    db = staff(tmp_path / "genome.duckdb")  # accounts, and no store yet: the home page says how to make one
    monkeypatch.setenv("GENOME_DB", str(db))
    get_settings.cache_clear()
    yield lambda: AppTest.from_file(str(APP), default_timeout=30)
    get_settings.cache_clear()


def sign_in(at, name: str, password: str):
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    return at.button[0].click().run()


def test_nobody_sees_a_page_before_signing_in(app):
    at = app().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Customer Genome"] and at.subheader[0].value == "Sign in"
    assert not at.metric and not at.info and "user" not in at.session_state


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(app):
    at = sign_in(app().run(), "sam", "not the password")
    assert [e.value for e in at.error] == ["wrong user name or password"]
    at = sign_in(at, "sam", STAFF_PASSWORD)
    assert not at.exception and at.session_state["user"].role == "service"
    assert any("Signed in as **sam**" in c.value for c in at.sidebar.caption)


def test_a_one_time_password_must_be_replaced_before_any_page(app, tmp_path):
    with session(meta_url_for(tmp_path / "genome.duckdb")) as s:
        _, once = add_account(s, name="newbie", role="manager", by="shell:root")
    at = sign_in(app().run(), "newbie", once)
    assert at.title[0].value == "Choose your password" and not at.sidebar.caption
    at.text_input(key="current_password").input(once)
    at.text_input(key="new_password").input("a new long passphrase")
    at.text_input(key="new_password_again").input("a new long passphrase, typo")
    at = at.button[0].click().run()
    assert [e.value for e in at.error] == ["The two new passwords differ."]
    at.text_input(key="new_password_again").input("a new long passphrase")
    at = at.button[0].click().run()
    assert not at.exception and not at.session_state["user"].must_change_password
    assert any("Signed in as **newbie**" in c.value for c in at.sidebar.caption)


def test_an_idle_session_is_signed_out_with_the_reason(app):
    at = sign_in(app().run(), "mara", STAFF_PASSWORD)
    at.session_state["last_seen"] = at.session_state["last_seen"] - 31 * 60
    at = at.run()
    assert "user" not in at.session_state and at.subheader[0].value == "Sign in"
    assert at.info[0].value == "You were signed out after 30 minutes without activity."


def test_a_disabled_account_is_signed_out_at_its_next_step(app, tmp_path):
    at = sign_in(app().run(), "sam", STAFF_PASSWORD)
    with session(meta_url_for(tmp_path / "genome.duckdb")) as s:
        set_disabled(s, name="sam", disabled=True, by="shell:root")
    at = at.run()
    assert "user" not in at.session_state
    assert at.info[0].value == "Your account was disabled; ask an administrator."


def test_signing_out_returns_to_the_form(app):
    at = sign_in(app().run(), "ada", STAFF_PASSWORD)
    at = at.sidebar.button(key="sign_out").click().run()
    assert "user" not in at.session_state and at.subheader[0].value == "Sign in"


def test_a_configured_identity_provider_is_offered_beside_the_password(app):
    at = app()
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "genome", "client_secret": "s",
                          "server_metadata_url": "https://id.example/.well-known/openid-configuration"}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in", "Sign in with your company account"]
    assert [b.label for b in app().run().button] == ["Sign in"]  # not configured: the form alone


def test_the_sign_in_hint_names_shell_commands_that_exist():
    """The hint is read by someone locked out: every `genome …` command it names must be one the shell knows."""
    import re

    from typer.testing import CliRunner

    from genome.cli import app as cli

    at = AppTest.from_file(str(APP), default_timeout=30).run()
    hint = " ".join(c.value for c in at.caption)
    named = re.findall(r"`genome ([a-z-]+) ([a-z-]+)", hint)
    assert ("users", "first-run") in named and ("users", "reset") in named
    for group, command in named:
        assert CliRunner().invoke(cli, [group, command, "--help"]).exit_code == 0, (group, command)
