"""Customer Genome: the Streamlit app's router. Pages live in pages/."""

from pathlib import Path

import streamlit as st

from ui.roles import role_picker

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Customer Genome", page_icon=":material/genetics:", layout="wide")

role_picker()
navigation = st.navigation([
    st.Page(PAGES / "home.py", title="Home", icon=":material/home:", default=True),
    st.Page(PAGES / "catalog.py", title="Gene catalog", icon=":material/genetics:"),
    st.Page(PAGES / "segments.py", title="Segment builder", icon=":material/group_work:"),
    st.Page(PAGES / "models.py", title="Model cards", icon=":material/model_training:"),
])
navigation.run()
