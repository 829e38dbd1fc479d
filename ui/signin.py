"""Signing in and out: the form, the first-sign-in password change, the idle sign-out.

The account and its password are checked by `genome.users` against the
metadata store; the session keeps only the signed-in `Actor`. At every run
the router asks `signed_in_user()`, which ends the session when the user was
idle too long or the account was disabled meanwhile, and picks up a role
changed by an administrator. A Streamlit session lives as long as its browser
tab: reloading the page asks to sign in again.

When Streamlit's OpenID Connect sign-in is configured ([auth] in
.streamlit/secrets.toml), the form also offers the company's identity
provider; the ID token's claim named by GENOME_OIDC_ROLE_CLAIM gives the role,
and such a person needs no account here.
"""

import time

import streamlit as st

from genome.audit import record
from genome.errors import GenomeError
from genome.users import Actor, change_password, identity_provider_actor, in_force, sign_in
from store.settings import get_settings
from ui import state
from ui.segments import metadata
from ui.text import md


def _sign_out(reason: str | None = None) -> None:
    for key in (state.USER, state.LAST_SEEN):
        st.session_state.pop(key, None)
    if reason:
        st.session_state[state.SIGNED_OUT_BECAUSE] = reason


def _idle_too_long() -> bool:
    last = st.session_state.get(state.LAST_SEEN)
    return last is not None and time.monotonic() - last > get_settings().idle_minutes * 60


def identity_provider_configured() -> bool:
    """Whether Streamlit's OpenID Connect sign-in is set up ([auth] in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _company_session() -> bool:
    """Whether the identity provider's session holds (its cookie); `get`, since only a served app has it."""
    return bool(st.user.get("is_logged_in", False))


def _from_identity_provider() -> Actor | None:
    """The person the company's identity provider signed in, once per session, audited; None when nobody is."""
    if not identity_provider_configured() or not _company_session():
        return None
    try:
        user = identity_provider_actor(st.user.to_dict(), role_claim=get_settings().oidc_role_claim)
    except GenomeError as exc:
        st.session_state[state.SIGNED_OUT_BECAUSE] = str(exc)
        return None
    with metadata() as s:
        record(s, actor=user.name, role=user.role, action="sign-in", target=user.name, detail="identity provider")
    return user


def signed_in_user() -> Actor | None:
    """The signed-in account as it stands now, or None (signing out an idle or disabled one)."""
    user = st.session_state.get(state.USER)
    if user is None:
        user = _from_identity_provider()
        if user is None:
            return None
        st.session_state[state.USER] = user
    if _idle_too_long():
        _sign_out(f"You were signed out after {get_settings().idle_minutes} minutes without activity.")
        if user.external:
            st.logout()
        return None
    if user.external:  # the identity provider decides: its session must still hold
        current = user if _company_session() else None
    else:
        with metadata() as s:
            current = in_force(s, name=user.name)
    if current is None:
        _sign_out("Your account was disabled; ask an administrator." if not user.external
                  else "Your company sign-in ended.")
        return None
    st.session_state[state.USER] = current
    st.session_state[state.LAST_SEEN] = time.monotonic()
    return current


@st.fragment(run_every=60)
def idle_watch() -> None:
    """Ends an idle session even when its tab is left open: the data leaves the screen too."""
    if _idle_too_long():
        st.rerun(scope="app")


def _requested_page() -> str:
    """The page named in the address the user opened (`/segments` -> "segments"), to open after signing in."""
    from urllib.parse import urlparse

    try:
        return urlparse(st.context.url or "").path.strip("/").rsplit("/", 1)[-1]
    except Exception:  # no browser address (a page test)
        return ""


def pending_page() -> str:
    """The page asked for before signing in, once (then "")."""
    return st.session_state.pop(state.PENDING_PAGE, "")


def sign_in_form() -> None:
    st.session_state.setdefault(state.PENDING_PAGE, _requested_page())
    st.title("Customer Genome")
    if reason := st.session_state.pop(state.SIGNED_OUT_BECAUSE, None):
        st.info(reason, icon=":material/logout:")
    with st.form("sign_in", border=True, width=420):
        st.subheader("Sign in")
        name = st.text_input("User name", key=state.SIGNIN_NAME, autocomplete="username")
        password = st.text_input("Password", type="password", key=state.SIGNIN_PASSWORD,
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if identity_provider_configured():
        if _company_session():  # signed in at the company, refused here (the reason is shown above)
            st.button("Sign out of the company account", on_click=st.logout)
        else:
            st.button("Sign in with your company account", icon=":material/badge:", on_click=st.login)
    if submitted:
        try:
            with metadata() as s:
                user = sign_in(s, name=name, password=password)
        except GenomeError as exc:
            st.error(md(exc), icon=":material/error:")
            return
        st.session_state[state.USER] = user
        st.session_state[state.LAST_SEEN] = time.monotonic()
        st.rerun()
    st.caption("No account? An administrator adds one with `genome users add NAME --role ROLE`. The first "
               "administrator's one-time password was printed once, by `genome users first-run` (which `make run` "
               "calls); a lost one is replaced with `genome users reset NAME`.")


def change_password_form(user: Actor) -> None:
    """Shown instead of every page until a one-time password has been replaced."""
    st.title("Choose your password")
    st.info(f"Welcome, {md(user.name)}. You signed in with a one-time password: choose your own before going on.",
            icon=":material/key:")
    with st.form("change_password", width=420):
        old = st.text_input("One-time password", type="password", key=state.CURRENT_PASSWORD,
                            autocomplete="current-password")
        new = st.text_input("New password (at least 12 characters)", type="password", key=state.NEW_PASSWORD,
                            autocomplete="new-password")
        again = st.text_input("New password again", type="password", key=state.NEW_PASSWORD_AGAIN,
                              autocomplete="new-password")
        submitted = st.form_submit_button("Save password", type="primary")
    if submitted:
        if new != again:
            st.error("The two new passwords differ.", icon=":material/error:")
            return
        try:
            with metadata() as s:
                st.session_state[state.USER] = change_password(s, name=user.name, old=old, new=new)
        except GenomeError as exc:
            st.error(md(exc), icon=":material/error:")
            return
        st.rerun()


def account_box(user: Actor) -> None:
    st.sidebar.caption(f"Signed in as **{md(user.name)}** · {md(user.role)}")
    if st.sidebar.button("Sign out", icon=":material/logout:", key="sign_out"):
        _sign_out()
        if user.external:
            st.logout()
        st.rerun()
