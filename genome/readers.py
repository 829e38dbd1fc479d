"""Reading source files into the landing shape: every canonical column as text.

Readers never judge a value; they only find rows and keep what each row said,
its line number and, for text formats, the raw line, so a rejected row can be
shown exactly as it arrived. A row that cannot even be split into fields
carries a `_defect` that validation turns into its quarantine reason.
"""

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from genome.errors import InputError
from genome.events import IDENTIFIER_COLUMNS, INPUT_COLUMNS, REQUIRED_COLUMNS

BATCH_ROWS = 100_000
LANDING_COLUMNS = ("_line", "_raw", "_defect", *INPUT_COLUMNS)
LANDING_SCHEMA = pa.schema(
    [("_line", pa.int64()), ("_raw", pa.string()), ("_defect", pa.string())]
    + [(name, pa.string()) for name in INPUT_COLUMNS]
)
FORMATS = {
    ".csv": "csv", ".txt": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
}

# A long review is data, not an error; validation applies the real limit.
csv.field_size_limit(2**31 - 1)


class FileRefused(InputError):
    """A file that cannot be ingested at all; the message names the problem."""


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileRefused(
            f"{path.name}: unknown file type '{path.suffix or '(none)'}' (use .csv, .jsonl or .parquet)"
        )
    return fmt


def check_columns(path: Path, columns: list[str]) -> None:
    """Refuse a file whose columns cannot make an event."""
    present = set(columns)
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise FileRefused(f"{path.name}: missing required column {', '.join(missing)}")
    if not present.intersection(IDENTIFIER_COLUMNS):
        raise FileRefused(
            f"{path.name}: no identifier column (need one of {', '.join(IDENTIFIER_COLUMNS)})"
        )


def read_batches(path: Path) -> Iterator[pa.Table]:
    """Yield the file's rows as landing-shaped Arrow tables."""
    if not path.is_file():
        raise FileRefused(f"{path}: no such file")
    fmt = file_format(path)
    if fmt == "csv":
        return _read_csv(path)
    if fmt == "jsonl":
        return _read_jsonl(path)
    return _read_parquet(path)


class _Batch:
    """Column lists for up to BATCH_ROWS rows, flushed as one Arrow table."""

    def __init__(self) -> None:
        self.columns: dict[str, list] = {name: [] for name in LANDING_COLUMNS}

    def add(self, line: int, raw: str | None, defect: str | None, values: dict) -> None:
        cols = self.columns
        cols["_line"].append(line)
        cols["_raw"].append(raw)
        cols["_defect"].append(defect)
        for name in INPUT_COLUMNS:
            cols[name].append(values.get(name))

    def __len__(self) -> int:
        return len(self.columns["_line"])

    def flush(self) -> pa.Table:
        table = pa.table(self.columns, schema=LANDING_SCHEMA)
        self.columns = {name: [] for name in LANDING_COLUMNS}
        return table


def _decoded_lines(path: Path, bad_lines: set[int], raw_buffer: list[str]) -> Iterator[str]:
    """Lines as text; undecodable bytes are replaced and the line remembered."""
    with path.open("rb") as fh:
        for number, data in enumerate(fh, start=1):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("utf-8", "replace")
                bad_lines.add(number)
            raw_buffer.append(text)
            yield text


def _read_csv(path: Path) -> Iterator[pa.Table]:
    bad_lines: set[int] = set()
    raw_buffer: list[str] = []
    reader = csv.reader(_decoded_lines(path, bad_lines, raw_buffer))
    try:
        header = next(reader)
    except StopIteration:
        raise FileRefused(f"{path.name}: file is empty (no header row)") from None
    except csv.Error as exc:
        raise FileRefused(f"{path.name}: header row is not CSV ({exc})") from None
    header = [h.strip().lstrip("\ufeff").strip().lower() for h in header]
    if 1 in bad_lines:
        raise FileRefused(f"{path.name}: header row is not UTF-8 text")
    check_columns(path, header)
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise FileRefused(f"{path.name}: column {', '.join(repeated)} appears more than once")
    index = {name: header.index(name) for name in INPUT_COLUMNS if name in header}
    width = len(header)
    next_line = 1 + len(raw_buffer)
    raw_buffer.clear()
    batch = _Batch()
    while True:
        defect = None
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            record, defect = None, f"unreadable CSV row ({exc})"
        start, next_line = next_line, next_line + len(raw_buffer)
        raw = "".join(raw_buffer).rstrip("\r\n")
        raw_buffer.clear()
        if record == [] or (record is None and not raw.strip()):
            continue  # blank lines are layout, not rows
        values: dict = {}
        if record is not None:
            if bad_lines.intersection(range(start, next_line)):
                defect = f"line {start} is not valid UTF-8"
            elif len(record) != width:
                defect = f"expected {width} fields, found {len(record)}"
            else:
                values = {name: record[i] for name, i in index.items()}
        batch.add(start, raw, defect, values)
        if len(batch) >= BATCH_ROWS:
            yield batch.flush()
    if len(batch):
        yield batch.flush()


def _json_text(value) -> str | None:
    """A JSON value as the text a CSV export would have carried."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _read_jsonl(path: Path) -> Iterator[pa.Table]:
    bad_lines: set[int] = set()
    batch = _Batch()
    seen_columns: set[str] = set()
    for number, text in enumerate(_decoded_lines(path, bad_lines, []), start=1):
        raw = text.rstrip("\r\n")
        if not raw.strip():
            continue
        values: dict = {}
        defect = None
        if number in bad_lines:
            defect = f"line {number} is not valid UTF-8"
        else:
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                obj, defect = None, f"invalid JSON ({exc.msg} at column {exc.colno})"
            except RecursionError:
                obj, defect = None, "invalid JSON (nested too deeply)"
            if obj is not None and not isinstance(obj, dict):
                defect = "line is not a JSON object"
            elif isinstance(obj, dict):
                lowered = {str(k).strip().lower(): v for k, v in obj.items()}
                seen_columns.update(lowered)
                values = {k: _json_text(lowered.get(k)) for k in INPUT_COLUMNS}
        batch.add(number, raw, defect, values)
        if len(batch) >= BATCH_ROWS:
            yield batch.flush()
    if len(batch):
        yield batch.flush()
    if seen_columns:
        check_columns(path, sorted(seen_columns))


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Parquet columns may be typed; the landing shape is text."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    if pa.types.is_nested(column.type):
        return pa.chunked_array(
            [pa.array([_json_text(v) for v in column.to_pylist()], pa.string())]
        )
    return pc.cast(column, pa.string())


def _read_parquet(path: Path) -> Iterator[pa.Table]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise FileRefused(f"{path.name}: cannot read as Parquet ({exc})") from None
    names = [n.strip().lower() for n in parquet.schema_arrow.names]
    check_columns(path, names)
    wanted = {name: parquet.schema_arrow.names[names.index(name)] for name in INPUT_COLUMNS if name in names}
    offset = 0
    for record_batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=list(wanted.values())):
        table = pa.Table.from_batches([record_batch])
        rows = table.num_rows
        columns = {
            "_line": pa.array(np.arange(offset + 1, offset + rows + 1, dtype=np.int64)),
            "_raw": pa.nulls(rows, pa.string()),  # rendered as JSON only if the row is rejected
            "_defect": pa.nulls(rows, pa.string()),
        }
        for name in INPUT_COLUMNS:
            columns[name] = _as_text(table[wanted[name]]) if name in wanted else pa.nulls(rows, pa.string())
        offset += rows
        yield pa.table(columns, schema=LANDING_SCHEMA)
