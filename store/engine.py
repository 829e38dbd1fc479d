"""Where the genome's batch SQL runs: DuckDB (embedded, the default) or Apache Spark (`store.spark`).

Gene SQL is written once, in DuckDB's dialect; an engine runs it. A build asks
an engine for four things only, so the same steps drive either:
- `table(name, sql)`: the result of `sql`, kept under `name` for later statements;
- `arrow(sql)`: a result small enough to bring to Python (lifetime summaries);
- `register(name, table)`: an Arrow table from Python, under `name`;
- `drop(name)`: forget what `name` held.
`params` are named values (`$as_of` in the SQL).
"""

from typing import Protocol

import duckdb
import pyarrow as pa


class Engine(Protocol):
    name: str

    def table(self, name: str, sql: str, params: dict | None = None) -> None: ...

    def arrow(self, sql: str, params: dict | None = None) -> pa.Table: ...

    def register(self, name: str, data: pa.Table) -> None: ...

    def drop(self, name: str) -> None: ...


class DuckEngine:
    """The store's own DuckDB connection: names are temp tables of this connection."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self._registered: set[str] = set()

    def table(self, name: str, sql: str, params: dict | None = None) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}", params or {})

    def arrow(self, sql: str, params: dict | None = None) -> pa.Table:
        return self.con.sql(sql, params=params or None).to_arrow_table()

    def register(self, name: str, data: pa.Table) -> None:
        self.con.register(name, data)
        self._registered.add(name)

    def drop(self, name: str) -> None:
        if name in self._registered:
            self.con.unregister(name)
            self._registered.discard(name)
        else:
            self.con.execute(f"DROP TABLE IF EXISTS {name}")
