"""Who is using the app: the role decides what a page offers (refitting, personal data).

Until sign-in arrives the user picks their role in the sidebar; pages ask
`current_role()` and `may(...)` instead of reading session state directly.
"""

import streamlit as st

from ui import state

ROLES = ("marketer", "service", "manager", "admin")
DEFAULT_ROLE = "marketer"
# What each action needs.
PERMISSIONS = {"refit_models": {"marketer", "admin"}}


def current_role() -> str:
    return st.session_state.get(state.ROLE, DEFAULT_ROLE)


def may(action: str) -> bool:
    return current_role() in PERMISSIONS[action]


def role_picker() -> None:
    st.sidebar.selectbox("Working as", ROLES, index=ROLES.index(current_role()), key=state.ROLE,
                         format_func=str.capitalize)
