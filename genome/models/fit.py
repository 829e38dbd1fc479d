"""Fit every model on the store's own data, judge it out of time, and publish its genes.

One entry point for the CLI (`genome models fit`), the model cards page's
refit button and the demo. Progress is reported per model; nothing is
written until every model has been fitted, and then in one transaction.

Each model stands alone: one that cannot be fitted on this data (a target
with one outcome, too few customers) gets a card saying why and, for scores
and classes, its genes as a labelled fallback; the others are published.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from genome.errors import GenomeError
from genome.genes.build import events_relation
from genome.models import channel, churn, coupon, discount, lifetime_card, next_category, propensity, uplift
from genome.models.features import store_as_of
from genome.models.life_event_genes import APPROACHING_DAYS, run_life_events
from genome.models.loyalty import run_loyalty
from genome.models.published import publish
from genome.models.recommend import run_recommendations
from genome.models.tasks import BinaryTask, ClassTask, Frames, ModelOutput, not_fitted, run_binary, run_class
from genome.models.tastes import run_tastes
from genome.progress import Progress
from genome.store_settings import store_setting


@dataclass(frozen=True)
class Step:
    """One model: how to fit it, and what it is, for the card it gets should fitting fail."""

    label: str
    name: str
    title: str
    predicts: str
    run: Callable[["_Context"], ModelOutput]
    task: BinaryTask | ClassTask | None = None


def _task_step(label: str, task: BinaryTask | ClassTask) -> Step:
    run = (lambda ctx: run_binary(ctx.frames, task)) if isinstance(task, BinaryTask) else \
        (lambda ctx: run_class(ctx.frames, task))
    predicts = f"whether the customer {task.predicts}" if isinstance(task, BinaryTask) else f"the {task.predicts}"
    return Step(label, task.name, task.title, predicts, run, task)


STEPS = (
    _task_step("purchase propensity", propensity.TASK),
    _task_step("churn risk", churn.TASK),
    _task_step("discount sensitivity", discount.TASK),
    _task_step("coupon response", coupon.TASK),
    _task_step("preferred channel", channel.CHANNEL_TASK),
    _task_step("preferred contact time", channel.CONTACT_TASK),
    _task_step("next likely category", next_category.TASK),
    Step("life events", "life_events", "Life events from social posts", "the author's own life events in posts",
         lambda ctx: run_life_events(ctx.con, ctx.as_of, ctx.frames.consented, approaching_days=ctx.approaching_days)),
    Step("lifetime value", lifetime_card.NAME, lifetime_card.TITLE, lifetime_card.PREDICTS,
         lambda ctx: lifetime_card.run_lifetime_card(ctx.con, ctx.customers)),
    Step("loyalty tiers", "loyalty_tiers", "Loyalty tiers", "Platinum, Gold, Silver or Bronze from 12-month spend",
         lambda ctx: run_loyalty(ctx.con, ctx.as_of, ctx.customers, ctx.frames.categories, ctx.tiers)),
    Step("taste profiles", "taste_profiles", "Taste profiles",
         "groups of categories customers buy together, found in the data",
         lambda ctx: run_tastes(ctx.con, ctx.as_of, ctx.frames.consented)),
    Step("uplift", uplift.NAME, uplift.TITLE, uplift.PREDICTS, lambda ctx: uplift.run_uplift(ctx.frames)),
    Step("recommendations", "recommendations", "Product recommendations", "products the customer is likely to buy",
         lambda ctx: run_recommendations(ctx.con, ctx.as_of, ctx.frames.consented, ctx.product_categories)),
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


def product_categories(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each bought product's category (a till line's category may come from the product catalogue)."""
    return dict(con.execute(
        f"SELECT product_id, any_value(category) FROM {events_relation(con)} WHERE event_type = 'purchase' "
        "AND product_id IS NOT NULL GROUP BY 1").fetchall())


_ESTIMATOR_NAME = re.compile(r"^[A-Z][a-z]+(?:[A-Z][a-z]+)+: ")  # "ChannelPreference: ", as estimators say


@dataclass(frozen=True)
class FitReport:
    models: int
    genes: int
    seconds: float
    cards: list


def fit_models(con: duckdb.DuckDBPyConnection, *, tiers: dict | None = None,
               approaching_days: int = APPROACHING_DAYS, profiling_basis: str | None = None,
               progress: Progress | None = None) -> FitReport:
    """Fit, evaluate and score every model, then publish their genes into the genome.

    `profiling_basis` is the legal basis for scoring customers (`genome.consent.PROFILING_BASES`); when it
    leaves nobody to score, a NotScorable error says so and names the setting, and nothing is written.
    """
    say = progress or (lambda step, done, total: None)
    started = time.perf_counter()
    profiling_basis = profiling_basis or store_setting(con, "profiling_basis", "consent")
    as_of = store_as_of(con)
    customers = pd.Index([r[0] for r in con.execute("SELECT customer_id FROM customers ORDER BY 1").fetchall()],
                         name="customer_id")
    ctx = _Context(con, as_of, Frames(con, as_of, profiling_basis=profiling_basis), customers, product_categories(con),
                   tiers, approaching_days)
    outputs, seconds = [], {}
    total = len(STEPS) + 1
    for i, step in enumerate(STEPS):
        say(step.label, i, total)
        t = time.perf_counter()
        try:
            output = step.run(ctx)
        except GenomeError as exc:  # this model cannot be fitted on this data: the others still are
            # the card names the model by its title; an estimator's class name in front would only puzzle
            reason = _ESTIMATOR_NAME.sub("", str(exc), count=1)
            output = not_fitted(name=step.name, title=step.title, predicts=step.predicts, reason=reason,
                                customers=customers, task=step.task)
        seconds[output.card["name"]] = round(time.perf_counter() - t, 2)
        outputs.append(output)
    say("writing genes", len(STEPS), total)
    publish(con, outputs, fitted_at=datetime.now(UTC), seconds=seconds)
    say("done", total, total)
    return FitReport(models=len(outputs), genes=sum(len(o.genes) for o in outputs),
                     seconds=time.perf_counter() - started, cards=[o.card for o in outputs])
