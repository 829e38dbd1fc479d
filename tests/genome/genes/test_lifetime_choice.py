"""The build publishes the lifetime-value models only where they beat their one-line rules out of time, on a
window the model card never reports on."""

import json
import shutil

import pytest
from helpers import event, paced_store, write_csv

from genome.genes.build import build_genome
from genome.genes.explain import explain
from genome.genes.lifetime import LIFETIME_CHOICE, LifetimeChoice, decide
from genome.ingest import ingest_files
from genome.store_settings import store_setting
from store.duck import connect


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    return paced_store(tmp_path_factory.mktemp("steady"), steady=True)


@pytest.fixture(scope="module")
def changing(tmp_path_factory):
    return paced_store(tmp_path_factory.mktemp("changing"), steady=False)


def _choice(con) -> LifetimeChoice:
    return LifetimeChoice.from_json(store_setting(con, LIFETIME_CHOICE))


def _description(con, gene: str) -> str:
    return con.execute("SELECT description FROM gene_catalog WHERE name = ?", [gene]).fetchone()[0]


def test_customers_who_keep_their_pace_get_the_models_because_they_came_closer(steady):
    con = connect(steady, read_only=True)
    choice = _choice(con)
    assert choice.published == "model"
    assert choice.value_mae < choice.value_mae_rule and choice.days_mae < choice.days_mae_rule
    assert choice.judged_until == "2026-04-01" and choice.customers > 300
    assert "BG/NBD" in _description(con, "clv_12m") and "BG/NBD" in _description(con, "p_alive")
    differ = con.execute("SELECT count(*) FROM customer_genes WHERE clv_12m <> 4 * spend_90d").fetchone()[0]
    assert differ > 300
    con.close()


def test_customers_who_change_pace_get_the_rules_and_the_catalog_says_why(changing):
    con = connect(changing, read_only=True)
    choice = _choice(con)
    assert choice.published == "rule"
    assert choice.value_mae_rule < choice.value_mae and choice.days_mae_rule < choice.days_mae
    wrong = con.execute("""
        SELECT count(*) FILTER (WHERE clv_12m <> 4 * spend_90d),
               count(*) FILTER (WHERE expected_purchases_90d <> d.days),
               count(*) FILTER (WHERE p_alive IS NULL OR NOT p_alive BETWEEN 0 AND 1)
        FROM customer_genes g JOIN (
          SELECT customer_id, count(DISTINCT CAST(occurred_at AS DATE)) FILTER (
                   WHERE event_type = 'purchase' AND occurred_at >= TIMESTAMP '2026-06-30 12:00:00' - INTERVAL 90 DAY)
                 AS days
          FROM customer_events GROUP BY 1) d USING (customer_id)""").fetchone()
    assert wrong == (0, 0, 0)
    assert "four times their spend in the last 90 days" in _description(con, "clv_12m")
    assert "the models did not come closer than the rules in shopping days or spend" in _description(con, "clv_12m")
    assert "BG/NBD" not in _description(con, "expected_purchases_90d")
    con.close()


def test_the_counted_chance_still_active_falls_with_the_time_since_the_last_purchase(changing):
    con = connect(changing, read_only=True)
    recent, lapsed = con.execute("""
        SELECT avg(p_alive) FILTER (WHERE days_since_last_purchase <= 7),
               avg(p_alive) FILTER (WHERE days_since_last_purchase > 60) FROM customer_genes""").fetchone()
    assert recent > lapsed + 0.2
    con.close()


def test_a_ruled_value_is_explained_by_the_purchases_it_counts(changing):
    con = connect(changing, read_only=True)
    customer, spend = con.execute(
        "SELECT customer_id, spend_90d FROM customer_genes WHERE spend_90d > 0 ORDER BY customer_id LIMIT 1").fetchone()
    why = explain(con, customer, "clv_12m")
    assert why.value == pytest.approx(4 * spend)
    assert f"${spend:,.2f} in all" in why.sentence and "purchases in the last 90 days" in why.sentence
    con.close()


def test_the_choice_never_reads_the_last_90_days_the_card_reports_on(changing, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(changing, copy)
    con = connect(copy)
    before = _choice(con)
    spent = con.execute("SELECT sum(spend_90d) FROM customer_genes").fetchone()[0]
    # a burst of spending by 50 known shoppers in the card's window, the first an hour after its cut (the genome's
    # moment, 2026-06-30 12:00, less 90 days) and on the same calendar day
    rows = [event(event_id=f"late-{c}-{when}", occurred_at=when, channel="store", event_type="purchase",
                  customer_ref=f"C{c}", amount="250")
            for c in range(50) for when in ("2026-04-01T13:00:00", "2026-05-02T10:00:00", "2026-06-16T10:00:00")]
    ingest_files(con, [write_csv(tmp_path / "late.csv", rows)])
    build_genome(con)
    after = _choice(con)
    # the genome counts all of it (the same 400 customers), the choice none of it
    assert con.execute("SELECT count(*), sum(spend_90d) FROM customer_genes").fetchone() == \
        (400, pytest.approx(spent + 50 * 3 * 250))
    assert json.loads(after.as_json()) == json.loads(before.as_json())
    con.close()


def test_models_that_beat_the_rules_on_spend_only_are_not_published_half():
    """The value model stands on the purchase model: a build never mixes the models' value with the rules' chance
    still active, which would contradict it for the same customer."""
    assert decide(days_mae=4.49, days_mae_rule=4.48, value_mae=171.6, value_mae_rule=174.6) == "rule"
    assert decide(days_mae=4.40, days_mae_rule=4.48, value_mae=175.0, value_mae_rule=174.6) == "rule"
    assert decide(days_mae=4.40, days_mae_rule=4.48, value_mae=171.6, value_mae_rule=174.6) == "model"


def test_a_store_too_young_to_judge_publishes_the_rules_and_says_why(tmp_path):
    con = connect(tmp_path / "young.duckdb")
    rows = [event(event_id=f"{c}-{d}", occurred_at=f"2026-05-{d:02d}T10:00:00", channel="store",
                  event_type="purchase", customer_ref=f"C{c}", amount=str(10 + c)) for c in range(40) for d in (1, 20)]
    ingest_files(con, [write_csv(tmp_path / "young.csv", rows)])
    build_genome(con)
    choice = _choice(con)
    assert choice.published == "rule"
    assert "no purchase before the last 180 days" in choice.reason
    assert "could not be judged out of time" in _description(con, "clv_12m")
    assert con.execute("SELECT count(*) FROM customer_genes WHERE clv_12m <> 4 * spend_90d").fetchone()[0] == 0
    con.close()


def test_a_store_larger_than_the_choice_sample_is_judged_on_every_kth_customer_alike(steady, tmp_path, monkeypatch):
    from genome.genes import lifetime

    db = tmp_path / "sampled.duckdb"
    shutil.copy(steady, db)
    con = connect(db)
    whole = _choice(con)
    monkeypatch.setattr(lifetime, "CHOICE_SAMPLE", whole.customers // 3)
    build_genome(con)
    sampled = _choice(con)
    con.close()
    assert whole.customers // 4 <= sampled.customers <= whole.customers // 3 + 1
    assert sampled.published == whole.published == "model"
    assert sampled.value_mae == pytest.approx(whole.value_mae, rel=0.25)
