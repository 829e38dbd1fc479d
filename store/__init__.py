"""Persistence: the DuckDB analytics store, the SQLModel metadata store, settings."""
