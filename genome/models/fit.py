"""Fit every model on the store's own data, judge it out of time, and publish its genes.

One entry point for the CLI (`genome models fit`), the model cards page's
refit button and the demo. Progress is reported per model; nothing is
written until every model has been fitted, and then in one transaction.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from genome.models import channel, churn, discount, next_category, propensity
from genome.models.features import store_as_of
from genome.models.life_event_genes import APPROACHING_DAYS, run_life_events
from genome.models.loyalty import run_loyalty
from genome.models.published import publish
from genome.models.recommend import run_recommendations
from genome.models.tasks import Frames, run_binary, run_class

Progress = Callable[[str, int, int], None]

STEPS = (
    ("purchase propensity", lambda ctx: run_binary(ctx.frames, propensity.TASK)),
    ("churn risk", lambda ctx: run_binary(ctx.frames, churn.TASK)),
    ("discount sensitivity", lambda ctx: run_binary(ctx.frames, discount.TASK)),
    ("preferred channel", lambda ctx: run_class(ctx.frames, channel.CHANNEL_TASK)),
    ("preferred contact time", lambda ctx: run_class(ctx.frames, channel.CONTACT_TASK)),
    ("next likely category", lambda ctx: run_class(ctx.frames, next_category.TASK)),
    ("life events", lambda ctx: run_life_events(ctx.con, ctx.as_of, ctx.frames.consented,
                                                approaching_days=ctx.approaching_days)),
    ("loyalty tiers", lambda ctx: run_loyalty(ctx.con, ctx.as_of, ctx.customers, ctx.frames.categories,
                                              ctx.tiers)),
    ("recommendations", lambda ctx: run_recommendations(ctx.con, ctx.as_of, ctx.frames.consented,
                                                        ctx.product_categories)),
)


@dataclass
class _Context:
    con: duckdb.DuckDBPyConnection
    as_of: datetime
    frames: Frames
    customers: pd.Index
    product_categories: dict
    tiers: dict | None
    approaching_days: int


@dataclass(frozen=True)
class FitReport:
    models: int
    genes: int
    seconds: float
    cards: list


def fit_models(con: duckdb.DuckDBPyConnection, *, tiers: dict | None = None,
               approaching_days: int = APPROACHING_DAYS, progress: Progress | None = None) -> FitReport:
    """Fit, evaluate and score every model, then publish their genes into the genome."""
    say = progress or (lambda step, done, total: None)
    started = time.perf_counter()
    as_of = store_as_of(con)
    customers = pd.Index([r[0] for r in con.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall()],
                         name="customer_id")
    product_categories = dict(con.execute(
        "SELECT product_id, any_value(category) FROM events WHERE event_type = 'purchase' "
        "AND product_id IS NOT NULL GROUP BY 1").fetchall())
    ctx = _Context(con, as_of, Frames(con, as_of), customers, product_categories, tiers, approaching_days)
    outputs, seconds = [], {}
    total = len(STEPS) + 1
    for i, (label, step) in enumerate(STEPS):
        say(label, i, total)
        t = time.perf_counter()
        output = step(ctx)
        seconds[output.card["name"]] = round(time.perf_counter() - t, 2)
        outputs.append(output)
    say("writing genes", len(STEPS), total)
    publish(con, outputs, fitted_at=datetime.now(UTC), seconds=seconds)
    say("done", total, total)
    return FitReport(models=len(outputs), genes=sum(len(o.genes) for o in outputs),
                     seconds=time.perf_counter() - started, cards=[o.card for o in outputs])
