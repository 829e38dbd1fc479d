"""Segment preview benchmark: a 5-condition audience count plus its value histogram.

Three ways over the same built genome, in the same run, on the same rules:
- project: `genome.segments.index` (columns in memory, a numpy mask) and
  `genome.segments.preview` (count, 40-bin value histogram, value total and
  interval, reach per channel after consent);
- plain DuckDB SQL over the wide `customer_genes` table: the compiled,
  parameterised rule, counting per value bin in one query;
- pandas: the rule's columns in a DataFrame, boolean masks, `np.histogram`.

The lift table (the flag genes that over-index in the audience) is timed on
the same audiences after the comparison. The index's memory (columns, codes,
ids) is printed after the timings.

`--times N` times a genome N times the store's size: the store's genome
repeated N times under new customer ids (each copy an exact replica, so
rules select N times as many customers), written once to `--keep DIR` and
reused from there. Only what a preview reads is copied: the catalog's genes
the rules can draw (every category and, drawn with a fixed seed, flags and
numbers held by 5-95% of customers, `--genes` in all), the value
gene, and the identifiers and consent that reach counts need. This is how
ten million customers are timed on a machine where building them from events
is not practical; the build at that size is a separate question.

Each rule is answered once to warm (columns loaded), then timed REPEAT times;
p50 and p95 are over all timed answers. The three must agree on every count.
The index keeps the edge of each "top N %" once found; the baselines get the
same edge, found once before timing, so all three do the same work per answer.

    python bench/segment_preview_bench.py --db STORE   # a store with a built genome
    python bench/segment_preview_bench.py --db STORE --times 10 --keep DIR
"""

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from genome.segments.audience import genome
from genome.segments.compile import compile_rule
from genome.segments.index import GenomeIndex
from genome.segments.preview import lift, preview
from genome.segments.rules import Between, Compare, Flag, Group, OneOf, TopPercent
from genome.segments.text import parse, to_text
from store.duck import connect

REPEAT = 10
RULES = 20
GENES = 60


def tiled_store(source: Path, times: int, folder: Path, genes: int) -> Path:
    """The genome of `source` repeated `times` times under new customer ids, with what previews read."""
    target = folder / f"{source.stem}_x{times}.duckdb"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial))  # not the store's own schema: only the tables below
    con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
    drawn = con.execute("SELECT name, type FROM src.gene_catalog WHERE published AND coverage BETWEEN 0.05 AND 0.95 "
                        "AND type IN ('flag', 'number', 'category') ORDER BY name").fetchall()
    rng = np.random.default_rng(3)
    categories = [n for n, kind in drawn if kind == "category"]  # few, and every rule names one: all of them
    others = [n for n, kind in drawn if kind != "category"]
    kept = categories + [str(n) for n in rng.choice(others, max(min(genes - len(categories), len(others)), 0),
                                                     replace=False)]
    names = sorted(set(kept) | {"clv_12m", "uses_app"} & {n for (n,) in con.execute(
        "SELECT name FROM src.gene_catalog").fetchall()})
    copies = f"range({times}) t(copy)"
    columns = ", ".join(f'g."{n}"' for n in names)  # names from the catalog
    print(f"writing {target.name}: {len(names)} genes x {times} copies of the genome", flush=True)
    con.execute(f"CREATE TABLE customer_genes AS SELECT g.customer_id || '.' || copy AS customer_id, {columns} "
                f"FROM {copies}, src.customer_genes g ORDER BY copy")
    con.execute("CREATE TABLE gene_catalog AS SELECT * FROM src.gene_catalog WHERE name IN "
                f"({', '.join('?' for _ in names)})", names)
    con.execute(f"CREATE TABLE identifiers AS SELECT i.customer_id || '.' || copy AS customer_id, i.kind "
                f"FROM {copies}, src.identifiers i WHERE i.kind IN ('email', 'phone')")
    con.execute(f"CREATE TABLE consent_latest AS SELECT c.customer_id || '.' || copy AS customer_id, c.purpose, "
                f"c.granted FROM {copies}, (SELECT * FROM src.consent_latest) c")
    con.execute("DETACH src")
    con.close()
    partial.rename(target)
    return target


