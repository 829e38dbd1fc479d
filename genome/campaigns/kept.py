"""Campaign outcomes kept by the build: every campaign's recipients and what they did, measured once.

Measuring a campaign reads its receipts and hold-outs and every purchase in the
span its windows cover, and resolves them all to customers: most of a report's
time on a large store. A campaign's outcomes change only when the events or the
identities do, so `genome build` measures every campaign the events name and
keeps the rows here, with a fingerprint of the events and identifiers they were
measured from (GrowthBook keeps an experiment's results as a snapshot the same
way). A report reads the kept rows while the fingerprint still matches, and
measures from the events again as soon as anything was ingested, erased or
re-resolved since; both ways give the same rows.

The fingerprint is the events' count and highest rowid (events are only ever
appended, or deleted by an erasure) and a hash of every identifier with its
customer (identity resolution rewrites them all).

Grain of `campaign_outcomes`: one row per campaign_id, window_days and recipient (customer_id).
Grain of `campaign_outcome_sets`: one row per campaign_id and window_days kept.
"""

import duckdb
import pyarrow as pa

from genome.campaigns.measure import OUTCOMES_SQL, PRE_DAYS, campaigns_found, recipient_outcomes
from genome.progress import Progress
from genome.store_settings import set_store_setting, store_setting
from store.duck import table_exists

DEFAULT_WINDOW = 14  # days: a campaign no plan gives a window is measured over this
MARK = "campaign_outcomes_of"

_FINGERPRINT = """
SELECT (SELECT count(*) FROM events), (SELECT coalesce(max(rowid), -1) FROM events),
       (SELECT count(*) FROM identifiers), (SELECT coalesce(bit_xor(hash(identifier, customer_id)), 0) FROM identifiers)
"""


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """What the kept outcomes were measured from: the events as appended so far and every identifier's customer."""
    return ":".join(str(v) for v in con.execute(_FINGERPRINT).fetchall()[0])


def keep_outcomes(con: duckdb.DuckDBPyConnection, *, windows: dict[str, int] | None = None,
                  progress: Progress | None = None) -> int:
    """Measure every campaign the events name, over its planned window (`windows`, by campaign; else 14 days),
    and keep the rows in place of those kept before, in one transaction. Returns how many campaigns were kept."""
    say = progress or (lambda step, done, total: None)
    windows = windows or {}
    found = campaigns_found(con)
    mark = fingerprint(con)
    con.execute("BEGIN TRANSACTION")
    try:
        # the columns are the measuring query's own, so kept rows read back exactly as measured ones
        con.execute(f"CREATE OR REPLACE TABLE campaign_outcomes AS SELECT ''::VARCHAR AS campaign_id, "
                    f"0::INTEGER AS window_days, * FROM ({OUTCOMES_SQL}) LIMIT 0",
                    {"campaign": "", "window": DEFAULT_WINDOW, "pre_days": PRE_DAYS})
        con.execute("CREATE OR REPLACE TABLE campaign_outcome_sets (campaign_id VARCHAR NOT NULL, "
                    "window_days INTEGER NOT NULL, recipients BIGINT NOT NULL)")
        for done, c in enumerate(found):
            say("measuring campaigns", done, len(found))
            window = int(windows.get(c["campaign"], DEFAULT_WINDOW))
            con.execute(f"INSERT INTO campaign_outcomes SELECT $campaign, $window, * FROM ({OUTCOMES_SQL})",
                        {"campaign": c["campaign"], "window": window, "pre_days": PRE_DAYS})
            con.execute("INSERT INTO campaign_outcome_sets SELECT ?, ?, count(*) FROM campaign_outcomes "
                        "WHERE campaign_id = ? AND window_days = ?", [c["campaign"], window, c["campaign"], window])
        set_store_setting(con, MARK, mark)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    say("measuring campaigns", len(found), len(found))
    return len(found)


def kept_is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the kept outcomes were measured from the events and identifiers as they are now."""
    if not table_exists(con, "campaign_outcome_sets"):
        return False
    mark = store_setting(con, MARK)
    return mark is not None and mark == fingerprint(con)


def campaign_outcomes(con: duckdb.DuckDBPyConnection, campaign_id: str, *, window_days: int,
                      current: bool | None = None) -> pa.Table:
    """`recipient_outcomes(con, campaign_id, window_days=...)`: the rows the last build kept when they are current
    (`current`, when the caller has checked already), else measured from the events now."""
    if current is None:
        current = kept_is_current(con)
    if current:
        cursor = con.cursor()
        try:
            kept = cursor.execute("SELECT count(*) FROM campaign_outcome_sets WHERE campaign_id = ? "
                                  "AND window_days = ?", [campaign_id, int(window_days)]).fetchall()[0][0]
            if kept:
                return cursor.sql("SELECT * EXCLUDE (campaign_id, window_days) FROM campaign_outcomes "
                                  "WHERE campaign_id = $campaign AND window_days = $window ORDER BY customer_id",
                                  params={"campaign": campaign_id, "window": int(window_days)}).to_arrow_table()
        finally:
            cursor.close()
    return recipient_outcomes(con, campaign_id, window_days=window_days)


def campaigns_named(con: duckdb.DuckDBPyConnection, *, current: bool | None = None) -> set[str]:
    """Every campaign the events name: those the last build kept when its outcomes are current, else found now."""
    if current is None:
        current = kept_is_current(con)
    if current:
        return {r[0] for r in con.execute("SELECT DISTINCT campaign_id FROM campaign_outcome_sets").fetchall()}
    return {c["campaign"] for c in campaigns_found(con)}
