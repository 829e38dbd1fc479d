"""Micro-campaigns: a segment cut by two genes becomes one draft campaign per cell big enough, each cell's rule
checked like a segment's, each sent with its own hold-out to its own cell only."""

import json
from pathlib import Path

import pytest
from helpers import staff
from typer.testing import CliRunner

from genome.campaigns.library import list_campaigns
from genome.campaigns.micro import plan_micro_campaigns
from genome.cli import app as cli
from genome.errors import InputError
from genome.segments.library import save_segment
from genome.segments.text import parse
from store.duck import connect
from store.meta import meta_url_for, session

LIBRARY = Path(__file__).resolve().parents[3] / "assets"


@pytest.fixture
def store(demo_db, tmp_path):
    from helpers import studio_copy

    db = studio_copy(demo_db, tmp_path)
    con = connect(db, read_only=True)
    with session(meta_url_for(db)) as s:
        save_segment(s, con, name="Everyone", rule=parse("active_30d OR NOT active_30d"),
                     owner="mara", role="marketer")
    con.close()
    return staff(db)


def test_a_segment_cut_by_two_genes_plans_a_campaign_per_cell_and_counts_the_small_ones(store):
    con = connect(store, read_only=True)
    try:
        sizes = dict(((c, t), n) for c, t, n in con.execute(
            "SELECT preferred_channel, clv_tier, count(*) FROM customer_genes GROUP BY ALL").fetchall())
        with session(meta_url_for(store)) as s:
            plan = plan_micro_campaigns(s, con, prefix="spring", segment="Everyone",
                                        dimensions=["preferred_channel", "clv_tier"], template="tv-offer",
                                        goal="purchase", owner="mara", role="marketer", min_size=40)
            drafts = {c.name: c for c in list_campaigns(s)}
    finally:
        con.close()
    kept = {k: n for k, n in sizes.items() if n >= 40 and None not in k}
    assert len(plan.cells) == len(kept) and plan.left_out == len(sizes) - len(kept)
    assert sorted(c.size for c in plan.cells) == sorted(kept.values())
    for cell in plan.cells:
        assert drafts[cell.campaign].state == "draft" and drafts[cell.campaign].cell == cell.rule
        assert cell.rule.startswith("preferred_channel = '") and " AND clv_tier = '" in cell.rule
    effects = [c.detectable_effect for c in plan.cells]  # the cells come largest first: smaller detect less
    assert effects == sorted(effects)


def test_cutting_by_a_number_gene_or_an_unknown_one_says_why(store):
    con = connect(store, read_only=True)
    try:
        with session(meta_url_for(store)) as s:
            with pytest.raises(InputError, match="clv_12m is a number gene: cut by category or flag genes"):
                plan_micro_campaigns(s, con, prefix="x", segment="Everyone", dimensions=["clv_12m"],
                                     template="tv-offer", goal="purchase", owner="mara", role="marketer")
            with pytest.raises(InputError, match="no gene 'favourite_colour'"):
                plan_micro_campaigns(s, con, prefix="x", segment="Everyone", dimensions=["favourite_colour"],
                                     template="tv-offer", goal="purchase", owner="mara", role="marketer")
    finally:
        con.close()


def test_each_micro_campaign_goes_to_its_own_cell_only(store, monkeypatch):
    from store.settings import get_settings

    monkeypatch.setenv("GENOME_CREATIVE_DIR", str(LIBRARY))
    get_settings.cache_clear()
    try:
        planned = CliRunner().invoke(cli, ["campaign", "micro", "tier", "--segment", "Everyone", "--by", "clv_tier",
                                           "--template", "tv-offer", "--min-size", "100", "--as", "mara",
                                           "--db", str(store)])
        assert planned.exit_code == 0, planned.output
        names = [line.split()[0] for line in planned.stdout.splitlines() if line.startswith("tier-")]
        sent = CliRunner().invoke(cli, ["campaign", "send", *names[:2], "--as", "mara", "--db", str(store)])
        assert sent.exit_code == 0, sent.output
    finally:
        get_settings.cache_clear()
    con = connect(store, read_only=True)
    try:
        for name in names[:2]:
            tier = con.execute("SELECT DISTINCT g.clv_tier FROM customer_events e JOIN customer_genes g "
                               "USING (customer_id) WHERE e.event_type IN ('campaign_receipt', 'campaign_holdout') "
                               "AND e.attributes->>'campaign_id' = ?", [name]).fetchall()
            assert len(tier) == 1 and name == f"tier-{tier[0][0].replace('_', '-')}"
    finally:
        con.close()
    outbox = store.with_suffix(".outbox") / "email"
    assert sorted(p.stem for p in outbox.glob("*.jsonl")) == sorted(names[:2])
    assert all(json.loads(line)["campaign"] == names[0] for line in (outbox / f"{names[0]}.jsonl").read_text()
               .splitlines())
