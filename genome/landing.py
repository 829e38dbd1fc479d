"""Landing a file: its rows read and trimmed in Arrow, and its phone numbers normalised, before any SQL.

Landing needs no store, so the next file can be landed while the one before it
is validated and stored (`read_ahead`). Validating and storing leave about a
tenth of both cores idle, and phone numbers are normalised in Python on one
core: landing in turn took a sixth of the ingestion bench's time.
"""

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from genome.events import INPUT_COLUMNS
from genome.normalise import normalise_phone
from genome.readers import LANDING_SCHEMA, read_batches
from genome.trimming import TRIMMED_SUFFIX, with_trimmed

# Read without their surrounding blanks (`genome.trimming`, as `<column>_t`); text and attributes are read as
# they are (attributes are trimmed once per distinct object by the checking SQL).
TRIMMED_COLUMNS = tuple(c for c in INPUT_COLUMNS if c not in ("text", "attributes"))
PHONE_MAP_SCHEMA = pa.schema([("raw", pa.string()), ("e164", pa.string())])


@dataclass(frozen=True)
class Landed:
    """One file's rows in the landing shape with trimmed copies, and each distinct phone text it holds with its
    E.164 form (None: not a valid number). `ids_ascend`: every row carries an event_id, each greater than the
    one before, so no id is repeated within the file."""

    path: Path
    rows: pa.Table
    phones: pa.Table
    ids_ascend: bool = False


def land(path: Path, *, phone_region: str, known_phones: dict[str, str | None] | None = None) -> Landed:
    """Read `path` (refused with `FileRefused` when it cannot be read at all) and normalise its phone numbers.

    `known_phones` carries numbers already normalised from one file to the next: libphonenumber works value by
    value, and the same customers' numbers come back in every delivery."""
    batches = list(read_batches(path))
    rows = pa.concat_tables(batches) if batches else LANDING_SCHEMA.empty_table()
    rows = with_trimmed(rows, TRIMMED_COLUMNS)
    known = {} if known_phones is None else known_phones
    # a phone that is only blanks is missing, not an invalid number: only texts left after trimming are read
    written = pc.filter(rows["phone"], pc.is_valid(rows["phone" + TRIMMED_SUFFIX]))
    raws = pc.unique(written).to_pylist()
    for raw in raws:
        if raw not in known:
            known[raw] = normalise_phone(raw, phone_region)
    phones = pa.table({"raw": pa.array(raws, pa.string()),
                       "e164": pa.array([known[r] for r in raws], pa.string())}, schema=PHONE_MAP_SCHEMA)
    return Landed(path=path, rows=rows, phones=phones, ids_ascend=_ascending(rows["event_id" + TRIMMED_SUFFIX]))


def _ascending(ids: pa.ChunkedArray) -> bool:
    # Exports are often in id order: checking that costs a few milliseconds, where looking for repeated ids in
    # a file of a million rows takes a tenth of a second of the store's time.
    if len(ids) == 0 or ids.null_count:
        return False
    ids = ids.combine_chunks()
    return len(ids) == 1 or pc.all(pc.less(ids[:-1], ids[1:])).as_py()


def read_ahead(paths: Sequence[Path], *, phone_region: str) -> Iterator[Landed]:
    """Each of `paths` landed in order, the next one landing in a worker thread while the caller works on the
    current one. A file that cannot be read raises when its turn comes, so the files before it are handled as
    they would be without read-ahead."""
    known: dict[str, str | None] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="genome-landing") as pool:
        pending = None
        for i, path in enumerate(paths):
            current = pending or pool.submit(land, path, phone_region=phone_region, known_phones=known)
            landed = current.result()
            pending = (pool.submit(land, paths[i + 1], phone_region=phone_region, known_phones=known)
                       if i + 1 < len(paths) else None)
            yield landed
