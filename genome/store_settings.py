"""Settings a store keeps for itself: what its data needs whoever works on it (the retailer's time zone, the
legal basis its customers are profiled on). A GENOME_* variable given for one command wins over them.

Grain: `store_settings` one row per key.
"""

import duckdb

from store.duck import table_exists

KEYS = {
    "local_zone": "the retailer's time zone: weekdays, hours and shopping days are read in it",
    "profiling_basis": "the legal basis for scoring customers with models",
    "not_recommended": "departments or categories never recommended (fuel, gift cards): comma-separated names",
}


def store_setting(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    # asked first, not caught: a failed look-up would abort the caller's transaction
    if not table_exists(con, "store_settings"):
        return default
    row = con.execute("SELECT value FROM store_settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_store_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Record `key` = `value` (inside the caller's transaction, when there is one)."""
    con.execute("CREATE TABLE IF NOT EXISTS store_settings (key VARCHAR NOT NULL, value VARCHAR NOT NULL)")
    con.execute("DELETE FROM store_settings WHERE key = ?", [key])
    con.execute("INSERT INTO store_settings VALUES (?, ?)", [key, value])
