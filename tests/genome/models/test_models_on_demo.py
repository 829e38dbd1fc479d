"""Every model fitted on the 20,000-customer demo store and held to its quality bar.

The models are fitted once, on a copy of the demo store, and judged on what
happened after their cut-off; the life-event genes are scored against the
synthetic truth that product code never reads.
"""

import numpy as np
import pandas as pd
import pytest
from helpers import fitted_copy

from genome.consent import profiling_allowed_sql
from genome.genes.build import build_genome
from genome.models.life_event_genes import posts_of_consenting_customers
from genome.models.life_events import LifeEventClassifier, detect_occurrences, labelled_posts
from genome.models.published import model_cards, recommendations_for
from genome.sensitivity import SPECIAL_CATEGORIES, sensitivities, sensitivity_of
from store.duck import connect


@pytest.fixture(scope="module")
def fitted(full_demo_db, tmp_path_factory):
    path, report = fitted_copy(full_demo_db, tmp_path_factory.mktemp("models"))
    con = connect(path)
    con.execute("""
        CREATE TEMP TABLE persons AS
        SELECT DISTINCT ON (t.person_id) t.person_id, i.customer_id
        FROM truth_customers t
        JOIN identifiers i ON i.identifier IN ('customer_ref:' || t.customer_ref, 'email:' || t.email)
        ORDER BY t.person_id, i.kind
    """)
    yield con, report, {c["name"]: c for c in report.cards}
    con.close()


def test_the_fitted_demo_catalog_holds_over_a_thousand_genes_in_over_ten_families(fitted):
    n, families = fitted[0].execute("SELECT count(*), count(DISTINCT family) FROM gene_catalog").fetchone()
    assert n >= 1000 and families >= 10


@pytest.mark.parametrize("model", ["purchase_propensity_30d", "churn_risk_90d"])
def test_propensity_and_churn_rank_what_actually_happened_after_the_cutoff(fitted, model):
    card = fitted[2][model]
    assert card["metrics"]["roc_auc"] >= 0.75
    assert card["train_cutoff"] < card["evaluation_cutoff"] < card["scored_as_of"]
    assert len(card["metrics"]["calibration"]["predicted"]) == 10 and len(card["metrics"]["lift"]) == 10


def test_class_models_beat_the_rule_of_thumb_they_are_shown_beside(fitted):
    # the model's own figure on the evaluation window, whichever validation chose to publish
    for name in ("predicted_channel", "best_contact_time"):
        metrics = fitted[2][name]["metrics"]
        assert metrics["model_accuracy"] > metrics["baseline_accuracy"], name


def test_a_class_model_is_published_only_when_it_beat_its_rule_on_held_out_customers(fitted):
    for name in ("predicted_channel", "best_contact_time", "next_category"):
        card = fitted[2][name]
        validation = card["metrics"]["validation"]
        won = validation["model"] > validation["baseline"]
        assert card["status"] == ("published" if won else "baseline published"), name
        assert card["metrics"]["published"] == ("model" if won else "baseline")


def test_recommendations_hit_at_least_one_and_a_half_times_as_often_as_the_most_popular(fitted):
    metrics = fitted[2]["recommendations"]["metrics"]
    assert metrics["hit_rate_at_10"] >= 1.5 * metrics["popular_hit_rate_at_10"] > 0


def test_the_life_event_classifier_reads_unseen_templates_and_sealed_posts_with_a_macro_f1_of_at_least_085(fitted):
    metrics = fitted[2]["life_events"]["metrics"]
    assert metrics["macro_f1"] >= 0.85 and metrics["sealed_macro_f1"] >= 0.85
    assert metrics["sealed_posts"] == 80


def test_customers_without_posts_are_marked_as_unknown_not_as_having_no_event(fitted):
    con = fitted[0]
    rows = con.execute("""
        SELECT g.life_events_fallback, p.customer_id IS NOT NULL AS posted, g.life_event_wedding
        FROM customer_genes g JOIN consent_latest c ON c.customer_id = g.customer_id AND c.purpose = 'profiling'
        LEFT JOIN (SELECT DISTINCT i.customer_id FROM events e JOIN identifiers i ON i.identifier = e.anchor
                   WHERE e.event_type = 'post' AND e.text IS NOT NULL) p ON p.customer_id = g.customer_id
        WHERE c.granted
    """).fetchall()
    fallback, posted = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    assert fallback.any() and (~fallback).any() and (fallback == ~posted).all()
    assert not any(r[2] for r in rows if r[0])  # no life event is claimed for someone we cannot read


LIFE_EVENT_PRECISION_SQL = """
SELECT count(*), count_if(EXISTS (
    SELECT 1 FROM persons p JOIN truth_life_events t USING (person_id)
    WHERE p.customer_id = l.customer_id AND t.event = l.event
      AND abs(date_diff('day', t.event_date, CAST(l.event_date AS DATE))) <= 14))
FROM {table} l
"""


def test_life_event_genes_recover_the_true_events_with_precision_of_at_least_08(fitted):
    found, right = fitted[0].execute(LIFE_EVENT_PRECISION_SQL.format(table="customer_life_events")).fetchone()
    assert found > 1000 and right / found >= 0.8


