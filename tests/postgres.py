"""A real PostgreSQL for the metadata tests: Debian's cluster, started when it is down, one database per test.

`make test` installs Debian's postgresql when missing. The server refuses to
run as root, so Debian's own cluster is started (`pg_ctlcluster`, which runs
it as the postgres user); the tests connect over TCP as a role of their own
with a password made for this run, and pytest-postgresql's janitor creates
and drops a database per test.
"""

import fcntl
import os
import secrets
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

ROLE = "genome_test"
PORT_FILE = "/etc/postgresql/{version}/main/postgresql.conf"


def _sudo() -> list[str]:
    return [] if os.geteuid() == 0 else ["sudo"]


def _version() -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise RuntimeError("Debian's postgresql is missing: `make test` installs it (apt-get install postgresql)")
    return versions[-1].parts[-3]


def _port(version: str) -> int:
    for line in Path(PORT_FILE.format(version=version)).read_text().splitlines():
        if line.strip().startswith("port") and "=" in line:
            return int(line.split("=", 1)[1].split("#")[0].strip())
    return 5432


def start_server() -> dict:
    """Start the cluster if it is down and (re)create the test role; returns how to connect.

    The workers of a parallel run take turns (a lock file) and set the one password their controller made."""
    with open(Path(tempfile.gettempdir()) / "genome-test-postgres.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _start_server(os.environ.get("GENOME_TEST_PG_PASSWORD") or secrets.token_urlsafe(16))


def _start_server(password: str) -> dict:
    version = _version()
    status = subprocess.run([*_sudo(), "pg_ctlcluster", version, "main", "status"], capture_output=True, text=True)
    if status.returncode != 0:
        started = subprocess.run([*_sudo(), "pg_ctlcluster", version, "main", "start"], capture_output=True,
                                 text=True)
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL {version} did not start: {started.stderr.strip()}")
    statement = (f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN "
                 f"ALTER ROLE {ROLE} LOGIN CREATEDB PASSWORD '{password}'; ELSE "
                 f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{password}'; END IF; END $$;")
    made = subprocess.run([*_sudo(), "runuser", "-u", "postgres", "--", "psql", "-p", str(_port(version)), "-q",
                           "-c", statement], capture_output=True, text=True)
    if made.returncode != 0:
        raise RuntimeError(f"could not make the test role: {made.stderr.strip()}")
    return {"host": "127.0.0.1", "port": _port(version), "user": ROLE, "password": password, "version": version}


@contextmanager
def database(server: dict):
    """A fresh database on `server` for one test; yields its SQLAlchemy URL, dropped afterwards."""
    from pytest_postgresql.janitor import DatabaseJanitor

    from store.meta import dispose

    name = f"genome_{uuid.uuid4().hex[:12]}"
    url = f"postgresql+psycopg://{server['user']}:{server['password']}@{server['host']}:{server['port']}/{name}"
    with DatabaseJanitor(user=server["user"], host=server["host"], port=server["port"], dbname=name,
                         password=server["password"]):
        try:
            yield url
        finally:
            dispose(url)  # the janitor cannot drop a database the engine still holds connections to
