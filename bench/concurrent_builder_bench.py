"""Many marketers open the segment builder at once: time to their first audience number, in real browsers.

For each N (default 1, 8 and 16) the app is started afresh on the store and
N real browsers (Playwright on Debian's chromium, one browser process each,
all on this machine, so their own rendering competes for the same cores)
open the segment builder at the same moment. Each has the sign-in form open
for a marketer account of its own, clicks "Sign in" at the same moment and
waits for the builder's "Audience" figure to show a number: the time counts
the password check (argon2id) as well as the page. That is the cold round; the same N then open it
again on the now warm app. Printed per round: time to the first number p50,
p95 and slowest, pages that showed an error or no number within the time
limit, and the app process's CPU seconds per page opened.

Baseline in the same run: a one-line Streamlit page that shows a constant
number (`bench/baseline_app.py`), served and opened the same way. It is the
floor set by Streamlit and the browsers on this machine, with no genome work.

The page's own rerun (the script, not the browser) is timed with Streamlit's
AppTest on the warm builder, beside the baseline page's rerun.

The accounts are made in a copy of the store's metadata beside a copy of
the store, in a temporary folder, so the store measured is left as it was.

    python bench/concurrent_builder_bench.py --db data/genome.duckdb [--users 1 8 16]
"""

import argparse
import asyncio
import os
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the project first: tests/genome (test modules) must not shadow the genome package
sys.path[:0] = [str(ROOT)]
sys.path.append(str(ROOT / "tests"))
from e2e.serving import CHROMIUM, CHROMIUM_FLAGS as FLAGS, serve  # noqa: E402  (after the path above)

LIMIT_S = 180.0  # a page without a number by then counts as an error
PASSWORD = secrets.token_urlsafe(16)  # of the benchmark's own accounts, in its copy of the store


def _account(i: int) -> str:
    return f"bench-marketer-{i:02d}"


def _store_with_accounts(db: Path, folder: Path, users: int) -> Path:
    """A copy of the store at `db` in `folder`, with a marketer account per browser."""
    from genome.users import add_account
    from store.meta import meta_url_for, session

    copy = folder / db.name
    shutil.copyfile(db, copy)
    with session(meta_url_for(copy)) as s:
        for i in range(users):
            add_account(s, name=_account(i), role="marketer", password=PASSWORD, by="benchmark")
    return copy
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def _open(browser, url: str, start: asyncio.Event, account: str | None) -> tuple[float | None, str | None]:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        if account is not None:  # the form is filled before the start; the click is timed
            await page.goto(url, timeout=LIMIT_S * 1000)
            await page.get_by_role("textbox", name="User name").fill(account)
            await page.get_by_role("textbox", name="Password").fill(PASSWORD)
        await start.wait()
        began = time.perf_counter()
        if account is not None:
            await page.get_by_role("button", name="Sign in").click()
        else:
            await page.goto(url, timeout=LIMIT_S * 1000)
        value = page.get_by_test_id("stMetric").filter(has_text="Audience").get_by_test_id("stMetricValue")
        while time.perf_counter() - began < LIMIT_S:
            if await page.get_by_test_id("stException").count():
                return None, "exception shown: " + (await page.get_by_test_id("stException").first.inner_text())[:200]
            if await value.count() and re.search(r"\d", await value.first.inner_text()):
                return time.perf_counter() - began, None
            await page.wait_for_timeout(50)
        return None, f"no number within {LIMIT_S:.0f} s"
    except Exception as exc:  # a page that fails to load is an error of the round, not of the benchmark
        return None, f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        await context.close()


async def _round(url: str, users: int, signed: bool, shared: bool = False) -> list[tuple[float | None, str | None]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        count = 1 if shared else users
        browsers = [await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS) for _ in range(count)]
        start = asyncio.Event()
        tasks = [asyncio.create_task(_open(browsers[i % count], url, start, _account(i) if signed else None))
                 for i in range(users)]
        await asyncio.sleep(5.0 if signed else 1.0)  # every browser is up (and its form filled) and waiting
        start.set()
        results = await asyncio.gather(*tasks)
        for browser in browsers:
            await browser.close()
    return results


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _measure(script: Path, path: str, db: Path, users: int, shared: bool = False) -> dict:
    rounds = {}
    with serve(db, script) as (url, pid):
        for name in ("cold", "warm"):
            before = _cpu_seconds(pid)
            results = asyncio.run(_round(url + path, users, script.name == "app.py", shared))
            cpu = _cpu_seconds(pid) - before
            times = [t for t, _ in results if t is not None]
            errors = [e for _, e in results if e is not None]
            rounds[name] = {"times": times, "errors": errors, "cpu_per_page": cpu / users}
    return rounds


def _rerun_times(page: Path, db: Path, repeat: int = 20) -> list[float]:
    from streamlit.testing.v1 import AppTest

    from genome.users import Actor
    from store.settings import get_settings

    os.environ["GENOME_DB"] = str(db)
    get_settings.cache_clear()
    at = AppTest.from_file(str(page), default_timeout=120)
    at.session_state["user"] = Actor(_account(0), "marketer")  # pages trust the router's sign-in
    at.run()
    if page.name == "segments.py":  # a typical rule: three conditions, lift table and all
        at.text_area(key="seg_text").input("repeat_buyer AND clv_12m >= 100 AND NOT lapsed_90d")
        at.button[[b.label for b in at.button].index("Apply text")].click().run()
    at.run()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - began)
    assert not at.exception, [e.value for e in at.exception]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "genome.duckdb")
    parser.add_argument("--users", type=int, nargs="+", default=[1, 8, 16])
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"no store at {args.db}: run `make demo` first")
    print(f"store {args.db}; {os.cpu_count()} cores; browsers and app on this machine", flush=True)
    scratch = tempfile.TemporaryDirectory()
    args.db = _store_with_accounts(args.db, Path(scratch.name), max(args.users))

    project = _rerun_times(ROOT / "app_pages" / "segments.py", args.db)
    floor = _rerun_times(ROOT / "bench" / "baseline_app.py", args.db)
    print(f"\npage rerun (script only, warm, 20 runs): builder p50 {statistics.median(project) * 1000:.0f} ms, "
          f"p95 {_percentile(project, 0.95) * 1000:.0f} ms; one-metric page p50 "
          f"{statistics.median(floor) * 1000:.0f} ms", flush=True)

    print("\ntime to the first audience number, N browsers at once (the builder from clicking Sign in)")
    print(f"{'page':<22}{'N':>4} {'round':<6}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'errors':>8}{'app CPU s/page':>16}")
    for users in args.users:
        for label, script, path in (("segment builder", ROOT / "app.py", "/segments"),
                                    ("baseline (1 metric)", ROOT / "bench" / "baseline_app.py", "/")):
            rounds = _measure(script, path, args.db, users)
            for name, r in rounds.items():
                times = r["times"] or [float("nan")]
                print(f"{label:<22}{users:>4} {name:<6}{statistics.median(times):>8.2f}"
                      f"{_percentile(times, 0.95):>8.2f}{max(times):>8.2f}{len(r['errors']):>8}"
                      f"{r['cpu_per_page']:>16.2f}", flush=True)
                for error in sorted(set(r["errors"]))[:3]:
                    print(f"    error: {error}")


if __name__ == "__main__":
    main()