def test_life_events_stay_precise_when_a_third_of_the_wording_was_never_seen(fitted):
    con = fitted[0]
    corpus = labelled_posts()
    templates = sorted(corpus["template_id"].unique())
    unseen = set(templates[::3])
    model = LifeEventClassifier().fit(*corpus.loc[~corpus["template_id"].isin(unseen), ["text", "label"]].T.values)
    consented = pd.Index([r[0] for r in con.execute(profiling_allowed_sql()).fetchall()])
    con.register("_found", detect_occurrences(posts_of_consenting_customers(con, consented), model))
    found, right = con.execute(LIFE_EVENT_PRECISION_SQL.format(table="_found")).fetchone()
    assert right / found >= 0.8


def test_model_genes_join_the_genome_with_one_row_per_customer(fitted):
    con = fitted[0]
    customers, rows, ids = con.execute(
        "SELECT (SELECT count(*) FROM customers), count(*), count(DISTINCT customer_id) FROM model_genes"
    ).fetchone()
    assert customers == rows == ids
    catalog = dict(con.execute("SELECT name, coverage FROM gene_catalog WHERE family IN "
                               "('predictions', 'life_events', 'loyalty', 'recommendations', 'taste')").fetchall())
    assert len(catalog) == fitted[1].genes
    assert catalog["churn_risk_90d"] > 0.5 and catalog["loyalty_tier"] > 0.5


def test_customers_who_refused_profiling_get_no_predictions(fitted):
    scored = fitted[0].execute("""
        SELECT count(g.churn_risk_90d), count(g.top_recommendation), count_if(g.life_event_birthday)
        FROM customer_genes g JOIN consent_latest c USING (customer_id)
        WHERE c.purpose = 'profiling' AND NOT c.granted
    """).fetchone()
    assert scored == (0, 0, 0)


def test_customers_without_purchases_get_the_fallback_and_it_is_labelled(fitted):
    con = fitted[0]
    rows = con.execute("""
        SELECT g.churn_risk_90d_fallback, g.recommendations_fallback, g.churn_risk_90d,
               coalesce(g.purchase_days, 0) = 0 AS never_bought
        FROM customer_genes g WHERE g.churn_risk_90d IS NOT NULL
    """).fetchall()
    fallback = np.array([r[0] for r in rows])
    never = np.array([r[3] for r in rows])
    assert fallback.any() and (fallback == never).all()
    assert len({r[2] for r in rows if r[0]}) == 1  # one segment average for all of them
    assert fitted[2]["churn_risk_90d"]["fallback_share"] == pytest.approx(fallback.mean())


def test_percentile_genes_follow_their_scores(fitted):
    score, pct = np.array(fitted[0].execute(
        "SELECT purchase_propensity_30d, purchase_propensity_30d_pct FROM customer_genes "
        "WHERE purchase_propensity_30d IS NOT NULL ORDER BY purchase_propensity_30d").fetchall()).T
    assert pct.min() == 0 and pct.max() == 100 and (np.diff(pct) >= 0).all()


def test_every_customer_with_consent_has_ten_recommendations_with_names(fitted):
    con = fitted[0]
    per_customer = con.execute(
        "SELECT min(n), max(n) FROM (SELECT customer_id, count(DISTINCT product_id) AS n "
        "FROM customer_recommendations GROUP BY 1)").fetchone()
    assert per_customer == (10, 10)


def test_no_recommendation_names_a_product_of_a_special_category_though_customers_buy_them(fitted):
    con = fitted[0]
    kinds = sensitivities(c for (c,) in con.execute("SELECT DISTINCT category FROM products").fetchall())
    special = {c for c, kind in kinds.items() if kind in SPECIAL_CATEGORIES}
    bought = con.execute("SELECT count(*) FROM events WHERE event_type = 'purchase' AND list_contains(?, category)",
                         [sorted(special)]).fetchone()[0]
    recommended = con.execute("SELECT p.* FROM customer_recommendations r JOIN products p USING (product_id)").df()
    words = recommended.reindex(columns=["name", "department"])  # a catalogue may have no departments
    assert bought > 0 and len(recommended)
    assert not recommended["category"].isin(special).any()
    assert not [r for r in words.itertuples(index=False) if sensitivity_of(*r) in SPECIAL_CATEGORIES]
    assert "never one of a special category" in fitted[2]["recommendations"]["predicts"]


def test_a_customers_recommendations_are_ranked_named_and_ready_for_profiles_and_creatives(fitted):
    con = fitted[0]
    customer = con.execute("SELECT customer_id FROM customer_recommendations WHERE NOT fallback "
                           "ORDER BY customer_id LIMIT 1").fetchone()[0]
    shown = recommendations_for(con, customer)
    assert shown["rank"].tolist() == list(range(1, 11))
    assert shown["name"].notna().all() and shown["category"].notna().all() and not shown["fallback"].any()
    assert recommendations_for(con, "no such customer").empty
    con.execute("ALTER TABLE products RENAME TO products_hidden")
    try:  # a store without a product catalogue still shows what and from which category
        bare = recommendations_for(con, customer)
    finally:
        con.execute("ALTER TABLE products_hidden RENAME TO products")
    assert bare["product_id"].tolist() == shown["product_id"].tolist()
    assert bare["name"].isna().all() and bare["category"].tolist() == shown["category"].tolist()


