"""Reference data beside the events: the product catalogue, the stores, and what is known about customers.

    genome import products FILE [--map MAPPING.toml]   product_id, name, category, department, brand, price
    genome import stores FILE [--map MAPPING.toml]     store_id, city, region, format
    genome import customers FILE [--map MAPPING.toml]  one identifier column, then one column per attribute

Grain: `products` one row per product_id; `stores` one row per store_id;
`customer_attributes` one row per (identifier, attribute). An import
replaces the rows of the keys it brings and keeps the others; a row without
its key is quarantined with the reason. Reference data never moves the
genome's today (`genome.today`).

Products give events their category when the event has none (a till line
names only the product); customer attributes become profile genes (age band,
income band, household, children), each labelled with its sensitivity.
"""

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from genome.errors import InputError
from genome.events import IDENTIFIER_COLUMNS
from genome.mapping import Mapping, apply_mapping, source_relation
from genome.normalise import normalise_email, normalise_phone
from genome.store_settings import store_setting
from store.duck import table_exists

KINDS = {
    "products": ("product_id", ("name", "category", "department", "brand", "price")),
    "stores": ("store_id", ("city", "region", "format")),
}
CUSTOMERS = "customers"
TABLES_SQL = """
CREATE TABLE IF NOT EXISTS products (product_id VARCHAR NOT NULL, name VARCHAR, category VARCHAR,
    department VARCHAR, brand VARCHAR, price DOUBLE);
CREATE TABLE IF NOT EXISTS stores (store_id VARCHAR NOT NULL, city VARCHAR, region VARCHAR, format VARCHAR);
CREATE TABLE IF NOT EXISTS customer_attributes (identifier VARCHAR NOT NULL, attribute VARCHAR NOT NULL,
    value VARCHAR, imported_at TIMESTAMP NOT NULL);
"""
_COLUMN_TYPES = {"price": "DOUBLE"}


@dataclass(frozen=True)
class ImportReport:
    kind: str
    file: str
    rows_read: int
    stored: int
    quarantined: int


