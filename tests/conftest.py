"""Shared fixtures: stores built in temporary folders, never from ../shared."""

import atexit
import os
import secrets
import shutil
import tempfile
from pathlib import Path

# A worker of a parallel run computes on one core: two workers whose OpenMP and BLAS pools each spin on both cores
# slow the boosted-tree fits tenfold.
if "PYTEST_XDIST_WORKER" in os.environ:
    for pool in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[pool] = "1"

import pytest  # noqa: E402  (after the pools are sized: numpy reads them when it loads)
from parallel import pytest_configure_node, pytest_xdist_make_scheduler, write_groups  # noqa: E402, F401

from store.duck import connect  # noqa: E402

# The run's own cache folder, inherited by the apps it serves: nothing is read from or left in the user's. Workers
# of a parallel run (`make test` runs two) inherit the folder their controller made, so a report one worker
# computes the other finds; the controller removes it at the end.
if "PYTEST_XDIST_WORKER" not in os.environ:
    os.environ["GENOME_CACHE_DIR"] = tempfile.mkdtemp(prefix="genome-cache-")
    atexit.register(shutil.rmtree, os.environ["GENOME_CACHE_DIR"], ignore_errors=True)
    # one password for the run's PostgreSQL role, so that a worker setting it cannot lock the other out
    os.environ["GENOME_TEST_PG_PASSWORD"] = secrets.token_urlsafe(16)


def pytest_collection_modifyitems(config, items):
    write_groups(config, items)


@pytest.fixture(scope="session")
def postgres_server():
    """Debian's PostgreSQL cluster, running, with a role for the tests."""
    from postgres import start_server

    return start_server()


@pytest.fixture(params=["sqlite", "postgresql"])
def meta_url(request, tmp_path):
    """A metadata store of each kind the product supports: a SQLite file, and a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'meta.sqlite'}"
        return
    from postgres import database

    with database(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "genome.duckdb")
    yield con
    con.close()


def _demo_store(folder: Path, customers: int, seed: int) -> Path:
    from genome.genes.build import build_genome
    from synthetic.demo import build_demo

    con = connect(folder / "demo.duckdb")
    build_demo(con, folder / "sources", customers=customers, seed=seed)
    build_genome(con)
    con.close()
    from helpers import staff

    return staff(folder / "demo.duckdb")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A small demo store (1,500 synthetic customers) with its genome, built once per test run."""
    return _demo_store(tmp_path_factory.mktemp("demo"), 1_500, 11)


@pytest.fixture(scope="session")
def full_demo_db(tmp_path_factory) -> Path:
    """The demo data set as `make run` builds it (20,000 customers), for ground-truth scores."""
    return _demo_store(tmp_path_factory.mktemp("demo20k"), 20_000, 7)


@pytest.fixture(scope="session")
def fitted_demo(demo_db, tmp_path_factory):
    """The small demo store with every model fitted, as (path, fit report); for tests that only read it."""
    from helpers import fitted_copy

    return fitted_copy(demo_db, tmp_path_factory.mktemp("fitted_demo"))


@pytest.fixture(scope="session")
def spark():
    """Spark inside the test process (`local[2]`), started once: starting it takes seconds."""
    from store.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


@pytest.fixture
def demo(demo_db):
    con = connect(demo_db, read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def one_channel_fitted(demo_db, tmp_path_factory):
    """A retailer with tills only: the small demo store with every event moved to the store channel, rebuilt, then
    fitted from the shell (`genome models fit --tiers ... --approaching-days 21`). One fit serves the tests of the
    shell's options and of models that cannot be fitted on such data. Returns (store, tiers file, CLI result)."""
    import json
    import shutil

    from helpers import staff
    from typer.testing import CliRunner

    from genome.cli import app
    from genome.genes.build import build_genome

    folder = tmp_path_factory.mktemp("one_channel")
    db = staff(shutil.copy(demo_db, folder / "genome.duckdb"))
    con = connect(db)
    con.execute("UPDATE events SET channel = 'store'")
    build_genome(con)
    con.close()
    tiers = folder / "tiers.json"
    tiers.write_text(json.dumps({"all": [3000, 1000, 300, 1]}))
    result = CliRunner().invoke(app, ["models", "fit", "--as", "mara", "--db", str(db), "--tiers", str(tiers),
                                      "--approaching-days", "21"])
    return db, tiers, result
