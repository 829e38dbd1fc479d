"""Profile benchmark: opening one customer's whole profile, target under 500 ms on 1,000,000 customers.

- project: what the Customer page does for one look-up, from the store:
  `find_customers` by the customer's e-mail, then `customer_profile` (every
  section, the timeline's first page);
- baseline: the one line of SQL for "this customer's events",
  `SELECT * FROM customer_events WHERE customer_id = ?`, in the same run.

Customers are drawn at random (fixed seed) and looked up by their e-mail, or
another identifier when they have none; the first few look-ups warm the
store and are not counted.

    python bench/profile_bench.py --db STORE [--lookups 60]

STORE is a store with a built genome, e.g. `genome demo --customers 1000000`
or the store `bench/genome_build_bench.py` builds.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genome.service.lookup import find_customers  # noqa: E402
from genome.service.profile import customer_profile  # noqa: E402
from store.duck import connect  # noqa: E402
from store.meta import session  # noqa: E402

WARM = 5
TARGET_MS = 500


def _percentiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _time_lookups(con, meta, people) -> tuple[list[float], list[float], list[int]]:
    """Milliseconds per look-up and whole profile, and per plain events query, and events per customer; the
    first WARM look-ups are not counted."""
    ours, theirs, sizes = [], [], []
    for n, (customer_id, identifier) in enumerate(people):
        started = time.perf_counter()
        match = [m for m in find_customers(con, identifier) if m.customer_id == customer_id]
        profile = customer_profile(con, match[0].customer_id, actor="bench", role="service", meta=meta)
        took = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        rows = con.execute("SELECT * FROM customer_events WHERE customer_id = ?", [customer_id]).fetchall()
        plain = (time.perf_counter() - started) * 1000
        assert profile["timeline"]["total"] == len(rows), customer_id  # the same events, both ways
        if n >= WARM:
            ours.append(took)
            theirs.append(plain)
            sizes.append(len(rows))
    return ours, theirs, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--lookups", type=int, default=60)
    args = parser.parse_args()

    con = connect(args.db, read_only=True)
    customers, events = con.execute("SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM events)"
                                    ).fetchone()
    # each customer's e-mail where they have one (the usual look-up), else another identifier
    people = con.execute("SELECT * FROM (SELECT customer_id, arg_min(value, kind <> 'email') FROM identifiers "
                         f"GROUP BY customer_id) USING SAMPLE reservoir({int(args.lookups) + WARM} ROWS) "
                         "REPEATABLE (7)").fetchall()
    # each look is audited, as in the app: into a metadata store of the benchmark's own
    with session(f"sqlite:///{Path(tempfile.mkdtemp(prefix='profile-bench-')) / 'meta.sqlite'}") as meta:
        ours, theirs, sizes = _time_lookups(con, meta, people)
    con.close()
    p50, p95 = _percentiles(ours)
    b50, b95 = _percentiles(theirs)
    print(f"store {args.db}: {customers:,} customers, {events:,} events; {len(ours)} look-ups "
          f"({statistics.mean(sizes):.0f} events per customer on average)")
    print(f"project  look-up + whole profile             p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
          f"(target p95 < {TARGET_MS} ms: {'met' if p95 < TARGET_MS else 'NOT met'})")
    print(f"baseline SELECT * FROM customer_events       p50 {b50:7.1f} ms   p95 {b95:7.1f} ms")


if __name__ == "__main__":
    main()
