"""Each model stands alone: what one store cannot teach a model gives that model a fallback and a reason, and the
others are still fitted and published."""

import shutil

import pytest

from genome.models.published import model_cards
from genome.models.tasks import Frames, NotScorable
from genome.today import genome_today
from store.duck import connect


def test_a_store_with_one_channel_builds_and_fits_what_it_can(one_channel_fitted):
    db, _, result = one_channel_fitted
    assert result.exit_code == 0, result.output
    con = connect(db, read_only=True)
    try:
        cards = {c["name"]: c for c in model_cards(con)}
        assert cards["predicted_channel"]["status"] == "not fitted"
        assert cards["predicted_channel"]["reason"].startswith("every training customer has the same outcome")
        assert cards["predicted_channel"]["reason"] in result.stderr  # the shell says why, too
        fitted = [name for name, card in cards.items() if card.get("status") != "not fitted"]
        assert {"purchase_propensity_30d", "churn_risk_90d", "recommendations"} <= set(fitted)
        # the not-fitted model's genes are there, as a labelled fallback for everyone
        fallback, scored = con.execute("SELECT bool_and(predicted_channel_fallback), count(predicted_channel) "
                                       "FROM customer_genes").fetchone()
        assert fallback is True and scored == 0
        assert con.execute("SELECT count(purchase_propensity_30d) FROM customer_genes").fetchone()[0] > 0
    finally:
        con.close()


def test_without_profiling_consent_the_message_names_the_basis_and_the_setting(demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    con = connect(db)
    try:
        con.execute("DELETE FROM events WHERE event_type = 'consent'")
        with pytest.raises(NotScorable, match="GENOME_PROFILING_BASIS=legitimate_interest"):
            Frames(con, genome_today(con))
        everyone = Frames(con, genome_today(con), profiling_basis="legitimate_interest").consented
        assert len(everyone) == con.execute("SELECT count(*) FROM customers").fetchone()[0]
    finally:
        con.close()


def test_customers_who_refused_profiling_are_not_scored_under_legitimate_interest(demo):
    refused = {r[0] for r in demo.execute("SELECT customer_id FROM consent_latest WHERE purpose = 'profiling' "
                                          "AND NOT granted").fetchall()}
    allowed = set(Frames(demo, genome_today(demo), profiling_basis="legitimate_interest").consented)
    assert refused and not refused & allowed


def test_a_store_without_app_users_reaches_the_same_channels_on_the_page_as_in_the_shell(one_channel_fitted):
    from genome.segments.audience import figures
    from genome.segments.index import GenomeIndex
    from genome.segments.preview import preview
    from genome.segments.text import parse

    db, _, _ = one_channel_fitted
    con = connect(db, read_only=True)
    try:
        assert "uses_app" not in {r[0] for r in con.execute("SELECT name FROM gene_catalog").fetchall()}
        index = GenomeIndex(con)
        shown = preview(index, index.mask(parse("purchases_total >= 1"))).reachable
        said = figures(con, parse("purchases_total >= 1")).reachable
    finally:
        con.close()
    assert shown == said and "app push" not in said
