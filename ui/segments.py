"""The app's shared segment resources: one in-memory genome index per build, the metadata store."""

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlmodel import Session

from genome.errors import NotBuilt
from genome.segments.index import GenomeIndex
from store.duck import Snapshot
from store.meta import meta_url_for, session
from ui.store import store_path


@st.cache_resource(show_spinner="Loading the genome for instant previews…", max_entries=1)
def _index(path: str, modified: float) -> GenomeIndex:
    # its own connection: the index fetches columns on first use, from any session
    return GenomeIndex(Snapshot(path))


def genome_index() -> GenomeIndex | None:
    """The index of the current build, or None when there is no store or no genome yet."""
    path = store_path()
    try:
        return _index(str(path), path.stat().st_mtime)
    except (FileNotFoundError, NotBuilt):  # no store or no genome yet; a busy store is the caller's to report
        return None


@contextmanager
def metadata() -> Iterator[Session]:
    with session(meta_url_for(store_path())) as s:
        yield s
