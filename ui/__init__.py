"""Shared Streamlit helpers: session-state keys, cached resources, small components."""
