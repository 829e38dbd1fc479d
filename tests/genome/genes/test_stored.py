"""The genome's stored shape: model genes kept beside the genome come back as they were defined."""

from genome.genes.definition import Gene
from genome.genes.stored import MODEL_GENES_TABLE, model_gene_rows, stored_model_genes

TASTE = Gene(name="taste_baking", family="taste", description="Share of buying around baking.", type="number",
             expression="model:taste_profiles taste_baking", source="models", label="Taste profile: flour, sugar")


def _keep(store, rows) -> None:
    store.register("_rows", rows)
    store.execute("CREATE TABLE model_gene_catalog AS SELECT * FROM _rows")
    store.execute(f"CREATE TABLE {MODEL_GENES_TABLE} (customer_id VARCHAR)")


def test_a_model_genes_own_label_survives_being_kept_and_read_back(store):
    _keep(store, model_gene_rows([TASTE]))
    assert [g.label for g in stored_model_genes(store)] == ["Taste profile: flour, sugar"]


def test_genes_kept_before_labels_were_stored_are_labelled_from_their_names(store):
    _keep(store, model_gene_rows([TASTE]).drop(columns=["label"]))
    assert [g.label for g in stored_model_genes(store)] == ["Taste baking"]
