"""Who is using the app: the signed-in account decides what a page offers and what the domain functions allow.

Pages ask `current_role()` and `may(...)` instead of reading session state
directly, and pass `current_actor()` and `current_role()` to domain functions
that check them again (`genome.access`). A page run without a signed-in
user (only possible by running the page file on its own) shows nothing.
"""

import streamlit as st

from genome.access import allowed, denial
from genome.users import Actor
from ui import state


def signed_in() -> Actor | None:
    return st.session_state.get(state.USER)


def current_user() -> Actor:
    """The signed-in account; without one the page ends with a sign-in message."""
    user = signed_in()
    if user is None:
        st.info("Sign in to use Customer Genome.", icon=":material/login:")
        st.stop()
    return user


def current_role() -> str:
    return current_user().role


def current_actor() -> str:
    """The signed-in user's name, for the audit log and as the author of what they save."""
    return current_user().name


def refusal(action: str, doing: str) -> str:
    """Why the current role cannot do `action`, in the words a page shows."""
    return denial(current_role(), action, doing=doing)


def may(action: str) -> bool:
    return allowed(current_role(), action)