def _literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The reference tables, with every column of this version (older stores gain the new ones)."""
    con.execute(TABLES_SQL)
    for kind, (_, columns) in KINDS.items():
        for column in columns:
            con.execute(f"ALTER TABLE {kind} ADD COLUMN IF NOT EXISTS {column} {_COLUMN_TYPES.get(column, 'VARCHAR')}")


def import_reference(con: duckdb.DuckDBPyConnection, kind: str, file: Path, *, mapping: Mapping | None = None,
                     phone_region: str = "US") -> ImportReport:
    """Import `file` as `kind` (products, stores or customers) in one transaction."""
    if kind not in (*KINDS, CUSTOMERS):
        raise InputError(f"cannot import {kind!r}: use products, stores or customers")
    file = Path(file)
    if not file.is_file():
        raise InputError(f"{file}: no such file")
    ensure_tables(con)
    con.execute("BEGIN TRANSACTION")
    try:
        with tempfile.TemporaryDirectory(prefix="genome-import-") as scratch:
            report = (_import_customers(con, file, mapping, Path(scratch), phone_region) if kind == CUSTOMERS
                      else _import_table(con, kind, file, mapping, Path(scratch)))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return report


def _landed(con, file: Path, mapping: Mapping | None, targets: tuple[str, ...], scratch: Path) -> str:
    """A relation holding the file's rows with `targets` as text columns (mapped when a mapping is given)."""
    if mapping is not None:
        return f"read_parquet({_literal(str(apply_mapping(con, mapping, file, scratch / 'mapped.parquet', targets)))})"
    relation = source_relation(file)
    present = {r[0].lower(): r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    columns = ", ".join(f"CAST({_ident(present[t])} AS VARCHAR) AS {t}" if t in present else f"NULL::VARCHAR AS {t}"
                        for t in targets)
    return f"(SELECT {columns} FROM {relation})"


def _quarantine(con, kind: str, file: Path, where: str, reason: str, relation: str) -> int:
    rows = con.execute(f"""
        SELECT to_json(r)::VARCHAR FROM (SELECT * FROM {relation}) r WHERE {where}
    """).fetchall()
    now = datetime.now(UTC).replace(tzinfo=None)
    for (raw,) in rows:
        con.execute("INSERT INTO quarantined_rows SELECT md5(?), ?, ?, 0, ?, ?, 'import', ? "
                    "WHERE md5(?) NOT IN (SELECT raw_key FROM quarantined_rows)",
                    [raw, f"import:{kind}", str(file), reason, raw, now, raw])
    return len(rows)


def _import_table(con, kind: str, file: Path, mapping: Mapping | None, scratch: Path) -> ImportReport:
    key, columns = KINDS[kind]
    relation = _landed(con, file, mapping, (key, *columns), scratch)
    rows = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    missing = f"nullif(trim({key}), '') IS NULL"
    refused = _quarantine(con, kind, file, missing, f"{key} is missing", relation)
    typed = ", ".join(f"try_cast(replace({c}, ',', '.') AS DOUBLE)" if c == "price" else f"nullif(trim({c}), '')"
                      for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _reference AS SELECT trim({key}) AS {key}, {typed} FROM {relation} "
                f"WHERE NOT ({missing}) QUALIFY row_number() OVER (PARTITION BY trim({key})) = 1")
    con.execute(f"DELETE FROM {kind} WHERE {key} IN (SELECT {key} FROM _reference)")
    con.execute(f"INSERT INTO {kind} ({key}, {', '.join(columns)}) SELECT * FROM _reference")
    stored = con.execute("SELECT count(*) FROM _reference").fetchone()[0]
    con.execute("DROP TABLE _reference")
    return ImportReport(kind, str(file), rows, stored, refused)


def _import_customers(con, file: Path, mapping: Mapping | None, scratch: Path, region: str) -> ImportReport:
    if mapping is not None:
        kinds = [k for k in mapping.identifier if k in IDENTIFIER_COLUMNS]
        if len(kinds) != 1 or len(mapping.identifier) != 1:
            raise InputError(f"mapping {mapping.path.name}: [identifier] names one of {', '.join(IDENTIFIER_COLUMNS)} "
                             "and the column holding it")
        attributes = tuple(mapping.attributes)
        if not attributes:
            raise InputError(f"mapping {mapping.path.name}: [attributes] names at least one attribute and its column")
        flat = Mapping(path=mapping.path, timezone=mapping.timezone, decimal_comma=mapping.decimal_comma,
                       columns={kinds[0]: mapping.identifier[kinds[0]],
                                **{a: c for a, c in mapping.attributes.items() if isinstance(c, str)}},
                       constants={a: str(c["constant"]) for a, c in mapping.attributes.items()
                                  if isinstance(c, dict) and "constant" in c},
                       templates={a: str(c["template"]) for a, c in mapping.attributes.items()
                                  if isinstance(c, dict) and "template" in c})
        kind = kinds[0]
        relation = f"read_parquet({_literal(str(apply_mapping(con, flat, file, scratch / 'm.parquet', (kind, *attributes))))})"
    else:
        relation = source_relation(file)
        present = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        found = [c for c in present if c.lower() in IDENTIFIER_COLUMNS]
        if len(found) != 1:
            raise InputError(f"{file.name}: a customer file has exactly one identifier column "
                             f"(one of {', '.join(IDENTIFIER_COLUMNS)}); this one has {len(found)}")
        kind = found[0].lower()
        attributes = tuple(c for c in present if c != found[0])
        relation = (f"(SELECT CAST({_ident(found[0])} AS VARCHAR) AS {kind}, "
                    + ", ".join(f"CAST({_ident(a)} AS VARCHAR) AS {_ident(a.lower())}" for a in attributes)
                    + f" FROM {relation})")
        attributes = tuple(a.lower() for a in attributes)
    rows = con.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
    refused = _quarantine(con, CUSTOMERS, file, f"nullif(trim({kind}), '') IS NULL", f"{kind} is missing", relation)
    values = con.execute(f"SELECT DISTINCT trim({kind}) FROM {relation} WHERE nullif(trim({kind}), '') IS NOT NULL"
                         ).fetchall()
    normal = {v: (normalise_email(v) if kind == "email" else normalise_phone(v, region) if kind == "phone" else v)
              for (v,) in values}
    con.execute("CREATE OR REPLACE TEMP TABLE _ids (raw VARCHAR, identifier VARCHAR)")
    con.executemany("INSERT INTO _ids VALUES (?, ?)", [(raw, f"{kind}:{value}") for raw, value in normal.items()
                                                        if value])
    now = datetime.now(UTC).replace(tzinfo=None)
    unpivot = " UNION ALL ".join(
        f"SELECT i.identifier, {_literal(a)} AS attribute, nullif(trim(r.{_ident(a)}), '') AS value "
        f"FROM {relation} r JOIN _ids i ON i.raw = trim(r.{kind})" for a in attributes)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _attributes AS SELECT DISTINCT ON (identifier, attribute) * "
                f"FROM ({unpivot})")
    # what is known about an erased customer is not taken in again (`genome.erasure`)
    salt = store_setting(con, "erasure_salt") if table_exists(con, "erased_identifiers") else None
    if salt is not None:
        con.execute("DELETE FROM _attributes WHERE sha256(? || identifier) IN "
                    "(SELECT identifier_hash FROM erased_identifiers)", [salt])
    con.execute("DELETE FROM customer_attributes c WHERE EXISTS (SELECT 1 FROM _attributes a "
                "WHERE a.identifier = c.identifier AND a.attribute = c.attribute)")
    con.execute("INSERT INTO customer_attributes SELECT identifier, attribute, value, ? FROM _attributes", [now])
    stored = con.execute("SELECT count(DISTINCT identifier) FROM _attributes").fetchone()[0]
    con.execute("DROP TABLE _attributes")
    con.execute("DROP TABLE _ids")
    return ImportReport(CUSTOMERS, str(file), rows, stored, refused)
