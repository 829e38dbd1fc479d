"""Gene families are declared with keyword arguments: every field of a declaration says what it is."""

import pytest

from genome.genes.families import Family, category_family, rfm_family


def test_a_family_or_gene_declared_by_position_is_refused():
    with pytest.raises(TypeError):
        Family("rfm", "SELECT * FROM _ev", (), "Recency.")
    from genome.genes.families import _count

    with pytest.raises(TypeError):
        _count("purchases_total", "rfm", "Purchase lines ever bought.", "event_type = 'purchase'", "purchases")


def test_declared_families_hold_named_genes_with_their_evidence():
    rfm = rfm_family()
    genes = {g.name: g for g in rfm.genes}
    assert rfm.name == "recency_frequency_monetary" and "purchases_total" in genes
    assert genes["purchases_total"].type == "number" and genes["purchases_total"].evidence.noun == "purchases"
    wine = {g.name for g in category_family(("wine",)).genes}
    assert "bought_wine" in wine
