"""Who may do what: roles and the actions they allow, checked in the domain functions themselves.

Pages build their navigation from the same table, but a page hiding a button
is not a check: the function that reads a profile, reveals contact details
or changes consent asks `require(role, action)` with the acting person's
role and refuses with `AccessDenied` when it does not allow it.
"""

from store.errors import Refused

ROLES = ("marketer", "service", "manager", "admin")
ROLE_WORDS = {"marketer": "marketers", "service": "service staff", "manager": "managers", "admin": "administrators"}
# action -> the roles that may take it
PERMISSIONS = {
    "refit_models": {"marketer", "admin"},
    "save_segments": {"marketer", "admin"},
    # an export carries hashed e-mails and phones out of the product
    "export_audiences": {"marketer", "admin"},
    # one customer's whole profile: events, consent, genes (marketers see e-mails and phones masked)
    "read_profiles": {"service", "marketer", "admin"},
    # e-mails and phones in full (everyone else sees them masked)
    "reveal_contacts": {"service", "admin"},
    "change_consent": {"service", "admin"},
    "read_audit": {"admin"},
    # the asset library and templates of the creative studio
    "edit_creatives": {"marketer", "admin"},
    # campaigns: plan, send, and the reports that measure them
    "run_campaigns": {"marketer", "admin"},
    "read_reports": {"manager", "marketer", "admin"},
    # every trace of a customer, for good
    "erase_customers": {"admin"},
}


class AccessDenied(Refused):
    """The acting role may not take this action."""


def who_may(action: str) -> str:
    """The roles that may take `action`, in words: "marketers, service staff and administrators"."""
    words = [ROLE_WORDS[r] for r in ROLES if r in PERMISSIONS[action]]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def denial(role: str, action: str, *, doing: str) -> str:
    """Why `role` may not take `action`: "Exporting audiences is for marketers and administrators; you are ..."."""
    return f"{doing} is for {who_may(action)}; you are working as {role}."


def allowed(role: str, action: str) -> bool:
    return role in PERMISSIONS[action]


def require(role: str, action: str, *, doing: str) -> None:
    """Refuse `doing` (in words, e.g. "Reading a customer's profile") unless `role` may take `action`."""
    if role not in ROLES:
        raise AccessDenied(f"{role!r} is not a role: one of {', '.join(ROLES)}")
    if not allowed(role, action):
        raise AccessDenied(denial(role, action, doing=doing))
