"""Which genes a build publishes: a gene has to tell customers apart to be worth a marketer's attention.

Left out of the catalog, with the reason kept:
- no customer carries it (no true flag, no non-zero number, no value);
- every customer has the same value;
- it equals an earlier gene for every customer (`bought_x` and `x_store_buyer` when every purchase is in a
  store): the earlier one is published with the later as its alias.

Left-out genes stay columns of the genome, so saved rules that name them still count; `genome genes
--hidden` lists them with their reason. Duplicates are found cheaply: only genes of one type with the same
carriers, lowest and highest value are compared, value by value, in one scan.
"""

from dataclasses import dataclass, field

import duckdb

from genome.genes.definition import Gene

NO_CARRIERS = "no customer carries it"
ONE_VALUE = "every customer has the same value"


@dataclass
class Publication:
    customers: int
    carriers: list[int]  # per gene, in the order given
    hidden: dict[str, str] = field(default_factory=dict)  # gene -> why it is left out
    aliases: dict[str, list[str]] = field(default_factory=dict)  # published gene -> its hidden duplicates

    def reason(self, gene: str) -> str | None:
        return self.hidden.get(gene)


def _quote(name: str) -> str:
    return f'"{name}"'  # gene names are checked snake_case


def _carrier_condition(gene: Gene) -> str:
    column = _quote(gene.name)
    if gene.type == "flag":
        return column
    if gene.type == "number":
        return f"{column} IS NOT NULL AND {column} <> 0"
    return f"{column} IS NOT NULL"


def publication(con: duckdb.DuckDBPyConnection, genes: list[Gene], table: str = "customer_genes_next",
                chunk: int = 400) -> Publication:
    """Carriers of every gene in `table`, and which genes to leave out and why."""
    stats: list[tuple] = []
    customers = 0
    for start in range(0, len(genes), chunk):  # bounded query text and memory per scan
        part = genes[start:start + chunk]
        columns = []
        for gene in part:
            column = _quote(gene.name)
            value = f"CAST({column} AS VARCHAR)" if gene.type == "category" else \
                f"CAST({column} AS DOUBLE)" if gene.type == "number" else f"CAST({column} AS INTEGER)"
            columns += [f"count(CASE WHEN {_carrier_condition(gene)} THEN 1 END)", f"count({column})",
                        f"min({value})", f"max({value})"]
        row = con.execute(f"SELECT count(*), {', '.join(columns)} FROM {table}").fetchone()
        customers = row[0]
        stats += [tuple(row[1 + 4 * i: 5 + 4 * i]) for i in range(len(part))]
    result = Publication(customers, [s[0] for s in stats])
    candidates: dict[tuple, list[Gene]] = {}
    for gene, (carriers, known, low, high) in zip(genes, stats):
        if carriers == 0:
            result.hidden[gene.name] = NO_CARRIERS
        elif customers < 2:
            continue  # one customer is always "the same as everyone": nothing to compare yet
        elif known == customers and low == high:
            result.hidden[gene.name] = ONE_VALUE
        else:
            candidates.setdefault((gene.type, carriers, known, low, high), []).append(gene)
    _duplicates(con, table, [g for g in candidates.values() if len(g) > 1], result)
    return result


def _duplicates(con, table: str, groups: list[list[Gene]], result: Publication) -> None:
    """Within each group of look-alikes, a gene equal to an earlier one for every customer is its alias."""
    pairs = [(first, other) for group in groups for first in group[:1] for other in group[1:]]
    for start in range(0, len(pairs), 400):
        part = pairs[start:start + 400]
        differ = ", ".join(f"count(*) FILTER (WHERE {_quote(a.name)} IS DISTINCT FROM {_quote(b.name)})"
                           for a, b in part)
        row = con.execute(f"SELECT {differ} FROM {table}").fetchone()
        for (first, other), n in zip(part, row):
            if n == 0:
                result.hidden[other.name] = f"the same as {first.name} for every customer"
                result.aliases.setdefault(first.name, []).append(other.name)
    # a group may hold two families of look-alikes: what was not matched to the first is compared again
    rest = [[g for g in group[1:] if g.name not in result.hidden] for group in groups]
    rest = [group for group in rest if len(group) > 1]
    if rest:
        _duplicates(con, table, rest, result)
