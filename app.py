"""Customer Genome: the Streamlit app's router. Pages live in app_pages/.

Not `pages/`: Streamlit runs a folder of that name beside the main script as an
old-style multipage app until the router has run once, so the first visitor
after a restart who opened a bookmarked page would bypass the router (its
navigation and the role picker).
"""

from pathlib import Path

import streamlit as st

from ui.roles import role_picker

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Customer Genome", page_icon=":material/genetics:", layout="wide")

role_picker()
navigation = st.navigation([
    st.Page(PAGES / "home.py", title="Home", icon=":material/home:", default=True),
    st.Page(PAGES / "catalog.py", title="Gene catalog", icon=":material/genetics:"),
    st.Page(PAGES / "segments.py", title="Segment builder", icon=":material/group_work:"),
    st.Page(PAGES / "models.py", title="Model cards", icon=":material/model_training:"),
])
navigation.run()
