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
        return staff(path), fit_models(con)
    finally:
        con.close()


def plotly_array(value) -> list:
    """A plotly trace's values as a list: plotly 6 writes numeric arrays as {"dtype", "bdata"} (base64)."""
    import base64

    import numpy as np

    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value)


def hostile_store(folder: Path, beacon: str) -> Path:
    """A store whose city, store, category and segment name are Markdown and HTML that would fetch `beacon`.

    Half of forty customers live in that city, half shop at that store, half buy that category, each half
    chosen independently (so no gene repeats another and all are published); the build makes genes of them
    (lives_in_..., bought_..., store_...), and a saved segment carries a hostile name: every page that shows
    data shows it.
    """
    from genome.genes.build import build_genome
    from genome.ingest import ingest_files
    from genome.segments.library import save_segment
    from genome.segments.text import parse
    from store.duck import connect
    from store.meta import session

    payloads = hostile_payloads(beacon)
    rows = []
    for c in range(40):
        for i in range(4):
            rows.append(event(event_type="purchase", channel="store", customer_ref=f"CR-{c}",
                              email=f"person{c}@example.com", occurred_at=f"2025-0{1 + i}-1{c % 9}T12:00:00",
                              amount=str(20 + c + i), quantity="1", attributes='{"discount": false}',
                              city=payloads["city"] if c % 2 else "Leeds",
                              store_id=payloads["store"] if c // 2 % 2 else "S-2",
                              category=payloads["category"] if c // 4 % 2 else "bread"))
        rows.append(event(event_type="consent", channel="web", customer_ref=f"CR-{c}",
                          occurred_at="2025-01-01T09:00:00", attributes='{"purpose": "marketing", "granted": true}'))
    header = HEADER + ["city", "store_id", "category"]
    path = folder / "genome.duckdb"
    con = connect(path)
    ingest_files(con, [write_csv(folder / "hostile.csv", rows, header)])
    build_genome(con)
    with session(f"sqlite:///{path.with_suffix('.meta.sqlite')}") as meta:
        save_segment(meta, con, name=payloads["segment"], rule=parse("repeat_buyer"), owner="mara", role="marketer")
    con.close()
    return staff(path)


def hostile_payloads(beacon: str) -> dict[str, str]:
    return {
        "city": f"![x]({beacon}/city.png)",
        "store": f"<img src={beacon}/store.png>",
        "category": f"[click]({beacon}/category) :red[alert] $x^2$",
        "segment": f"![s]({beacon}/segment.png)",
    }


def vega_data(at, index: int = 0):
    """The data behind a page's Vega-Lite chart, as AppTest holds it (Arrow IPC bytes), as a DataFrame."""
    import pyarrow as pa

    proto = at.get("vega_lite_chart")[index].proto
    return pa.ipc.open_stream(proto.datasets[0].data.data).read_all().to_pandas()


def sign_in_as(at, role: str, name: str | None = None):
    """Run the AppTest `at` signed in as `name` (default: that role's account in STAFF) in `role`. Pages trust
    the router's sign-in; the router (app.py) checks the account exists, so there use a store with `staff`."""
    from genome.users import Actor

    at.session_state["user"] = Actor(name or {r: n for n, r in STAFF.items()}[role], role)
    return at


STAFF = {"mara": "marketer", "sam": "service", "max": "manager", "ada": "admin"}
STAFF_PASSWORD = "correct horse battery staple"


_STAFF_TEMPLATE: list[Path] = []  # a metadata store holding only the accounts, made once per run


def _add_staff(url: str) -> None:
    from genome.users import add_account, get_account
    from store.meta import session

    with session(url) as s:
        for name, role in STAFF.items():
            if get_account(s, name=name) is None:
                add_account(s, name=name, role=role, password=STAFF_PASSWORD, by="test setup")


def staff(db: Path) -> Path:
    """Accounts for the store at `db`, one per role (mara marketer, sam service, max manager, ada admin), all
    with STAFF_PASSWORD; returns `db`. Accounts that exist are left alone. A store without a metadata store gets
    a copy of one made once (hashing a password takes a fifth of a second, by design)."""
    import shutil
    import tempfile

    from store.meta import meta_url_for

    meta = Path(db).with_suffix(".meta.sqlite")
    if meta_url_for(db) == f"sqlite:///{meta}" and not meta.exists():
        if not _STAFF_TEMPLATE:
            from store.meta import dispose

            template = Path(tempfile.mkdtemp(prefix="staff-")) / "template.meta.sqlite"
            _add_staff(f"sqlite:///{template}")
            dispose(f"sqlite:///{template}")  # closed, so everything is in the file itself (not its write-ahead log)
            _STAFF_TEMPLATE.append(template)
        shutil.copyfile(_STAFF_TEMPLATE[0], meta)
        return Path(db)
    _add_staff(meta_url_for(db))
    return Path(db)


def studio_copy(demo_db: Path, folder: Path) -> Path:
    """A copy of the demo store in `folder` with the accounts of `staff` and the demo's creative library loaded
    (its pictures in the asset folder beside the store); returns the store's path."""
    import shutil

    from genome.creative.library import import_library
    from store.duck import connect
    from store.meta import meta_url_for, session

    db = staff(shutil.copy(demo_db, folder / "genome.duckdb"))
    con = connect(db, read_only=True)
    try:
        with session(meta_url_for(db)) as s:
            import_library(s, con, Path(__file__).resolve().parents[1] / "assets", owner="mara", role="marketer",
                           asset_dir=db.with_suffix(".assets"))
    finally:
        con.close()
    return db


GAMERS = "bought_video_games OR bought_game_consoles"


def with_gamers(db: Path) -> Path:
    """`db` with the saved segment "Gamers" (GAMERS, saved by mara): the audience the studio and campaign tests
    send the demo's television offer to."""
    from genome.segments.library import save_segment
    from genome.segments.text import parse
    from store.duck import connect
    from store.meta import meta_url_for, session

    con = connect(db, read_only=True)
    try:
        with session(meta_url_for(db)) as s:
            save_segment(s, con, name="Gamers", rule=parse(GAMERS), owner="mara", role="marketer")
    finally:
        con.close()
    return db


def genome_rows(con) -> tuple[list[str], list[tuple]]:
    """The genome's columns in order and its rows in customer order."""
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'customer_genes' "
        "ORDER BY ordinal_position").fetchall()]
    rows = con.execute("SELECT * FROM customer_genes ORDER BY customer_id").fetchall()
    return columns, rows


