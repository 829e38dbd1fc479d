"""Any retailer's file goes in through a mapping written once; a mapping mistake is one line naming the column."""

import csv
import json

import pytest
from typer.testing import CliRunner

from genome.cli import app
from store.duck import connect

runner = CliRunner()
TILL = [
    {"hh": "1029", "ts": "04/03/2017 10:15", "value": "2,99", "disc": "-0,50", "cpn": "0", "basket": "B1", "sku": "77"},
    {"hh": "1029", "ts": "04/03/2017 10:15", "value": "1,25", "disc": "0", "cpn": "-0,30", "basket": "B1", "sku": "78"},
    {"hh": "2044", "ts": "not a time", "value": "3,00", "disc": "0", "cpn": "0", "basket": "B2", "sku": "77"},
]
MAPPING = """
[source]
name = "till"
timezone = "America/Chicago"
timestamp_format = "%d/%m/%Y %H:%M"
decimal_comma = true

[columns]
occurred_at = "ts"
customer_ref = "hh"
amount = "value"
product_id = "sku"

[constants]
channel = "store"
event_type = "purchase"

[templates]
event_id = "{basket}-{sku}"

[attributes]
basket_id = "basket"
discount_amount = { sum = ["disc"] }
coupon_amount = { sum = ["cpn"] }
"""


def _files(tmp_path, mapping=MAPPING, rows=TILL):
    source = tmp_path / "till.csv"
    with source.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "till.toml").write_text(mapping)
    return source, tmp_path / "till.toml"


def test_a_mapped_file_lands_in_the_contract_shape(tmp_path):
    source, mapping = _files(tmp_path)
    db = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["ingest", str(source), "--map", str(mapping), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    totals = json.loads(result.stdout)
    assert (totals["accepted"], totals["quarantined"]) == (2, 1)
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT event_id, occurred_at, channel, event_type, amount, attributes, b.source "
                           "FROM events JOIN ingest_batches b USING (batch_id) ORDER BY event_id").fetchall()
        reason = con.execute("SELECT reason FROM quarantined_rows").fetchone()[0]
    finally:
        con.close()
    first = rows[0]
    assert first[:5] == ("B1-77", __import__("datetime").datetime(2017, 3, 4, 16, 15), "store", "purchase", 2.99)
    assert json.loads(first[5]) == {"basket_id": "B1", "discount": True, "discount_amount": 0.5,
                                    "coupon": False, "coupon_amount": 0.0}
    assert json.loads(rows[1][5])["coupon_amount"] == 0.3 and first[6] == "till"
    assert reason == "occurred_at 'not a time' is not a timestamp"


@pytest.mark.parametrize("mapping, message", [
    (MAPPING.replace('amount = "value"', 'amount = "valeu"'),
     "mapping till.toml: [columns] amount: till.csv has no column 'valeu' (it has hh, ts, value"),
    (MAPPING.replace('product_id = "sku"', 'product = "sku"'),
     "mapping till.toml: [columns] product: not a column of the contract"),
    (MAPPING.replace('"America/Chicago"', '"America/Chicgo"'),
     "mapping till.toml: [source] timezone: unknown time zone 'America/Chicgo'"),
    (MAPPING.replace('basket_id = "basket"', 'basket_id = 7'),
     "mapping till.toml: [attributes] basket_id: give a column"),
    (MAPPING + "\n[extras]\nx = 1\n", "mapping till.toml: unknown section [extras]"),
])
def test_a_mapping_mistake_is_one_line_naming_it_and_nothing_is_ingested(tmp_path, mapping, message):
    source, path = _files(tmp_path, mapping)
    db = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["ingest", str(source), "--map", str(path), "--db", str(db)])
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    if db.exists():
        con = connect(db, read_only=True)
        try:
            assert con.execute("SELECT count(*) FROM events").fetchone()[0] == 0
        finally:
            con.close()


def test_products_give_till_lines_their_category_and_customer_attributes_become_sensitive_genes(tmp_path):
    db = tmp_path / "s.duckdb"
    rows = [{"hh": str(h), "ts": f"0{1 + d % 9}/03/2017 10:15", "value": "2,00", "disc": "0", "cpn": "0",
             "basket": f"B{h}-{d}", "sku": "77" if h % 2 else "78"} for h in range(30) for d in range(3)]
    source, mapping = _files(tmp_path, rows=rows)
    assert runner.invoke(app, ["ingest", str(source), "--map", str(mapping), "--db", str(db)]).exit_code == 0
    products = tmp_path / "products.csv"
    products.write_text("sku,description,dept,commodity\n77,Baby wipes,DRUG GM,BABY HBC\n78,Cola 2L,GROCERY,"
                        "SOFT DRINKS\n,orphan,X,Y\n")
    (tmp_path / "products.toml").write_text('[columns]\nproduct_id = "sku"\nname = "description"\n'
                                            'department = "dept"\ncategory = "commodity"\n')
    done = runner.invoke(app, ["import", "products", str(products), "--map", str(tmp_path / "products.toml"),
                               "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert "2 products stored, 1 quarantined" in done.stdout
    people = tmp_path / "demographics.csv"
    people.write_text("customer_ref,age,income,kids_count\n" + "".join(
        f"{h},{'25-34' if h % 3 else '65+'},35-49K,{h % 3}\n" for h in range(30)))
    assert runner.invoke(app, ["import", "customers", str(people), "--db", str(db)]).exit_code == 0
    assert runner.invoke(app, ["build", "--db", str(db)]).exit_code == 0
    con = connect(db, read_only=True)
    try:
        genes = dict(con.execute("SELECT name, sensitivity FROM gene_catalog").fetchall())
        bought = con.execute("SELECT count(*) FROM customer_genes WHERE bought_soft_drinks").fetchone()[0]
    finally:
        con.close()
    assert genes["bought_baby_hbc"] == "children" and genes["bought_soft_drinks"] is None
    assert bought == 15
    assert genes["profile_age"] == "demographic" and genes["profile_income"] == "financial"
    assert genes["profile_kids_count"] == "children"