def _rules(con, index: GenomeIndex, n: int, seed: int = 7) -> list[Group]:
    """Five conditions each: two flags (one negated), two numeric conditions, one category match."""
    rng = np.random.default_rng(seed)
    catalog = con.execute("SELECT name, type, coverage FROM gene_catalog WHERE coverage BETWEEN 0.05 AND 0.95 "
                          "ORDER BY name").fetchall()
    flags = [name for name, kind, _ in catalog if kind == "flag"]
    numbers = [name for name, kind, _ in catalog if kind == "number"]
    categories = [name for name, kind, _ in catalog if kind == "category"]
    rules = []
    for _ in range(n):
        f1, f2 = rng.choice(flags, 2, replace=False)
        n1, n2 = rng.choice(numbers, 2, replace=False)
        values = index.column(str(n1))
        median = float(np.nanmedian(values))
        low, high = np.nanquantile(index.column(str(n2)), [0.1, 0.9])
        category_gene = str(rng.choice(categories))
        category = index.column(category_gene)
        common = category.values[np.bincount(category.codes[category.codes >= 0]).argmax()]
        numeric = [Compare(str(n1), ">=", round(median, 2)),
                   Between(str(n2), round(float(low), 2), round(float(high), 2)),
                   TopPercent("clv_12m", 50)]
        conditions = (Flag(str(f1)), Group("none", (Flag(str(f2)),)), numeric[rng.integers(0, 2)],
                      numeric[2], OneOf(category_gene, (str(common),)))
        rules.append(parse(to_text(Group("any" if rng.random() < 0.2 else "all", conditions))))
    return rules


def _timed(fn, rules, repeat: int) -> tuple[list[float], list[int]]:
    counts = [fn(rule) for rule in rules]  # warm: columns loaded, plans cached
    times = []
    for _ in range(repeat):
        for rule in rules:
            started = time.perf_counter()
            fn(rule)
            times.append((time.perf_counter() - started) * 1000)
    return times, counts


