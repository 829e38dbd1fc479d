"""Event files and truth tables, written chunk by chunk, and the reference tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synthetic.people import People
from synthetic.shape import DEFECTS, PREFERRED_CHANNELS, SOURCES, TRAITS
from synthetic.strings import IdentityStrings, dates, format_events, identity_strings, money, null_where, pick
from synthetic.texts import LIFE_EVENTS
from synthetic.world import World

TRUTH_TABLES = ("truth_customers", "truth_life_events", "truth_posts", "truth_corrupt_rows")


@dataclass(frozen=True)
class ChunkOutput:
    """What writing one chunk produced: its event files and its rows of each truth table."""

    customers: int
    events: int
    event_files: dict[str, Path]
    truth: dict[str, pa.Table]


def write_chunk(world: World, out_dir: Path, chunk: int, people: People, events: dict[str, np.ndarray]) -> ChunkOutput:
    """Format and write one chunk's event files (events sorted by source, then time)."""
    strings = identity_strings(world, people)
    bounds = np.searchsorted(events["source"], np.arange(len(SOURCES) + 1))
    files, posts, corrupt = {}, [], []
    for source, name in enumerate(SOURCES):
        rows = slice(bounds[source], bounds[source + 1])
        table = format_events(world, strings, events, rows, source, chunk)
        files[name] = out_dir / "events" / name / f"part-{chunk:04d}.parquet"
        pq.write_table(table, files[name], compression="zstd")
        posts.append(_post_truth(world, people, table, events, rows))
        corrupt.append(_corrupt_truth(table, events, rows, name))
    truth = {
        "truth_customers": customer_truth(world, people, strings),
        "truth_life_events": life_event_truth(world, people),
        "truth_posts": pa.concat_tables(posts),
        "truth_corrupt_rows": pa.concat_tables(corrupt),
    }
    return ChunkOutput(customers=people.n, events=int(events["t"].size), event_files=files, truth=truth)


class TruthWriter:
    """Appends each chunk's truth rows to one Parquet file per table, in chunk order."""

    def __init__(self, folder: Path) -> None:
        self.files = {name: folder / f"{name}.parquet" for name in TRUTH_TABLES}
        self._writers: dict[str, pq.ParquetWriter] = {}

    def append(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            if name not in self._writers:
                self._writers[name] = pq.ParquetWriter(self.files[name], table.schema, compression="zstd")
            self._writers[name].write_table(table)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


def _post_truth(world: World, people: People, table: pa.Table, events, rows: slice) -> pa.Table:
    at = np.flatnonzero(events["post_event"][rows] >= 0)
    labels = pa.array(LIFE_EVENTS + ("none",))
    return pa.table({
        "event_id": table["event_id"].take(pa.array(at)).combine_chunks(),
        "person_id": pa.array(people.first_pid + events["person"][rows][at].astype(np.int64)),
        "event": labels.take(pa.array(events["post_event"][rows][at])),
        "about_self": pa.array(events["post_self"][rows][at]),
        "template_id": pa.array(world.post_template_ids).take(pa.array(events["post_template"][rows][at])),
    })


def _corrupt_truth(table: pa.Table, events, rows: slice, source: str) -> pa.Table:
    at = np.flatnonzero(events["defect"][rows] >= 0)
    return pa.table({
        "event_id": table["event_id"].take(pa.array(at)).combine_chunks(),
        "source": pa.array([source] * at.size, pa.string()),
        "defect": pa.array(DEFECTS).take(pa.array(events["defect"][rows][at])),
    })


def customer_truth(world: World, people: People, strings: IdentityStrings) -> pa.Table:
    """One row per person: identifiers as they really are, and the latent state behind the events."""
    moved = people.move_day >= 0
    cities = pa.array(world.cities)
    columns = {
        "person_id": pa.array(people.first_pid + np.arange(people.n, dtype=np.int64)),
        "customer_ref": null_where(strings.customer_ref, ~people.has_account),
        "email": strings.email,
        "phone_e164": strings.phone_e164,
        "loyalty_id": null_where(strings.loyalty_id, ~people.has_loyalty),
        "device_ids": strings.device_list,
        "home_city": cities.take(pa.array(people.home_city)),
        "moved_to_city": pick(cities, np.where(moved, people.new_city, -1)),
        "preferred_channel": pa.array(PREFERRED_CHANNELS).take(pa.array(people.pref)),
    }
    columns.update({name: pa.array(people.traits[name]) for name in TRAITS})
    columns.update({
        "is_wholesale": pa.array(people.is_wholesale),
        "purchase_rate": pa.array(people.purchase_rate),
        "dropout_p": pa.array(people.dropout_p),
        "acquired_at": dates(world, people.acq),
        "churned_at": dates(world, people.churn_day),
        "consent_marketing": pa.array(people.consent_marketing & (people.withdraw_day < 0)),
        "consent_profiling": pa.array(people.consent_profiling),
        "birth_date": pa.array(people.birth_date, type=pa.date32()),
        "fully_linkable": pa.array(people.fully_linkable),
    })
    return pa.table(columns)


def life_event_truth(world: World, people: People) -> pa.Table:
    events = people.life_events
    return pa.table({
        "person_id": pa.array(people.first_pid + events["person"].astype(np.int64)),
        "event": pa.array(LIFE_EVENTS).take(pa.array(events["event"])),
        "event_date": dates(world, events["day"]),
        "posted": pa.array(events["posted"]),
    })


def reference_tables(world: World) -> dict[str, pa.Table]:
    """Product catalogue and store list: reference data that product code may read."""
    return {
        "products": pa.table({
            "product_id": world.product_ids,
            "name": pa.array(world.product_names),
            "category": pa.array(world.categories).take(pa.array(world.product_category)),
            "list_price": money(world.product_price),
        }),
        "stores": pa.table({
            "store_id": pa.array(world.store_ids),
            "city": pa.array(world.cities).take(pa.array(world.store_city)),
        }),
    }
