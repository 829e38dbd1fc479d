"""Who is using the app: the role decides what a page offers (refitting, personal data).

Until sign-in arrives the user picks their role in the sidebar; pages ask
`current_role()` and `may(...)` instead of reading session state directly.
"""

import streamlit as st

from ui import state

ROLES = ("marketer", "service", "manager", "admin")
DEFAULT_ROLE = "marketer"
# What each action needs.
PERMISSIONS = {
    "refit_models": {"marketer", "admin"},
    "save_segments": {"marketer", "admin"},
    # an export carries hashed e-mails and phones out of the product
    "export_audiences": {"marketer", "admin"},
}


def refusal(action: str, doing: str) -> str:
    """Why the current role cannot do `action`, in the words a page shows."""
    allowed = " and ".join(sorted(f"{r}s" for r in PERMISSIONS[action]))
    return f"{doing} is for {allowed}; you are working as {current_role()}."


def current_role() -> str:
    return st.session_state.get(state.ROLE, DEFAULT_ROLE)


def may(action: str) -> bool:
    return current_role() in PERMISSIONS[action]


def role_picker() -> None:
    # radio buttons, not a select box: a select box drawn before a page's figures holds them back in the
    # browser until its own code has loaded
    st.sidebar.radio("Working as", ROLES, index=ROLES.index(current_role()), key=state.ROLE,
                     format_func=str.capitalize)
