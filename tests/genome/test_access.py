"""Roles are checked in the domain functions, with messages that say who may."""

import pytest

from genome.access import PERMISSIONS, ROLES, AccessDenied, allowed, require
from genome.errors import GenomeError


def test_every_action_names_known_roles_only():
    assert all(roles <= set(ROLES) for roles in PERMISSIONS.values())


def test_a_refusal_names_the_roles_that_may_and_the_role_used():
    with pytest.raises(AccessDenied, match="^Reading a customer's profile is for marketers, service staff and "
                                           "administrators; you are working as manager.$"):
        require("manager", "read_profiles", doing="Reading a customer's profile")
    assert issubclass(AccessDenied, GenomeError)


def test_an_unknown_role_is_refused_rather_than_guessed():
    with pytest.raises(AccessDenied, match="'root' is not a role"):
        require("root", "read_profiles", doing="Reading")


def test_contacts_are_revealed_only_to_those_who_call_customers():
    assert {r for r in ROLES if allowed(r, "reveal_contacts")} == {"service", "admin"}
