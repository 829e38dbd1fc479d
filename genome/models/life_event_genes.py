"""Life-event genes: the classifier run over the store's social posts, per customer.

For each customer who consented to profiling: their latest own life event,
when it was, whether it recurs (birthdays, wedding anniversaries), one flag
and one "days ago" per event over the last year, and for recurring events how
many days until the next one and whether it falls in the next N days (30 by
default, `GENOME_APPROACHING_DAYS` or `genome models fit --approaching-days`).
Customers without posts of their own to read are marked `life_events_fallback`:
for them "no life event" means unknown, not absent.
"""

import functools
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from genome.errors import InputError
from genome.genes.definition import Gene
from genome.models import life_events, sentence_encoder, wordpiece
from genome.models.life_events import (
    MIN_PROBABILITY,
    NONE,
    RECURRING,
    LifeEventClassifier,
    detect_occurrences,
    held_out_wording_report,
    labelled_posts,
    next_anniversary,
    sealed_report,
)
from genome.models.post_corpus import LIFE_EVENTS
from genome.models.tasks import ModelOutput
from store.settings import get_settings

FAMILY = "life_events"
APPROACHING_DAYS = 30  # the default window of the "approaching" flags
RECENT_DAYS = 365
SENSITIVITY = "life_event"

POSTS_SQL = """
SELECT i.customer_id, e.occurred_at AS posted_at, e.text
FROM events e JOIN identifiers i ON i.identifier = e.anchor
WHERE e.event_type = 'post' AND e.text IS NOT NULL
ORDER BY i.customer_id, e.occurred_at
"""


def life_event_genes(approaching_days: int = APPROACHING_DAYS) -> list[Gene]:
    genes = [
        Gene("life_events_fallback", FAMILY, "No own posts to read (none linked, or profiling refused): "
             "life events are unknown, not absent.", "flag", "model:life_events no posts", source="models",
             sensitivity=SENSITIVITY),
        Gene("life_event_latest", FAMILY, "The customer's most recent own life event announced in their posts.",
             "category", "model:life_events latest", source="models", sensitivity=SENSITIVITY),
        Gene("life_event_latest_days_ago", FAMILY, "Days since the most recent own life event.", "number",
             "model:life_events latest date", unit="days", source="models", sensitivity=SENSITIVITY),
        Gene("life_event_latest_recurs", FAMILY, "The most recent life event comes back every year "
             "(a birthday or a wedding anniversary).", "flag", "model:life_events recurs", source="models",
             sensitivity=SENSITIVITY),
    ]
    for event in LIFE_EVENTS:
        words = event.replace("_", " ")
        genes += [
            Gene(f"life_event_{event}", FAMILY, f"Posted about their own {words} in the last {RECENT_DAYS} days.",
                 "flag", f"model:life_events {event}", source="models", sensitivity=SENSITIVITY),
            Gene(f"life_event_{event}_days_ago", FAMILY, f"Days since their own latest {words} (from posts).",
                 "number", f"model:life_events {event} date", unit="days", source="models",
                 sensitivity=SENSITIVITY),
        ]
    for event, name in RECURRING.items():
        words = name.replace("_", " ")
        genes += [
            Gene(f"days_to_{name}", FAMILY, f"Days until the customer's next {words} (from posts).", "number",
                 f"model:life_events next {name}", unit="days", source="models", sensitivity=SENSITIVITY),
            Gene(f"{name}_approaching_{approaching_days}d", FAMILY,
                 f"The customer's {words} falls in the next {approaching_days} days.", "flag",
                 f"model:life_events {name} within {approaching_days} days", source="models",
                 sensitivity=SENSITIVITY),
        ]
    return genes


def posts_of_consenting_customers(con: duckdb.DuckDBPyConnection, consented: pd.Index) -> pd.DataFrame:
    """The posts of the customers models may profile."""
    posts = con.execute(POSTS_SQL).df()
    return posts[posts["customer_id"].isin(consented)].reset_index(drop=True)