def test_cards_say_what_each_model_predicts_how_it_was_trained_and_when(fitted):
    cards = model_cards(fitted[0])
    assert [c["name"] for c in cards] == list(fitted[2])
    for card in cards:
        if card.get("status") == "not fitted":  # the demo has no coupon redemptions to learn from
            assert card["reason"] and card["predicts"], card["name"]
            continue
        assert card["predicts"] and card["training_window"] and card["features"], card["name"]
        assert card["fitted_at"] is not None and 0 <= card["fallback_share"] <= 1


def test_a_genome_rebuild_keeps_the_model_genes(fitted):
    con = fitted[0]
    before = con.execute("SELECT sum(churn_risk_90d), count(loyalty_tier) FROM customer_genes").fetchone()
    build_genome(con)
    after = con.execute("SELECT sum(churn_risk_90d), count(loyalty_tier) FROM customer_genes").fetchone()
    assert after == pytest.approx(before)
    # the score and class models' 21 genes (one not fitted: its genes hold a labelled fallback) and uplift's two
    assert con.execute("SELECT count(*) FROM gene_catalog WHERE family = 'predictions'").fetchone()[0] == 23


def test_taste_genes_are_labelled_by_the_categories_of_their_profile(fitted):
    con, _, cards = fitted
    profiles = cards["taste_profiles"]["metrics"]["profiles"]
    labels = dict(con.execute("SELECT name, label FROM gene_catalog WHERE name LIKE 'taste%'").fetchall())
    assert profiles and all(labels[name] == f"Taste profile: {p['label']}" and
                            labels[f"{name}_fan"] == f"Fan of taste profile: {p['label']}"
                            for name, p in profiles.items())
    # the catalog's value comparison names the profiles taste_top holds by their labels, not their gene names
    from genome.genes.catalog import gene_distribution, value_comparison

    groups = value_comparison(con, "taste_top").groups["group"].tolist()
    assert groups and all(g.startswith("Taste profile: ") for g in groups)
    bars = gene_distribution(con, "taste_top")["label"].tolist()
    assert all(b.startswith("Taste profile: ") or b == "(none)" for b in bars) and len(bars) > 1


def test_taste_profiles_found_in_the_data_recover_hidden_personas(fitted):
    """A check of the method: of the demo's hidden traveller, gamer, parent and runner personas, which product
    code never reads, at least two come back as distinct taste profiles whose fans are mostly that persona (on
    this store the stability rule settles on three profiles: travel and gaming stay inside a broad one)."""
    con, _, cards = fitted
    profiles = cards["taste_profiles"]["metrics"]["profiles"]
    fans = con.execute("SELECT p.person_id, " + ", ".join(f'g."{name}_fan"' for name in profiles)
                       + " FROM persons p JOIN customer_genes g USING (customer_id)").df().set_index("person_id")
    truth = con.execute("SELECT person_id, is_traveller, is_gamer, is_parent, is_runner FROM truth_customers"
                        ).df().set_index("person_id").reindex(fans.index)
    recovered = {}
    for persona in truth.columns:
        real = truth[persona].astype(bool)
        for name in profiles:
            flagged = fans[f"{name}_fan"].fillna(False).astype(bool)
            hits = (flagged & real).sum()
            if hits / max(flagged.sum(), 1) >= 0.8 and hits / max(real.sum(), 1) >= 0.4:
                recovered[persona] = name
    assert len(recovered) >= 2 and len(set(recovered.values())) == len(recovered), recovered


def test_uplift_learnt_from_earlier_campaigns_finds_more_extra_buyers_in_later_ones_than_propensity(fitted):
    card = fitted[2]["uplift_purchase"]
    m = card["metrics"]
    assert card["status"] == "published" and m["validation"]["model"] > m["validation"]["propensity"]
    assert set(m["training_campaigns"]).isdisjoint(m["evaluation_campaigns"]) and m["evaluation_campaigns"]
    # measured on the later campaigns only, the whole 95% interval of the difference above zero
    assert m["qini_interval"][0] > 0 and m["model_minus_propensity"][0] > 0
    assert m["extra_buyers_per_1000"]["model"] > m["extra_buyers_per_1000"]["propensity"]


def test_the_uplift_gene_ranks_lapsed_customers_above_those_who_just_bought(fitted):
    # the demo's campaigns move customers who have not bought for two months most: a method that learns uplift
    # from treated and control groups finds them without being told
    lapsed, recent = fitted[0].execute("""
        SELECT avg(uplift_purchase) FILTER (WHERE days_since_last_purchase > 60),
               avg(uplift_purchase) FILTER (WHERE days_since_last_purchase < 14)
        FROM customer_genes""").fetchone()
    assert lapsed > recent + 0.02
