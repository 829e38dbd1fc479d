"""Shared fixtures: stores built in temporary folders, never from ../shared."""

import csv
from pathlib import Path

import pytest

from store.duck import connect

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["event_id", "occurred_at", "channel", "event_type", "customer_ref", "email", "phone",
          "loyalty_id", "device_id", "amount", "quantity", "attributes", "text"]


def event(**values) -> dict:
    """A valid web view by customer CR-1 unless told otherwise."""
    row = {"occurred_at": "2025-06-01T10:00:00", "channel": "web", "event_type": "view", "customer_ref": "CR-1"}
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})
    return path


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "genome.duckdb")
    yield con
    con.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A small demo store (1,500 synthetic customers), built once per test run."""
    from genome.demo import build_demo

    folder = tmp_path_factory.mktemp("demo")
    con = connect(folder / "demo.duckdb")
    build_demo(con, folder / "sources", customers=1_500, seed=11)
    con.close()
    return folder / "demo.duckdb"
