"""Customer Genome domain code: events, ingestion, identity, genes, models.

Nothing here imports Streamlit; functions take DuckDB connections as arguments
so the same code runs in the app, the CLI, tests and batch jobs.
"""
