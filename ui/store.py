"""The app's read-only view of the analytics store.

One read-only DuckDB connection per store file, cached across reruns and
sessions; each caller gets its own cursor because a DuckDB connection serves
one thread at a time. The cache is keyed by the file's modification time so a
rebuilt store (swapped in by the CLI or a refit) is picked up on the next rerun.
"""

from pathlib import Path

import duckdb
import streamlit as st

from genome.errors import StoreBusy
from store.duck import Snapshot, StoreMissing
from store.settings import get_settings


@st.cache_resource(show_spinner=False, max_entries=2)
def _connection(path: str, modified: float) -> Snapshot:
    # a snapshot, not a plain connection: after a swap the new file must be read, not the old one
    return Snapshot(path)


def store_path() -> Path:
    return get_settings().db


def cursor() -> duckdb.DuckDBPyConnection | None:
    """A cursor on the store, or None when no store exists yet."""
    path = store_path()
    try:
        modified = path.stat().st_mtime
    except FileNotFoundError:
        return None
    try:
        return _connection(str(path), modified).cursor()
    except StoreMissing:
        return None


def require_store() -> duckdb.DuckDBPyConnection:
    """A cursor on the store, or a plain message and the end of the page when there is none or it is busy."""
    try:
        con = cursor()
    except StoreBusy as exc:
        st.info(f"{exc}. This page will be back when it has finished: reload it in a moment.",
                icon=":material/hourglass_top:")
        st.stop()
    if con is None:
        st.info(f"No customer store yet at {store_path()}: create the demo with `genome demo` or load your own files "
                "with `genome ingest FILE...` and `genome build`.", icon=":material/inbox:")
        st.stop()
    return con
