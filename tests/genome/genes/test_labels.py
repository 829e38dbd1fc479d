"""Every gene has a label for people beside its technical name."""

from genome.genes.definition import Gene
from genome.genes.labels import label_for


def test_well_known_genes_read_as_people_say_them():
    assert label_for("clv_12m") == "Expected 12-month value"
    assert label_for("valuable_at_risk") == "Valuable but lapsing"
    assert label_for("purchases_90d") == "Purchases, last 90 days"
    assert label_for("birthday_approaching_30d") == "Birthday in the next 30 days"
    assert label_for("avg_something_new") == "Average something new"


def test_a_gene_without_a_label_gets_one_from_its_name_and_a_given_label_is_kept():
    assert Gene(name="night_owl", family="habits", description="Late.", type="flag", expression="true").label \
        == "Night owl"
    assert Gene(name="x_1", family="f", description="d", type="flag", expression="true", label="Mine").label == "Mine"


def test_every_gene_in_the_demo_catalog_has_a_label_in_words(demo):
    rows = demo.execute("SELECT name, label, family FROM gene_catalog").fetchall()
    assert rows and all(label and label.strip() for _, label, _ in rows)
    assert all(label[0].isupper() or label[0].isdigit() for _, label, _ in rows)
    # labels are words, not the name again: no snake_case outside store ids (S-CHI-01 style values)
    snake = [(n, label) for n, label, family in rows if "_" in label and family != "store"]
    assert snake == []


def test_genes_from_values_in_the_data_say_the_value(demo):
    labels = dict(demo.execute("SELECT name, label FROM gene_catalog").fetchall())
    assert labels["bought_running_shoes"] == "Bought running shoes"
    assert labels["running_shoes_purchases_90d"] == "Running shoes purchases, last 90 days"
    assert labels["lives_in_chicago"] == "Lives in Chicago"
    assert labels["bargain_hunter_weekend_shopper"] == "Bargain hunter who shops at weekends"


def test_a_prediction_is_never_labelled_as_past_behaviour():
    from genome.models.fit import STEPS
    from genome.models.tasks import _genes

    labels = {gene.name: gene.label for step in STEPS if step.task is not None for gene in _genes(step.task)}
    assert labels["coupon_response_90d"] == "Chance of redeeming a coupon, next 90 days"
    assert not [name for name, label in labels.items() if ", last " in label]
