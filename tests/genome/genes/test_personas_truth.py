"""Persona genes scored against the synthetic ground truth on the full demo data."""

import pytest

from store.duck import connect

# Interest personas (traveller, gamer, parent, runner) have no rule of their own: taste profiles find them in
# the data, checked in tests/genome/models/test_models_on_demo.py.
PERSONAS = {"bargain_hunter": "is_bargain_hunter", "premium_buyer": "is_premium_buyer"}


@pytest.fixture(scope="module")
def scored(full_demo_db):
    con = connect(full_demo_db, read_only=True)
    # each synthetic person is found through the account or e-mail they used
    con.execute("""
        CREATE TEMP TABLE persons AS
        SELECT DISTINCT ON (t.person_id) t.*, i.customer_id
        FROM truth_customers t
        JOIN identifiers i ON i.identifier IN ('customer_ref:' || t.customer_ref, 'email:' || t.email)
        ORDER BY t.person_id, i.kind
    """)
    yield con
    con.close()


def test_almost_every_synthetic_person_is_found_as_a_customer(scored):
    found, persons = scored.execute(
        "SELECT (SELECT count(*) FROM persons), (SELECT count(*) FROM truth_customers)").fetchone()
    assert found / persons > 0.97


@pytest.mark.parametrize("gene, trait", PERSONAS.items())
def test_persona_gene_recovers_the_latent_trait(scored, gene, trait):
    tp, fp, fn = scored.execute(f"""
        SELECT count_if(p.{trait} AND g.{gene}), count_if(NOT p.{trait} AND g.{gene}),
               count_if(p.{trait} AND NOT g.{gene})
        FROM persons p JOIN customer_genes g USING (customer_id)
    """).fetchone()
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= 0.8, f"{gene}: precision {precision:.3f}"
    assert recall >= 0.8, f"{gene}: recall {recall:.3f}"


def test_home_city_matches_where_the_person_lives(scored):
    hits, total = scored.execute("""
        SELECT count_if(g.home_city = coalesce(p.moved_to_city, p.home_city)), count(*)
        FROM persons p JOIN customer_genes g USING (customer_id) WHERE g.home_city IS NOT NULL
    """).fetchone()
    assert hits / total >= 0.8


def test_lives_in_flags_agree_with_home_city(scored):
    assert scored.execute(
        "SELECT count(*) FROM customer_genes WHERE lives_in_chicago <> coalesce(home_city = 'Chicago', false)"
    ).fetchone()[0] == 0
