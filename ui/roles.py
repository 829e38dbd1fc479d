"""Who is using the app: the role decides what a page offers and what the domain functions allow.

Until sign-in arrives the user picks their role in the sidebar; pages ask
`current_role()` and `may(...)` instead of reading session state directly,
and pass `current_role()` to domain functions that check it themselves
(`genome.access`).
"""

import streamlit as st

from genome.access import ROLES, allowed, denial
from ui import state

DEFAULT_ROLE = "marketer"


def refusal(action: str, doing: str) -> str:
    """Why the current role cannot do `action`, in the words a page shows."""
    return denial(current_role(), action, doing=doing)


def current_role() -> str:
    return st.session_state.get(state.ROLE, DEFAULT_ROLE)


def current_actor() -> str:
    """Who is using the app, for the audit log: the name given in this session, else the role alone."""
    return st.session_state.get(state.ACTOR) or f"unnamed {current_role()}"


def may(action: str) -> bool:
    return allowed(current_role(), action)


def role_picker() -> None:
    # radio buttons, not a select box: a select box drawn before a page's figures holds them back in the
    # browser until its own code has loaded
    st.sidebar.radio("Working as", ROLES, index=ROLES.index(current_role()), key=state.ROLE,
                     format_func=str.capitalize)
