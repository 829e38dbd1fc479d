"""Mappings: any retailer's file into the input contract, written down once in a TOML file.

    [source]
    name = "completejourney"            # the source the rows are filed under (default: the file's name)
    timezone = "America/Chicago"        # times without an offset are read in this zone (default "UTC")
    timestamp_format = "%Y-%m-%d %H:%M:%S"  # how occurred_at is written, when it is not ISO 8601
    decimal_comma = false               # "2,99" means 2.99

    [columns]                           # contract column = the file's column
    occurred_at = "transaction_timestamp"
    customer_ref = "household_id"
    amount = "sales_value"

    [constants]                         # contract column = the same value for every row
    channel = "store"
    event_type = "purchase"

    [templates]                         # contract column = the file's columns put together
    event_id = "{basket_id}-{product_id}"

    [attributes]                        # attribute key = a column, a sum of columns, or a constant
    basket_id = "basket_id"
    discount_amount = { sum = ["retail_disc", "coupon_match_disc"] }
    coupon_amount = { sum = ["coupon_disc"] }

A mistake (a column the file does not have, a contract column that does not
exist, an unknown time zone) is one line naming it. The file's columns are
quoted as identifiers and constants as literals, never spliced into SQL.
The mapped rows then go through the same validation as any file: a value
the contract refuses is quarantined with its reason.
"""

import string
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from genome.errors import InputError
from genome.events import INPUT_COLUMNS
from genome.toml_files import read_toml

SOURCE_KEYS = {"name", "timezone", "timestamp_format", "decimal_comma"}
SECTIONS = {"source", "columns", "constants", "templates", "attributes", "identifier"}
NUMERIC = {"amount", "quantity"}


class MappingError(InputError):
    """A mapping that cannot be used; the message names the section and the column."""


@dataclass(frozen=True)
class Mapping:
    path: Path
    name: str | None = None
    timezone: str = "UTC"
    timestamp_format: str | None = None
    decimal_comma: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    attributes: dict[str, object] = field(default_factory=dict)
    identifier: dict[str, str] = field(default_factory=dict)  # customer imports: identifier kind = column

    def where(self, section: str, key: str) -> str:
        return f"mapping {self.path.name}: [{section}] {key}"


def load_mapping(path: Path, *, targets: tuple[str, ...] = INPUT_COLUMNS) -> Mapping:
    """The mapping in `path`, checked against the contract columns `targets`."""
    path = Path(path)
    data = read_toml(path, what="mapping", error=MappingError)
    unknown = set(data) - SECTIONS
    if unknown:
        raise MappingError(f"mapping {path.name}: unknown section [{sorted(unknown)[0]}] "
                           f"(use {', '.join(sorted(SECTIONS))})")
    source = data.get("source", {})
    bad = set(source) - SOURCE_KEYS
    if bad:
        raise MappingError(f"mapping {path.name}: [source] {sorted(bad)[0]} is not a setting "
                           f"(use {', '.join(sorted(SOURCE_KEYS))})")
    mapping = Mapping(path=path, name=source.get("name"), timezone=source.get("timezone", "UTC"),
                      timestamp_format=source.get("timestamp_format"),
                      decimal_comma=bool(source.get("decimal_comma", False)),
                      columns=dict(data.get("columns", {})), constants=dict(data.get("constants", {})),
                      templates=dict(data.get("templates", {})), attributes=dict(data.get("attributes", {})),
                      identifier=dict(data.get("identifier", {})))
    try:
        zoneinfo.ZoneInfo(mapping.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"{mapping.where('source', 'timezone')}: unknown time zone {mapping.timezone!r} "
                           "(use a name such as America/Chicago or UTC)") from None
    for section in ("columns", "constants", "templates"):
        for key, value in getattr(mapping, section).items():
            if key not in targets or key == "attributes":
                raise MappingError(f"{mapping.where(section, key)}: not a column of the contract "
                                   f"(`genome schema` lists them: {', '.join(t for t in targets if t != 'attributes')})")
            if not isinstance(value, str) or not value:
                raise MappingError(f"{mapping.where(section, key)}: give text, not {value!r}")
    seen: dict[str, str] = {}
    for section in ("columns", "constants", "templates"):
        for key in getattr(mapping, section):
            if key in seen:
                raise MappingError(f"{mapping.where(section, key)}: already set in [{seen[key]}]")
            seen[key] = section
    for key, value in mapping.attributes.items():
        if not (isinstance(value, str) and value) and not (
                isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("sum", "constant", "template")):
            raise MappingError(f"{mapping.where('attributes', key)}: give a column, {{ sum = [columns] }}, "
                               "{ constant = value } or { template = \"...\" }")
    return mapping


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def source_relation(path: Path) -> str:
    """DuckDB reading the file as it is, every CSV field as text."""
    suffix = path.suffix.lower()
    literal = _literal(str(path))
    if suffix in (".csv", ".txt"):
        return f"read_csv({literal}, header = true, all_varchar = true)"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return f"read_json({literal}, format = 'newline_delimited')"
    if suffix in (".parquet", ".pq"):
        return f"read_parquet({literal})"
    raise MappingError(f"{path.name}: unknown file type '{path.suffix or '(none)'}' (use .csv, .jsonl or .parquet)")


