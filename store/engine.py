"""Where the genome's batch SQL runs: DuckDB (embedded, the default) or Apache Spark (`store.spark`).

Gene SQL is written once, in DuckDB's dialect; an engine runs it. A build asks
an engine for four things only, so the same steps drive either:
- `table(name, sql)`: the result of `sql`, kept under `name` for later statements;
- `arrow(sql)`: a result small enough to bring to Python (lifetime summaries);
- `register(name, table)`: an Arrow table from Python, under `name`;
- `drop(name)`: forget what `name` held.
`params` are named values (`$as_of` in the SQL).
"""

from pathlib import Path
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


class ExternalEngine(Engine, Protocol):
    """An engine with its own storage: it reads the store's inputs from Parquet and writes results to it."""

    def read_parquet(self, name: str, path: Path) -> None: ...

    def write_parquet(self, sql: str, path: Path, params: dict | None = None) -> None: ...


def hand_over(con: duckdb.DuckDBPyConnection, engine: ExternalEngine, inputs: dict[str, str], folder: Path) -> None:
    """Each `inputs` name -> query over the store, written to Parquet in `folder` and read by `engine` under
    that name. The queries are the caller's own SQL, never user text."""
    for name, sql in inputs.items():
        path = folder / f"{name.lstrip('_')}.parquet"  # engines skip files whose names start with _
        con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
        engine.read_parquet(name, path)
