"""Creative studio benchmark: choosing every recipient's assets, and rendering their e-mails.

Targets on 2 cores: choosing for 1,000,000 recipients under 10 s, rendering
100,000 e-mails under 60 s. Both beside a plain per-recipient Python loop in
the same run, on the same recipients, the demo library (`assets/`) and its
`tv-offer` template:

- choosing, project: `genome.creative.choices.pick` (each asset's rule
  evaluated once by the segment engine, then one DuckDB query per slot);
  baseline: the same rules evaluated once into Python sets, then for each
  recipient and slot the eligible assets, the top priority and the tie broken
  by the same hashes, in a Python loop. Both end to end, rule evaluation included; they must
  agree on every recipient's every slot.
- rendering, project: `genome.creative.assembly.messages` on the e-mail
  channel (choosing, first names and genes in bulk, each Liquid part parsed
  once) and one JSON line per message; baseline: the same choices and details,
  then per recipient each part parsed and rendered anew, as a loop over
  recipients naturally does. The two must write the same messages.

    python bench/creative_bench.py --db STORE [--recipients 1000000] [--emails 100000]

STORE is a store with a built genome, e.g. `genome demo --customers 1000000`.
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from genome.creative.assembly import messages, recipient_details  # noqa: E402
from genome.creative.choices import fits, pick, tie_key  # noqa: E402
from genome.creative.library import current_assets, import_library  # noqa: E402
from genome.creative.templates import _environment, load_template  # noqa: E402
from genome.segments.audience import genome, member_ids  # noqa: E402
from genome.segments.text import parse  # noqa: E402
from store.duck import connect  # noqa: E402
from store.meta import session  # noqa: E402

LIBRARY = Path(__file__).resolve().parents[1] / "assets"
CHOOSE_TARGET_S = 10
RENDER_TARGET_S = 60


def loop_choose(con, template, customers, assets, channel="email") -> dict[str, dict[str, str]]:
    """The baseline: rules once into sets, then recipient by recipient, slot by slot, in Python."""
    base = genome(con)
    eligible = {a.name: set(member_ids(con, parse(a.rule), base=base).column("customer_id").to_pylist())
                for a in assets if a.rule}
    chosen = {}
    for customer in customers:
        slots = {}
        for slot_name, slot in template.slots.items():
            fitting = [a for a in assets if a.rule and fits(a, slot, channel) and customer in eligible[a.name]]
            if not fitting:
                slots[slot_name] = slot.fallback
                continue
            top = max(a.priority for a in fitting)
            tied = [a for a in fitting if a.priority == top]
            slots[slot_name] = min(tied, key=lambda a: tie_key(customer, slot_name, a)).name
        chosen[customer] = slots
    return chosen


def loop_render(con, meta, template, customers, out: Path) -> None:
    """The baseline: the same choices and details, then each recipient's parts parsed and rendered anew."""
    from genome.creative.assembly import choose, genes_read

    chosen = choose(meta, con, template, customers)
    details = recipient_details(con, customers, genes_read(template))
    with out.open("w") as handle:
        for customer in customers:
            first_name, genes = details[customer]
            context = {"first_name": first_name or template.defaults.get("first_name", "there"), "genes": genes,
                       "slots": {slot: {"text": c.asset.text, "name": c.asset.name,
                                        "src": f"cid:{c.asset.content_hash}" if c.asset.kind == "image" else ""}
                                 for slot, c in chosen[customer].items()}}
            parts = {part: _environment(part).from_string(template.parts[part]).render(**context)
                     for part in ("email_subject", "email_html")}
            handle.write(json.dumps({"customer_id": customer, **parts}) + "\n")


def project_render(con, meta, template, customers, out: Path) -> None:
    rendered = messages(meta, con, template, customers, channel="email")
    with out.open("w") as handle:
        for customer, (_, parts) in rendered.items():
            handle.write(json.dumps({"customer_id": customer, **parts}) + "\n")


def _timed(work):
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--recipients", type=int, default=1_000_000)
    parser.add_argument("--emails", type=int, default=100_000)
    args = parser.parse_args()

    con = connect(args.db, read_only=True)
    everyone = [r[0] for r in con.execute("SELECT customer_id FROM customer_genes ORDER BY customer_id "
                                          "LIMIT ?", [args.recipients]).fetchall()]
    work = Path(tempfile.mkdtemp(prefix="creative-bench-"))
    template = load_template(LIBRARY / "templates" / "tv-offer.toml")
    with session(f"sqlite:///{work / 'meta.sqlite'}") as meta:
        import_library(meta, con, LIBRARY, owner="bench", role="admin", asset_dir=work / "files")
        assets = current_assets(meta)
        print(f"{len(everyone):,} recipients, {len(assets)} assets, template {template.name} "
              f"({len(template.slots)} slots)")

        pick(con, template, everyone[:1000], channel="email", assets=assets)  # warm: the genome's columns read
        ours, picks = _timed(lambda: pick(con, template, everyone, channel="email", assets=assets))
        theirs, looped = _timed(lambda: loop_choose(con, template, everyone, assets))
        columns = picks.table.to_pydict()
        for i, customer in enumerate(columns["customer_id"]):
            assert all(columns[slot][i] == looped[customer][slot] for slot in template.slots), customer
        print(f"choosing for {len(everyone):,} recipients: project {ours:.2f} s, per-recipient loop {theirs:.2f} s "
              f"({theirs / ours:.1f}x); target under {CHOOSE_TARGET_S} s: "
              f"{'met' if ours < CHOOSE_TARGET_S and len(everyone) >= 1_000_000 else 'NOT met'}")

        sample = everyone[:: max(1, len(everyone) // args.emails)][: args.emails]
        ours, _ = _timed(lambda: project_render(con, meta, template, sample, work / "project.jsonl"))
        theirs, _ = _timed(lambda: loop_render(con, meta, template, sample, work / "loop.jsonl"))
        assert (work / "project.jsonl").read_text() == (work / "loop.jsonl").read_text()
        print(f"rendering {len(sample):,} e-mails: project {ours:.2f} s ({len(sample) / ours:,.0f}/s), "
              f"per-recipient loop {theirs:.2f} s ({theirs / ours:.1f}x); target under {RENDER_TARGET_S} s: "
              f"{'met' if ours < RENDER_TARGET_S and len(sample) >= 100_000 else 'NOT met'}")
    con.close()


if __name__ == "__main__":
    main()