def gene_values(occurrences: pd.DataFrame, customers: pd.Index, as_of: datetime, *, posters: pd.Index,
                approaching_days: int = APPROACHING_DAYS) -> pd.DataFrame:
    """One row per customer in `customers` with every life-event gene; `posters` have posts to read."""
    today = pd.Timestamp(as_of).normalize()
    out = pd.DataFrame(index=customers)
    out["life_events_fallback"] = ~customers.isin(posters)
    occ = occurrences.copy()
    occ["days_ago"] = (today - pd.to_datetime(occ["event_date"])).dt.days.clip(lower=0)
    latest = occ.sort_values(["customer_id", "event_date"]).groupby("customer_id").tail(1).set_index("customer_id")
    out["life_event_latest"] = latest["event"].reindex(customers).astype(object)
    out["life_event_latest_days_ago"] = latest["days_ago"].reindex(customers).astype(float)
    out["life_event_latest_recurs"] = out["life_event_latest"].isin(list(RECURRING)).to_numpy()
    for event in LIFE_EVENTS:
        mine = occ[occ["event"] == event].groupby("customer_id")["days_ago"].min()
        days = mine.reindex(customers).astype(float)
        out[f"life_event_{event}"] = (days <= RECENT_DAYS).fillna(False).to_numpy(dtype=bool)
        out[f"life_event_{event}_days_ago"] = days
    for event, name in RECURRING.items():
        dated = occ[occ["event"] == event].groupby("customer_id")["event_date"].max()
        days = next_anniversary(dated, as_of).reindex(customers)
        out[f"days_to_{name}"] = days
        out[f"{name}_approaching_{approaching_days}d"] = (days <= approaching_days).fillna(False).to_numpy(bool)
    return out


@functools.cache
def trained_reader() -> tuple[pd.DataFrame, LifeEventClassifier, dict]:
    """The labelled corpus, the classifier fitted on it and its report (held-out wording, sealed posts).

    The corpus ships with the product and does not change with the store's data, so one fit serves every
    refit in the process, and the cross-validated report (most of a minute) every process (`held_out_report`).
    """
    corpus = labelled_posts()
    report = held_out_report(corpus)
    model = LifeEventClassifier().fit(corpus["text"], corpus["label"])
    return corpus, model, report | sealed_report(model)


def held_out_report(corpus: pd.DataFrame) -> dict:
    """`held_out_wording_report` of `corpus`, kept as JSON in the cache folder (`GENOME_CACHE_DIR`) under a key of
    the corpus and the reader's code, so a new process (a `genome models fit`, an app refitting) finds it instead of
    cross-validating again. Plain figures only: a file there can change no behaviour, and a stale one is never
    found, since any change of texts or code changes the key."""
    key = hashlib.sha256(pd.util.hash_pandas_object(corpus[["text", "label", "template_id"]], index=False)
                         .to_numpy().tobytes())
    for module in (life_events, sentence_encoder, wordpiece):
        key.update(Path(module.__file__).read_bytes())
    key.update(f"{sentence_encoder.PACKAGE} {sentence_encoder.VERSION}".encode())
    path = get_settings().cache_dir / f"life-event-report-{key.hexdigest()[:24]}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    text = json.dumps(held_out_wording_report(corpus))
    try:  # written whole or not at all; a folder that cannot be written only costs the next process the minute
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass
    return json.loads(text)


def run_life_events(con: duckdb.DuckDBPyConnection, as_of: datetime, consented: pd.Index, *,
                    approaching_days: int = APPROACHING_DAYS) -> ModelOutput:
    if not 1 <= approaching_days <= 365:
        raise InputError(f"approaching_days: give 1 to 365 days, got {approaching_days}")
    posts = posts_of_consenting_customers(con, consented)
    if posts.empty:  # nothing to read: fitting the reader would cost a minute and score nobody
        raise InputError("no social posts by customers who may be profiled: there is nothing to read life "
                          "events from (load events of type post with their text)")
    corpus, model, report = trained_reader()
    occurrences = detect_occurrences(posts, model)
    posters = pd.Index(posts["customer_id"].unique())
    values = gene_values(occurrences, consented, as_of, posters=posters, approaching_days=approaching_days)
    card = {
        "name": "life_events", "title": "Life events from social posts",
        "predicts": "the author's own life event in a post (" + ", ".join(LIFE_EVENTS) + f", or {NONE})",
        "kind": "text", "horizon_days": None,
        "train_cutoff": None, "evaluation_cutoff": None, "scored_as_of": as_of.isoformat(),
        "training_window": f"{len(corpus):,} labelled synthetic posts from {corpus['template_id'].nunique()} "
                           "wording templates",
        "features": ["word 1-2-gram TF-IDF", "character 2-5-gram TF-IDF",
                     "life-event vocabulary, and self or other cues near it",
                     "sentence embeddings (pretrained all-MiniLM-L6-v2) and their nearness to each label's "
                     "description"],
        "training_customers": int(len(corpus)),
        "metrics": dict(report),
        "scored_customers": int(len(consented)),
        "fallback_share": float(1 - len(posters) / len(consented)) if len(consented) else 0.0,
        "fallback": "customers without posts of their own: life_events_fallback, life events unknown "
                    "(not 'no event')",
        "posts_read": int(len(posts)), "events_found": int(len(occurrences)),
        "min_probability": MIN_PROBABILITY,
    }
    return ModelOutput(card, life_event_genes(approaching_days), values,
                       extra_tables={"customer_life_events": occurrences.assign(
                           event_date=pd.to_datetime(occurrences["event_date"]))})