def _columns_of(con, relation: str) -> dict[str, str]:
    return {name: kind for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


class _Writer:
    """Contract columns as SQL over the file's columns, each checked to exist."""

    def __init__(self, mapping: Mapping, available: dict[str, str], file: Path):
        self.mapping, self.available, self.file = mapping, available, file
        self.lowered = {name.lower(): name for name in available}

    def column(self, section: str, key: str, name: str) -> str:
        actual = name if name in self.available else self.lowered.get(name.lower())
        if actual is None:
            shown = ", ".join(list(self.available)[:30])
            raise MappingError(f"{self.mapping.where(section, key)}: {self.file.name} has no column {name!r} "
                               f"(it has {shown})")
        return _ident(actual)

    def text(self, section: str, key: str, name: str) -> str:
        column = self.column(section, key, name)
        if self.mapping.decimal_comma and key in NUMERIC:
            return f"replace(CAST({column} AS VARCHAR), ',', '.')"
        return f"CAST({column} AS VARCHAR)"

    def template(self, section: str, key: str, template: str) -> str:
        parts = []
        try:
            parsed = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise MappingError(f"{self.mapping.where(section, key)}: {exc} in {template!r}") from None
        for literal, name, spec, conversion in parsed:
            if literal:
                parts.append(_literal(literal))
            if name is not None:
                if not name or spec or conversion:
                    raise MappingError(f"{self.mapping.where(section, key)}: write columns as {{name}} in {template!r}")
                parts.append(f"coalesce(CAST({self.column(section, key, name)} AS VARCHAR), '')")
        return "concat(" + ", ".join(parts or ["''"]) + ")"

    def number(self, section: str, key: str, name: str) -> str:
        column = self.column(section, key, name)
        text = f"CAST({column} AS VARCHAR)"
        if self.mapping.decimal_comma:
            text = f"replace({text}, ',', '.')"
        return f"try_cast({text} AS DOUBLE)"

    def occurred_at(self, name: str) -> str:
        column = self.column("columns", "occurred_at", name)
        kind = self.available[column.strip('"').replace('""', '"')]
        zone = _literal(self.mapping.timezone)
        if kind.startswith("TIMESTAMP WITH TIME ZONE"):
            instant = column
        else:
            local = column if kind.startswith(("TIMESTAMP", "DATE")) else (
                f"try_strptime(CAST({column} AS VARCHAR), {_literal(self.mapping.timestamp_format)})"
                if self.mapping.timestamp_format else f"try_cast(CAST({column} AS VARCHAR) AS TIMESTAMP)")
            instant = f"timezone({zone}, CAST({local} AS TIMESTAMP))"
        # ISO 8601 in UTC, the form the contract reads without guessing; text that is no time goes on as it
        # came, for validation to quarantine with its reason
        return (f"coalesce(strftime(timezone('UTC', {instant}), '%Y-%m-%dT%H:%M:%S') || 'Z', "
                f"CAST({column} AS VARCHAR))")


def mapped_sql(con: duckdb.DuckDBPyConnection, mapping: Mapping, file: Path, targets: tuple[str, ...]) -> str:
    """SELECT of the contract columns `targets` (all text) from `file` through `mapping`."""
    relation = source_relation(file)
    try:
        available = _columns_of(con, relation)
    except duckdb.Error as exc:
        raise MappingError(f"{file.name}: cannot be read ({str(exc).splitlines()[0]})") from None
    writer = _Writer(mapping, available, file)
    select = {}
    for key, name in mapping.columns.items():
        select[key] = writer.occurred_at(name) if key == "occurred_at" else writer.text("columns", key, name)
    for key, value in mapping.constants.items():
        select[key] = _literal(value)
    for key, template in mapping.templates.items():
        select[key] = writer.template("templates", key, template)
    if "attributes" in targets and mapping.attributes:
        pairs = []
        for key, spec in mapping.attributes.items():
            if isinstance(spec, str):  # text: ingestion reads each key as its type (genome.attributes)
                value = f"CAST({writer.column('attributes', key, spec)} AS VARCHAR)"
            elif "sum" in spec:
                columns = spec["sum"] if isinstance(spec["sum"], list) else [spec["sum"]]
                terms = [writer.number("attributes", key, c) for c in columns]
                value = f"CASE WHEN {' AND '.join(f'{t} IS NULL' for t in terms)} THEN NULL ELSE " \
                        f"{' + '.join(f'coalesce({t}, 0)' for t in terms)} END"
            elif "template" in spec:
                value = writer.template("attributes", key, str(spec["template"]))
            else:
                value = _literal(spec["constant"]) if isinstance(spec["constant"], str) else \
                    ("true" if spec["constant"] is True else "false" if spec["constant"] is False
                     else repr(float(spec["constant"])))
            pairs.append(f"{_literal(key)}, {value}")
        select["attributes"] = f"CAST(json_object({', '.join(pairs)}) AS VARCHAR)"
    columns = ", ".join(f"{select.get(t, 'NULL')}::VARCHAR AS {_ident(t)}" for t in targets)
    return f"SELECT {columns} FROM {relation}"


def apply_mapping(con: duckdb.DuckDBPyConnection, mapping: Mapping, file: Path, out: Path,
                  targets: tuple[str, ...] = INPUT_COLUMNS) -> Path:
    """Write `file` through `mapping` to the Parquet file `out` in the contract's shape; returns `out`."""
    file = Path(file)
    if not file.is_file():
        raise MappingError(f"{file}: no such file")
    sql = mapped_sql(con, mapping, file, targets)
    try:
        con.execute(f"COPY ({sql}) TO {_literal(str(out))} (FORMAT parquet)")
    except duckdb.Error as exc:  # a value the mapping cannot turn into its column, e.g. a bad timestamp format
        raise MappingError(f"mapping {mapping.path.name} on {file.name}: {str(exc).splitlines()[0]}") from None
    return out