def with_unmeasured_campaign(demo_db: Path, folder: Path) -> Path:
    """A staffed copy of the demo store in `folder` with one more campaign, "summer-mailer", sent by e-mail to 30
    customers without a control group (so its lift cannot be measured)."""
    import json
    import shutil

    from genome.ingest import ingest_file, ingest_transaction
    from store.duck import connect

    db = staff(shutil.copy(demo_db, folder / "genome.duckdb"))
    receipts = folder / "mailer.jsonl"
    reader = connect(db, read_only=True)
    emails = [r[0] for r in reader.execute(
        "SELECT min(value) FROM identifiers WHERE kind = 'email' GROUP BY customer_id ORDER BY 1 LIMIT 30").fetchall()]
    reader.close()
    receipts.write_text("".join(json.dumps({
        "event_id": f"mailer-{i}", "occurred_at": "2026-06-01T09:00:00", "channel": "email",
        "event_type": "campaign_receipt", "email": e, "attributes": {"campaign_id": "summer-mailer"}}) + "\n"
        for i, e in enumerate(emails)))
    con = connect(db)
    with ingest_transaction(con):
        ingest_file(con, receipts, source="mailer")
    con.close()
    return db


def paced_store(folder: Path, *, steady: bool, customers: int = 400, days: int = 720) -> Path:
    """A store of `customers` shoppers over `days` days up to 2026-06-30, built.

    `steady`: each buys at a rate of their own that never changes (some stop for good), the world the
    lifetime-value models assume. Otherwise each changes pace every two months, by up to four times faster or
    slower, so what a customer did lately says more than their whole history.
    """
    from datetime import date, timedelta

    import numpy as np

    from genome.genes.build import build_genome
    from genome.ingest import ingest_files
    from store.duck import connect

    rng = np.random.default_rng(11)
    end = date(2026, 6, 30)
    rows = []
    for c in range(customers):
        rate = rng.gamma(2.0, 0.04 if steady else 0.1)  # shopping days per day
        basket = rng.gamma(4.0, 10.0)
        stop = rng.integers(0, days) if steady and rng.random() < 0.3 else days
        for day in range(days):
            if not steady and day % 60 == 0:
                rate = float(np.clip(rate * np.exp(rng.normal(0, 0.9)), 0.005, 0.6))
            if day < stop and rng.random() < rate:
                when = end - timedelta(days=days - 1 - day)
                rows.append({"event_id": f"{c}-{day}", "occurred_at": f"{when}T12:00:00", "channel": "store",
                             "event_type": "purchase", "customer_ref": f"C{c}",
                             "amount": f"{basket * rng.gamma(8.0, 1 / 8.0):.2f}"})
    # everyone is known from the first day, so the build sees every customer
    rows += [{"event_id": f"{c}-seen", "occurred_at": f"{end - timedelta(days=days)}T09:00:00", "channel": "web",
              "event_type": "view", "customer_ref": f"C{c}"} for c in range(customers)]
    path = folder / "paced.duckdb"
    con = connect(path)
    try:
        ingest_files(con, [write_csv(folder / "paced.csv", rows)])
        build_genome(con)
    finally:
        con.close()
    return path
