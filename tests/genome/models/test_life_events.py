"""Life events from posts: the author's own event, not someone else's; dated and recurring."""

from datetime import datetime

import pandas as pd
import pytest

from genome.models.life_event_genes import gene_values, life_event_genes, trained_reader
from genome.models.life_events import (
    LifeEventClassifier,
    detect_occurrences,
    labelled_posts,
    next_anniversary,
    sealed_report,
)


@pytest.fixture(scope="module")
def corpus():
    return labelled_posts(variants=20, seed=3)


@pytest.fixture(scope="module")
def model():
    return trained_reader()[1]  # the reader `genome models fit` uses, fitted on the corpus it ships


def test_the_held_out_report_is_computed_once_and_kept_for_every_later_process(monkeypatch, tmp_path):
    from genome.models import life_event_genes
    from store.settings import get_settings

    monkeypatch.setenv("GENOME_CACHE_DIR", str(tmp_path))
    get_settings.cache_clear()
    calls = []
    monkeypatch.setattr(life_event_genes, "held_out_wording_report",
                        lambda corpus: calls.append(len(corpus)) or {"macro_f1": 0.9, "posts": len(corpus)})
    small = labelled_posts(variants=2, seed=1)
    try:
        first = life_event_genes.held_out_report(small)
        assert life_event_genes.held_out_report(small) == first == {"macro_f1": 0.9, "posts": len(small)}
        assert calls == [len(small)] and len(list(tmp_path.glob("life-event-report-*.json"))) == 1
        life_event_genes.held_out_report(small.iloc[1:])  # other texts: another key, computed anew
        assert len(calls) == 2
    finally:
        get_settings.cache_clear()


def test_the_labelled_corpus_marks_other_peoples_events_as_none(corpus):
    others = corpus[corpus["template_id"].str.contains(".other.", regex=False)]
    assert len(others) > 0 and set(others["label"]) == {"none"}
    assert corpus["template_id"].nunique() > 150


def test_wording_templates_the_classifier_never_saw_are_still_read_well():
    report = trained_reader()[2]  # the report on the card, from the corpus the product ships
    assert report["macro_f1"] >= 0.85, report["per_class_f1"]
    # one event at a time, since a marketer acts on one: none is read badly on wording it never saw
    assert set(report["per_event"]) == {"birthday", "wedding", "new_baby", "graduation", "moving_house", "new_job",
                                        "none"}
    for event, figures in report["per_event"].items():
        assert figures["precision"] >= 0.7 and figures["recall"] >= 0.8, (event, figures)


def test_sealed_hand_written_posts_are_read_as_well_as_unseen_templates(model):
    report = sealed_report(model)
    assert report["sealed_posts"] == 80 and report["development_posts"] == 92
    assert sum(f["posts"] for f in report["sealed_per_event"].values()) == 80
    assert report["sealed_macro_f1"] >= 0.85
    assert report["development_macro_f1"] >= report["sealed_macro_f1"] - 0.05  # read while writing the lexicon


def test_the_meaning_reader_earns_its_place_on_the_sealed_posts(model):
    product = labelled_posts()
    words_alone = LifeEventClassifier(meaning_weight=0).fit(product["text"], product["label"])
    assert words_alone.meaning_ is None
    assert sealed_report(model)["sealed_macro_f1"] > sealed_report(words_alone)["sealed_macro_f1"] + 0.02


def test_a_meaning_weight_outside_0_to_1_is_refused(corpus):
    with pytest.raises(ValueError, match="meaning_weight is a share from 0 to 1, got 1.5"):
        LifeEventClassifier(meaning_weight=1.5).fit(corpus["text"][:10], corpus["label"][:10])


def test_customers_without_posts_are_a_labelled_fallback_and_approaching_follows_the_window():
    as_of = datetime(2026, 9, 30)
    occurrences = pd.DataFrame({"customer_id": ["C1"], "event": ["birthday"],
                                "event_date": pd.to_datetime(["2025-10-20"]), "posts": [2], "probability": [0.9]})
    customers = pd.Index(["C1", "C2", "C3"], name="customer_id")
    values = gene_values(occurrences, customers, as_of, posters=pd.Index(["C1", "C2"]), approaching_days=14)
    assert values["life_events_fallback"].tolist() == [False, False, True]
    assert values["days_to_birthday"].tolist()[0] == 20.0
    assert values["birthday_approaching_14d"].tolist() == [False, False, False]
    wider = gene_values(occurrences, customers, as_of, posters=pd.Index(["C1", "C2"]), approaching_days=21)
    assert wider["birthday_approaching_21d"].tolist() == [True, False, False]
    assert {g.name for g in life_event_genes(21)} >= {"birthday_approaching_21d", "life_events_fallback"}


@pytest.mark.parametrize("text, event", [
    ("We finally got the keys to our first flat today!", "moving_house"),
    ("Keys in hand! First night in our new apartment", "moving_house"),
    ("Our daughter arrived at 3:12 this morning", "new_baby"),
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
