"""Saved segments keep every change as a version with its audience; exports respect consent and are recorded."""

import hashlib
from dataclasses import replace
from datetime import timedelta

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from genome.segments.audience import count, genome, member_ids
from genome.segments.export import AD_PLATFORM_MINIMUM, ExportRefused, export_audience
from genome.segments.library import compare_versions, members_of, save_segment, segment_table, versions
from genome.segments.rules import RuleError
from genome.segments.text import parse
from store.meta import list_exports, session, utc


@pytest.fixture
def meta(tmp_path):
    with session(f"sqlite:///{tmp_path / 'meta.sqlite'}") as s:
        yield s


def test_saving_stores_the_audience_with_the_version(meta, demo):
    saved = save_segment(meta, demo, name="Repeat buyers", rule=parse("repeat_buyer"), owner="mara")
    assert saved.version == 1 and saved.rule_text == "repeat_buyer"
    assert saved.size == count(demo, parse("repeat_buyer")).count
    assert saved.value_total == pytest.approx(demo.execute(
        "SELECT sum(clv_12m) FROM customer_genes WHERE repeat_buyer").fetchone()[0], rel=1e-9)
    row = segment_table(meta)[0]
    assert (row.name, row.version, row.size) == ("Repeat buyers", 1, saved.size)


def test_every_saved_change_is_a_new_version_and_an_unchanged_save_is_not(meta, demo):
    save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), owner="mara")
    again = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >=   100"), owner="mara")
    assert again.version == 1
    second = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100 AND repeat_buyer"), owner="li")
    assert second.version == 2 and second.author == "li"
    assert [v.version for v in versions(meta, "Valuable")] == [1, 2]


def test_saving_the_same_rule_on_a_rebuilt_genome_recomputes_it_as_a_new_version(meta, demo):
    first = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), owner="mara")
    rebuilt = replace(genome(demo), as_of=genome(demo).as_of + timedelta(days=1))
    again = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), owner="mara", base=rebuilt)
    assert again.version == 2 and again.size == first.size
    assert utc(again.genome_as_of) == utc(rebuilt.as_of)


def test_comparing_versions_shows_who_leaves_and_what_value_goes_with_them(meta, demo):
    first = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), owner="mara")
    second = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100 AND repeat_buyer"), owner="mara")
    change = compare_versions(meta, demo, "Valuable", 1, 2)
    assert change.entered == []
    assert len(change.left) == first.size - second.size > 0
    assert change.stayed == second.size
    assert change.value_change == pytest.approx(-change.value_left)
    with pytest.raises(RuleError, match="has no version 3"):
        compare_versions(meta, demo, "Valuable", 1, 3)


def test_another_segment_reads_the_stored_members_not_the_rule(meta, demo):
    save_segment(meta, demo, name="Repeat buyers", rule=parse("repeat_buyer"), owner="mara")
    nested = save_segment(meta, demo, name="Valuable repeaters",
                          rule=parse("IN SEGMENT 'Repeat buyers' AND clv_12m >= 100"), owner="mara")
    assert nested.size == count(demo, parse("repeat_buyer AND clv_12m >= 100")).count
    assert count(demo, parse("IN SEGMENT 'Repeat buyers'"), members=members_of(meta)).count == \
        count(demo, parse("repeat_buyer")).count
    with pytest.raises(RuleError, match="cannot contain itself"):
        save_segment(meta, demo, name="Repeat buyers", rule=parse("IN SEGMENT 'Repeat buyers'"), owner="mara")


def test_an_id_export_drops_customers_without_marketing_consent(meta, demo, tmp_path):
    save_segment(meta, demo, name="Everyone", rule=parse(""), owner="mara")
    result = export_audience(meta, demo, name="Everyone", out=tmp_path / "everyone.csv", by="mara")
    consenting = demo.execute("SELECT count(*) FROM customer_genes WHERE consent_marketing").fetchone()[0]
    total = count(demo, parse("")).total
    assert result.rows == consenting and result.removed_without_consent == total - consenting > 0
    exported = pacsv.read_csv(tmp_path / "everyone.csv").column("customer_id").to_pylist()
    allowed = set(member_ids(demo, parse("consent_marketing")).column("customer_id").to_pylist())
    assert set(exported) == allowed
    record = list_exports(meta)[0]
    assert (record.exported_by, record.version, record.rows, record.removed_without_consent) == \
        ("mara", 1, consenting, total - consenting)


def test_an_ad_platform_export_is_sha256_of_normalised_emails_and_phones(meta, demo, tmp_path):
    save_segment(meta, demo, name="Everyone", rule=parse(""), owner="mara")
    result = export_audience(meta, demo, name="Everyone", out=tmp_path / "ads.parquet", by="mara",
                             purpose="ad_platform")
    hashes = set(pq.read_table(tmp_path / "ads.parquet").column("sha256").to_pylist())
    assert result.file_format == "parquet" and result.rows == len(hashes) and result.people >= AD_PLATFORM_MINIMUM
    email, phone = demo.execute("""
        SELECT max(i.value) FILTER (WHERE i.kind = 'email'), max(i.value) FILTER (WHERE i.kind = 'phone')
        FROM identifiers i JOIN customer_genes g USING (customer_id) WHERE g.consent_marketing""").fetchone()
    assert hashlib.sha256(email.strip().lower().encode()).hexdigest() in hashes
    assert phone.startswith("+") and hashlib.sha256(phone.encode()).hexdigest() in hashes
    refused = demo.execute("""
        SELECT max(i.value) FROM identifiers i JOIN customer_genes g USING (customer_id)
        WHERE NOT g.consent_marketing AND i.kind = 'email'""").fetchone()[0]
    assert hashlib.sha256(refused.encode()).hexdigest() not in hashes


def test_a_small_ad_platform_audience_is_refused_and_nothing_is_written(meta, demo, tmp_path):
    save_segment(meta, demo, name="Top", rule=parse("clv_12m IN TOP 1%"), owner="mara")
    with pytest.raises(ExportRefused, match=f"at least {AD_PLATFORM_MINIMUM} people"):
        export_audience(meta, demo, name="Top", out=tmp_path / "top.csv", by="mara", purpose="ad_platform")
    assert list(tmp_path.glob("top.csv*")) == []
    assert list_exports(meta) == []


def test_an_unsaved_segment_cannot_be_exported(meta, demo, tmp_path):
    with pytest.raises(ExportRefused, match="save it before exporting"):
        export_audience(meta, demo, name="Nope", out=tmp_path / "x.csv", by="mara")
