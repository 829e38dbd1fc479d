"""Test helpers: rows and files for ingestion tests, stores with fitted models."""

import csv
from pathlib import Path

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


def fitted_copy(db: Path, folder: Path):
    """A copy of the store at `db` in `folder`, with every model fitted; returns (path, fit report)."""
    import shutil

    from genome.models.fit import fit_models
    from store.duck import connect

    path = folder / "genome.duckdb"
    shutil.copy(db, path)
    con = connect(path)
    try:
        return path, fit_models(con)
    finally:
        con.close()


def plotly_array(value) -> list:
    """A plotly trace's values as a list: plotly 6 writes numeric arrays as {"dtype", "bdata"} (base64)."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)