def _p(times: list[float], q: float) -> float:
    return float(np.percentile(times, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, required=True, help="store with a built genome")
    parser.add_argument("--rules", type=int, default=RULES)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--times", type=int, default=1, help="time a genome this many times the store's")
    parser.add_argument("--keep", type=Path, help="folder for the larger genome (made once, then reused)")
    parser.add_argument("--genes", type=int, default=GENES, help="genes copied into the larger genome")
    args = parser.parse_args()
    db = args.db
    if args.times > 1:
        if args.keep is None:
            parser.error("--times needs --keep DIR for the larger genome")
        db = tiled_store(args.db, args.times, args.keep, args.genes)
    con = connect(db, read_only=True)
    base = genome(con)
    started = time.perf_counter()
    index = GenomeIndex(con, base)
    load = time.perf_counter() - started
    rules = _rules(con, index, args.rules)

    def project(rule) -> int:
        return preview(index, index.mask(rule)).count

    edges = index.value_edges
    lo, width = float(edges[0]), float(edges[1] - edges[0])

    resolved = {id(rule): _resolved(rule, index) for rule in rules}

    def plain_sql(rule) -> int:
        compiled = compile_rule(resolved[id(rule)], base.genes, as_of=base.as_of)
        compiled.params.update(lo=lo, width=width)
        rows = con.execute(compiled.select(
            f"least(greatest(floor((coalesce(g.clv_12m, 0) - $lo) / $width), 0), {len(edges) - 2}) AS bin, count(*)",
            "GROUP BY bin"), compiled.params).fetchall()
        return sum(r[1] for r in rows)

    names = sorted({c for rule in rules for c in _genes(rule)} | {"clv_12m"})
    frame = pd.DataFrame({name: (index.column(name).codes if hasattr(index.column(name), "codes")
                                 else index.column(name)) for name in names})
    dictionaries = {name: list(index.column(name).values) for name in names if hasattr(index.column(name), "codes")}

    def pandas_masks(rule) -> int:
        mask = _pandas_mask(frame, dictionaries, resolved[id(rule)])
        np.histogram(frame.loc[mask, "clv_12m"].fillna(0), bins=edges[:-1].tolist() + [np.inf])
        return int(mask.sum())

    ours, ours_counts = _timed(project, rules, args.repeat)
    sql, sql_counts = _timed(plain_sql, rules, args.repeat)
    pd_times, pd_counts = _timed(pandas_masks, rules, args.repeat)
    if not ours_counts == sql_counts == pd_counts:
        sys.exit(f"the three disagree on counts: {ours_counts} / {sql_counts} / {pd_counts}")
    print(f"genome                 {index.size:>12,} customers, {len(base.genes):,} genes; index loaded in "
          f"{load:.2f} s (+ each rule's columns on first use)")
    print(f"rules                  {len(rules)} five-condition rules x {args.repeat} answers, e.g. {to_text(rules[0])}")
    print(f"audience sizes         {min(ours_counts):,} to {max(ours_counts):,}")
    for label, times in (("project (index)", ours), ("plain DuckDB SQL", sql), ("pandas masks", pd_times)):
        print(f"{label:<22} p50 {_p(times, 50):8.2f} ms   p95 {_p(times, 95):8.2f} ms")
    print(f"ratio p95  SQL/project {_p(sql, 95) / _p(ours, 95):6.1f}x   pandas/project "
          f"{_p(pd_times, 95) / _p(ours, 95):6.1f}x   (target: project p95 < 100 ms: "
          f"{'met' if _p(ours, 95) < 100 else 'NOT met'}; aim 10 ms: {'met' if _p(ours, 95) < 10 else 'not yet'})")
    print(f"median ratio           SQL/project {statistics.median(sql) / statistics.median(ours):6.1f}x")
    started = time.perf_counter()
    index.flag_bits()
    bits_load = time.perf_counter() - started
    masks = [index.mask(rule) for rule in rules]
    lift_times, _ = _timed(lambda m: len(lift(index, m)), masks, 3)
    print(f"lift table             p50 {_p(lift_times, 50):8.2f} ms   p95 {_p(lift_times, 95):8.2f} ms   over "
          f"{len(index.flag_bits()[0]):,} flag genes (their bits loaded once in {bits_load:.2f} s)")
    print(f"index memory           {index.memory() / 2**20:,.0f} MiB for the rules' columns and codes "
          f"({len(names)} genes), and {index.flag_bits()[1].nbytes / 2**20:,.0f} MiB for the flags' bits; "
          f"peak memory of this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB")


def _genes(rule) -> list[str]:
    from genome.segments.rules import genes_in

    return genes_in(rule)


def _resolved(node, index: GenomeIndex):
    """The rule with each "top N %" replaced by the threshold the index found for it."""
    if isinstance(node, Group):
        return Group(node.kind, tuple(_resolved(i, index) for i in node.items))
    if isinstance(node, TopPercent):
        return Compare(node.gene, ">=", index.top_threshold(node.gene, node.percent))
    return node


def _pandas_mask(frame: pd.DataFrame, dictionaries: dict, node) -> pd.Series:
    if isinstance(node, Group):
        parts = [_pandas_mask(frame, dictionaries, i) for i in node.items]
        if node.kind == "all":
            return np.logical_and.reduce(parts)
        joined = np.logical_or.reduce(parts)
        return joined if node.kind == "any" else ~joined
    column = frame[node.gene]
    if isinstance(node, Flag):
        return column.to_numpy(dtype=bool)
    if isinstance(node, Compare):
        ops = {">=": column.ge, "<=": column.le, ">": column.gt, "<": column.lt, "=": column.eq, "!=": column.ne}
        return ops[node.op](node.value).to_numpy() & (column.notna().to_numpy() if node.op == "!=" else True)
    if isinstance(node, Between):
        return column.between(node.low, node.high).to_numpy()
    if isinstance(node, OneOf):
        codes = [i for i, v in enumerate(dictionaries[node.gene]) if v in node.values]
        return column.isin(codes).to_numpy()
    raise ValueError(f"not benchmarked: {node!r}")


if __name__ == "__main__":
    main()
