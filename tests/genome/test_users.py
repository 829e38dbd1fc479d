"""Accounts: argon2id hashes, one-time passwords, a lock after five failures, disabled accounts, all audited."""

from datetime import UTC, datetime, timedelta

import pytest

from genome.audit import entries, verify
from genome.errors import InputError, Refused
from genome.users import (
    LOCKOUT, MAX_FAILURES, SignInRefused, acting, add_account, change_password, ensure_administrator,
    ensure_demo_accounts, get_account, in_force, reset_password, set_disabled, sign_in,
)
from store.meta import session

GOOD = "correct horse battery staple"


@pytest.fixture
def meta(meta_url):
    with session(meta_url) as s:
        yield s


def test_a_password_is_stored_only_as_an_argon2id_hash(meta):
    account, generated = add_account(meta, name="sam", role="service", password=GOOD, by="shell:root")
    assert generated is None and not account.must_change_password
    assert account.password_hash.startswith("$argon2id$") and GOOD not in account.password_hash
    assert sign_in(meta, name="sam", password=GOOD).role == "service"


@pytest.mark.parametrize("password, problem", [("short pass", "at least 12 characters"),
                                               ("aaaaaaaaaaaaaa", "too easy to guess")])
def test_weak_passwords_are_refused_with_the_reason(meta, password, problem):
    with pytest.raises(InputError, match=problem):
        add_account(meta, name="sam", role="service", password=password, by="shell:root")
    assert get_account(meta, name="sam") is None


def test_names_roles_and_duplicates_are_checked(meta):
    with pytest.raises(InputError, match="without spaces"):
        add_account(meta, name="sam smith", role="service", password=GOOD, by="shell:root")
    with pytest.raises(InputError, match="'owner' is not a role"):
        add_account(meta, name="sam", role="owner", password=GOOD, by="shell:root")
    add_account(meta, name="sam", role="service", password=GOOD, by="shell:root")
    with pytest.raises(InputError, match="already a user named 'sam'"):
        add_account(meta, name="sam", role="admin", password=GOOD, by="shell:root")


def test_the_first_administrator_gets_a_one_time_password_that_must_be_changed(meta):
    name, password = ensure_administrator(meta, by="shell:root")
    assert name == "admin" and len(password) >= 16
    assert ensure_administrator(meta, by="shell:root") is None  # once only
    first = sign_in(meta, name="admin", password=password)
    assert first.must_change_password
    with pytest.raises(SignInRefused, match="current password is not right"):
        change_password(meta, name="admin", old="not the one-time password", new=GOOD)
    with pytest.raises(InputError, match="at least 12"):
        change_password(meta, name="admin", old=password, new="tiny")
    changed = change_password(meta, name="admin", old=password, new=GOOD)
    assert not changed.must_change_password
    with pytest.raises(SignInRefused):
        sign_in(meta, name="admin", password=password)  # the one-time password is gone
    assert sign_in(meta, name="admin", password=GOOD).role == "admin"


def test_the_demo_gets_one_account_per_role_each_with_its_own_password(meta):
    added = ensure_demo_accounts(meta, by="shell:root")
    assert sorted(role for _, role, _ in added) == ["manager", "marketer", "service"]
    assert len({password for _, _, password in added}) == 3
    assert ensure_demo_accounts(meta, by="shell:root") == []


def test_five_failures_lock_the_account_for_fifteen_minutes_even_with_the_right_password(meta):
    add_account(meta, name="sam", role="service", password=GOOD, by="shell:root")
    now = datetime.now(UTC)
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(SignInRefused, match="wrong user name or password"):
            sign_in(meta, name="sam", password="guess guess guess", now=now)
    with pytest.raises(SignInRefused, match="locked until"):
        sign_in(meta, name="sam", password="guess guess guess", now=now)
    with pytest.raises(SignInRefused, match="locked until"):
        sign_in(meta, name="sam", password=GOOD, now=now + LOCKOUT - timedelta(seconds=1))
    assert sign_in(meta, name="sam", password=GOOD, now=now + LOCKOUT + timedelta(seconds=1)).name == "sam"
    failed = [e for e in entries(meta, action="failed sign-in")]
    assert len(failed) == MAX_FAILURES + 1 and failed[-1].detail == "account locked"
    assert [e.action for e in entries(meta)][-1] == "sign-in" and verify(meta).intact


def test_a_success_clears_the_count_of_failures(meta):
    add_account(meta, name="sam", role="service", password=GOOD, by="shell:root")
    for _ in range(2):
        for _ in range(MAX_FAILURES - 1):
            with pytest.raises(SignInRefused):
                sign_in(meta, name="sam", password="guess guess guess")
        sign_in(meta, name="sam", password=GOOD)  # never five in a row: never locked


def test_an_unknown_name_reads_like_a_wrong_password(meta):
    with pytest.raises(SignInRefused, match="^wrong user name or password$"):
        sign_in(meta, name="nobody", password=GOOD)
    assert entries(meta)[-1].detail == "unknown user name"


def test_a_reset_lifts_the_lock_with_a_new_one_time_password(meta):
    add_account(meta, name="sam", role="service", password=GOOD, by="shell:root")
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            sign_in(meta, name="sam", password="guess guess guess")
    password = reset_password(meta, name="sam", by="shell:root")
    assert sign_in(meta, name="sam", password=password).must_change_password


def test_a_disabled_account_cannot_sign_in_or_act_and_the_last_admin_stays(meta):
    add_account(meta, name="ada", role="admin", password=GOOD, by="shell:root")
    add_account(meta, name="sam", role="service", password=GOOD, by="shell:root")
    with pytest.raises(Refused, match="only active administrator"):
        set_disabled(meta, name="ada", disabled=True, by="shell:root")
    set_disabled(meta, name="sam", disabled=True, by="shell:root")
    with pytest.raises(SignInRefused, match="disabled"):
        sign_in(meta, name="sam", password=GOOD)
    assert in_force(meta, name="sam") is None
    with pytest.raises(Refused, match="disabled"):
        acting(meta, name="sam")
    set_disabled(meta, name="sam", disabled=False, by="shell:root")
    assert in_force(meta, name="sam").role == "service"
    changes = [(e.actor, e.target, e.detail) for e in entries(meta, action="account change")]
    assert changes[-2:] == [("shell:root", "sam", "disabled"), ("shell:root", "sam", "enabled")]


def test_an_identity_provider_account_takes_its_role_from_the_claim():
    from genome.users import identity_provider_actor

    actor = identity_provider_actor({"email": "ana@shop.example", "sub": "x1", "genome_role": "Service"},
                                    role_claim="genome_role")
    assert (actor.name, actor.role) == ("ana@shop.example", "service")
    several = identity_provider_actor({"sub": "x2", "groups": ["staff", "marketer", "admin"]}, role_claim="groups")
    assert (several.name, several.role) == ("x2", "admin")
    with pytest.raises(SignInRefused, match="no Customer Genome role: ask for the claim 'genome_role'"):
        identity_provider_actor({"email": "eve@shop.example", "genome_role": "owner"}, role_claim="genome_role")
    with pytest.raises(SignInRefused, match="no e-mail or subject"):
        identity_provider_actor({"genome_role": "admin"}, role_claim="genome_role")
