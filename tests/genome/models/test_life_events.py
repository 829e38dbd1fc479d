"""Life events from posts: the author's own event, not someone else's; dated and recurring."""

from datetime import datetime

import pandas as pd
import pytest

from genome.models.life_events import (LifeEventClassifier, detect_occurrences, held_out_wording_report,
                                       labelled_posts, next_anniversary)


@pytest.fixture(scope="module")
def corpus():
    return labelled_posts(variants=20, seed=3)


@pytest.fixture(scope="module")
def model(corpus):
    return LifeEventClassifier().fit(corpus["text"], corpus["label"])


def test_the_labelled_corpus_marks_other_peoples_events_as_none(corpus):
    others = corpus[corpus["template_id"].str.contains(".other.", regex=False)]
    assert len(others) > 0 and set(others["label"]) == {"none"}
    assert corpus["template_id"].nunique() > 150


def test_wording_the_classifier_never_saw_is_still_read_well(corpus):
    report = held_out_wording_report(corpus)
    assert report["macro_f1"] >= 0.85, report["per_class_f1"]


@pytest.mark.parametrize("text, event", [
    ("We finally got the keys to our first flat today!", "moving_house"),
    ("So excited, tomorrow is my first day at the new company", "new_job"),
    ("My cousin got married in June and the party was amazing", "none"),
    ("Congrats to Ravi on his graduation!", "none"),
])
def test_new_sentences_are_told_apart_by_whose_event_they_announce(model, text, event):
    assert model.predict([text])[0] == event


def test_posts_about_one_event_become_one_dated_occurrence(model):
    posts = pd.DataFrame({
        "customer_id": ["C1", "C1", "C1", "C2"],
        "posted_at": pd.to_datetime(["2026-05-01", "2026-05-04", "2026-06-20", "2026-05-02"]),
        "text": ["We said I do 💍", "Just married, thank you everyone!!", "coffee first ☕",
                 "my sister's wedding was beautiful"],
    })
    found = detect_occurrences(posts, model)
    assert found[["customer_id", "event", "posts"]].values.tolist() == [["C1", "wedding", 2]]
    assert found["event_date"].iloc[0] == pd.Timestamp("2026-05-02")


def test_the_next_anniversary_counts_days_and_handles_the_29th_of_february():
    dates = pd.Series(pd.to_datetime(["2020-10-05", "2024-02-29", "2025-09-30"]))
    days = next_anniversary(dates, datetime(2026, 9, 30, 23, 59)).tolist()
    assert days == [5.0, 151.0, 0.0]
