"""The entry point: `generate` simulates chunk after chunk while writer threads format and
write the chunks before it."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from synthetic.events import mark_linkability, simulate_events
from synthetic.people import People, draw_people
from synthetic.shape import MAX_CUSTOMERS, SOURCES, WRITER_THREADS, SynthConfigError, SynthManifest
from synthetic.world import World, build_world
from synthetic.writing import TruthWriter, reference_tables, write_chunk


def generate(
    out_dir: Path,
    *,
    customers: int = 20_000,
    seed: int = 7,
    start: date = date(2025, 3, 1),
    end: date = date(2026, 9, 30),
    chunk_customers: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> SynthManifest:
    """Generate `customers` persons and their events into `out_dir`; see the module docstring.

    `progress(done_customers, total_customers)` is called after each chunk is
    written. The same arguments give byte-identical files.
    """
    _validate(customers=customers, chunk_customers=chunk_customers, start=start, end=end)
    out_dir = Path(out_dir)
    world = build_world(seed, start, end)
    _prepare_directories(out_dir)
    reference_files = {}
    for name, table in reference_tables(world).items():
        reference_files[name] = out_dir / "reference" / f"{name}.parquet"
        pq.write_table(table, reference_files[name])

    truth = TruthWriter(out_dir / "truth")
    event_files: dict[str, list[Path]] = {name: [] for name in SOURCES}
    totals = {"customers": 0, "events": 0}

    def collect(future: Future) -> None:
        output = future.result()
        truth.append(output.truth)
        for name, path in output.event_files.items():
            event_files[name].append(path)
        totals["customers"] += output.customers
        totals["events"] += output.events
        if progress is not None:
            progress(totals["customers"], customers)

    # The main thread simulates chunk k while writer threads format and write
    # the chunks before it; Arrow and Parquet release the GIL, so both cores
    # stay busy. At most WRITER_THREADS + 1 chunks are in memory, and the
    # truth is appended strictly in chunk order.
    in_flight: deque[Future] = deque()
    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        try:
            for chunk in range(-(-customers // chunk_customers)):
                first = chunk * chunk_customers
                people, events = simulate_chunk(world, seed, chunk, first, min(chunk_customers, customers - first))
                in_flight.append(pool.submit(write_chunk, world, out_dir, chunk, people, events))
                del people, events
                while len(in_flight) >= WRITER_THREADS:
                    collect(in_flight.popleft())
            while in_flight:
                collect(in_flight.popleft())
        finally:
            for future in in_flight:
                future.exception()  # let failed or pending writes finish before closing the truth files
            truth.close()
    return SynthManifest(event_files=event_files, truth_files=truth.files, customers=customers,
                         events=totals["events"], reference_files=reference_files)


def simulate_chunk(world: World, seed: int, chunk: int, first_pid: int, n: int) -> tuple[People, dict[str, np.ndarray]]:
    """Persons first_pid .. first_pid + n - 1 and their events, from the chunk's own random stream."""
    rng = np.random.default_rng([seed, 1, chunk])
    people = draw_people(world, rng, first_pid, n)
    events = simulate_events(world, people, rng)
    mark_linkability(people, events)
    return people, events


def _validate(*, customers: int, chunk_customers: int, start: date, end: date) -> None:
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise SynthConfigError(f"customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers}")
    if chunk_customers < 1:
        raise SynthConfigError(f"chunk_customers must be at least 1, got {chunk_customers}")
    if (end - start).days < 60:
        raise SynthConfigError(f"end must be at least 60 days after start, got {start} .. {end}")


def _prepare_directories(out_dir: Path) -> None:
    for source in SOURCES:
        folder = out_dir / "events" / source
        folder.mkdir(parents=True, exist_ok=True)
        # Parts left over from an earlier, larger run would be ingested too.
        for stale in folder.glob("part-*.parquet"):
            stale.unlink()
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    (out_dir / "reference").mkdir(parents=True, exist_ok=True)
