"""Customer Genome: the Streamlit app's router. Pages live in app_pages/.

Not `pages/`: Streamlit runs a folder of that name beside the main script as an
old-style multipage app until the router has run once, so the first visitor
after a restart who opened a bookmarked page would bypass the router (its
navigation and the role picker).
"""

from pathlib import Path

import streamlit as st

from ui.roles import current_role, role_picker

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Customer Genome", page_icon=":material/genetics:", layout="wide")

role_picker()
# What each role is offered; the domain functions check the role again whatever a page shows.
ROLE_PAGES = {
    "marketer": ("home", "catalog", "segments", "models", "customer"),
    "service": ("home", "customer", "catalog"),
    "manager": ("home", "catalog", "segments", "models"),
    "admin": ("home", "customer", "catalog", "segments", "models", "audit"),
}
PAGE_DEFS = {
    "home": dict(title="Home", icon=":material/home:", default=True),
    "customer": dict(title="Customer", icon=":material/person_search:"),
    "catalog": dict(title="Gene catalog", icon=":material/genetics:"),
    "segments": dict(title="Segment builder", icon=":material/group_work:"),
    "models": dict(title="Model cards", icon=":material/model_training:"),
    "audit": dict(title="Audit log", icon=":material/policy:"),
}
navigation = st.navigation([st.Page(PAGES / f"{name}.py", **PAGE_DEFS[name]) for name in ROLE_PAGES[current_role()]])
navigation.run()
