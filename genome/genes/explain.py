"""Why does a customer have a gene? The evidence behind one value, in words.

Event genes point at the customer's events that support them ("4 running_shoes
purchases in the last 90 days, 3 of them at weekends"); derived genes explain
themselves through the genes they combine. Values come from the built genome,
evidence from the events as of the same reference date.
"""

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from genome.errors import UnknownCustomer, UnknownGene
from genome.genes.build import event_view_sql, events_relation, local_zone_of, merged_spellings


@dataclass
class Explanation:
    gene: str
    customer_id: str
    value: object
    sentence: str
    evidence: pd.DataFrame = field(repr=False)
    unit: str | None = None
    parts: list["Explanation"] = field(default_factory=list)


def format_value(value, unit: str | None) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "USD":
        return f"${value:,.2f}"
    if unit == "share" or unit == "probability":
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def _gene_row(con, name: str) -> dict:
    row = con.execute("SELECT * FROM gene_catalog WHERE name = ?", [name]).fetchone()
    if row is None:
        raise UnknownGene(f"unknown gene {name!r}")
    columns = [d[0] for d in con.description]
    return dict(zip(columns, row))


def _value(con, customer_id: str, name: str):
    # the name was checked against the catalog, so quoting it is safe
    row = con.execute(f'SELECT "{name}" FROM customer_genes WHERE customer_id = ?', [customer_id]).fetchone()
    if row is None:
        raise UnknownCustomer(f"unknown customer {customer_id!r}")
    return row[0]


def _evidence(con, customer_id: str, where: str, as_of: datetime) -> pd.DataFrame:
    # `where` comes from the gene catalog (built from constants), never from user input; the events are read
    # as the build read them (merged spellings, categories from products, the store's time zone)
    view = event_view_sql("price_bands", one_customer=True, merged=merged_spellings(con), events=events_relation(con),
                          local_zone=local_zone_of(con))
    return con.execute(
        f"SELECT occurred_at, event_type, channel, category, amount, store_id, city, weekend "
        f"FROM ({view}) WHERE {where} ORDER BY occurred_at DESC",
        {"as_of": as_of, "customer_id": customer_id},
    ).df()


def _describe_evidence(evidence: pd.DataFrame, noun: str) -> str:
    n = len(evidence)
    if n == 0:
        return f"no {noun}"
    text = f"{n} {noun}"
    weekend = int(evidence["weekend"].sum())
    if weekend:
        text += f", {weekend} of them at weekends"
    latest = evidence["occurred_at"].iloc[0]
    text += f"; latest on {latest:%d %b %Y}"
    spent = evidence["amount"].sum(min_count=1)
    if pd.notna(spent) and spent > 0:
        text += f"; ${spent:,.2f} in all"
    return text


def explain(con: duckdb.DuckDBPyConnection, customer_id: str, gene: str) -> Explanation:
    """Explain `gene` for `customer_id` from the built genome and its events."""
    definition = _gene_row(con, gene)
    value = _value(con, customer_id, gene)
    shown = format_value(value, definition["unit"])
    if definition["inputs"]:
        parts = [explain(con, customer_id, name) for name in definition["inputs"].split(",")]
        reasons = "; ".join(f"{p.gene} = {format_value(p.value, p.unit)}" for p in parts)
        sentence = f"{gene} is {shown}: {definition['description']} Here: {reasons}."
        evidence = pd.concat([p.evidence for p in parts if not p.evidence.empty] or [pd.DataFrame()],
                             ignore_index=True)
        return Explanation(gene, customer_id, value, sentence, evidence, definition["unit"], parts)
    if definition["evidence_where"]:
        evidence = _evidence(con, customer_id, definition["evidence_where"], definition["as_of"])
        sentence = (f"{gene} is {shown} ({definition['description'].rstrip('.')}): "
                    f"{_describe_evidence(evidence, definition['evidence_noun'])}.")
        return Explanation(gene, customer_id, value, sentence, evidence, definition["unit"])
    sentence = f"{gene} is {shown}: {definition['description']}"
    return Explanation(gene, customer_id, value, sentence, pd.DataFrame(), definition["unit"])
