"""Serving the app for real-browser tests and benchmarks: Streamlit on a free port of 127.0.0.1, and the way
Debian's chromium is started on these machines."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(db: Path, script: Path = ROOT / "app.py", env: dict[str, str] | None = None):
    """`script` (the app by default) served over the store at `db`, with `env` added to its environment, until the
    block ends; yields (url, pid)."""
    port = free_port()
    env = {**os.environ, **(env or {}), "GENOME_DB": str(db)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"Streamlit did not start: {server.stderr.read().decode()[-2000:]}")
        time.sleep(0.3)
    try:
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def open_signed_in(page, address: str, name: str = "mara") -> None:
    """Open `address` (the app or one of its pages) and sign in as one of `helpers.STAFF`; the page asked for opens
    once signed in. A fresh address is a fresh session, so every `goto` signs in again."""
    from helpers import STAFF_PASSWORD
    from playwright.sync_api import expect

    page.goto(address)
    user = page.get_by_role("textbox", name="User name")
    expect(user).to_be_visible(timeout=30_000)
    user.fill(name)
    page.get_by_role("textbox", name="Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible(timeout=30_000)
