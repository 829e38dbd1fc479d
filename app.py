"""Customer Genome: the Streamlit app's router. Pages live in app_pages/.

Not `pages/`: Streamlit runs a folder of that name beside the main script as an
old-style multipage app until the router has run once, so the first visitor
after a restart who opened a bookmarked page would bypass the router (its
navigation and the sign-in).
"""

from pathlib import Path

import streamlit as st

from ui.signin import account_box, change_password_form, idle_watch, pending_page, sign_in_form, signed_in_user

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Customer Genome", page_icon=":material/genetics:", layout="wide")

PAGE_DEFS = {
    "home": dict(title="Home", icon=":material/home:", default=True),
    "customer": dict(title="Customer", icon=":material/person_search:"),
    "catalog": dict(title="Gene catalog", icon=":material/genetics:"),
    "segments": dict(title="Segment builder", icon=":material/group_work:"),
    "studio": dict(title="Creative studio", icon=":material/palette:"),
    "campaigns": dict(title="Campaigns", icon=":material/campaign:"),
    "reports": dict(title="Campaign reports", icon=":material/insights:"),
    "models": dict(title="Model cards", icon=":material/model_training:"),
    "audit": dict(title="Audit log", icon=":material/policy:"),
}


def _no_pages() -> None:
    """Every page known, none listed: a bookmarked address is found (and opened after sign-in), and the
    sidebar drops the links of whoever used this tab before."""
    st.navigation([st.Page(PAGES / f"{name}.py", **PAGE_DEFS[name]) for name in PAGE_DEFS], position="hidden")


user = signed_in_user()
if user is None:
    _no_pages()
    sign_in_form()
    st.stop()
if user.must_change_password:
    _no_pages()
    change_password_form(user)
    st.stop()
account_box(user)
idle_watch()
# What each role is offered; the domain functions check the role again whatever a page shows.
ROLE_PAGES = {
    "marketer": ("home", "catalog", "segments", "studio", "campaigns", "reports", "models", "customer"),
    "service": ("home", "customer", "catalog"),
    "manager": ("home", "reports", "catalog", "segments", "models"),
    "admin": ("home", "customer", "catalog", "segments", "studio", "campaigns", "reports", "models", "audit"),
}
pages = {name: st.Page(PAGES / f"{name}.py", **PAGE_DEFS[name]) for name in ROLE_PAGES[user.role]}
navigation = st.navigation(list(pages.values()))
if (asked := pending_page()) in pages and asked != "home":
    st.switch_page(pages[asked])  # the bookmarked page, now that its user has signed in
navigation.run()
