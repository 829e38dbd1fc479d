"""Saved segments keep every change as a version with its audience; exports respect consent and are recorded."""

import csv
import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from helpers import event, write_csv

from genome.access import AccessDenied
from genome.audit import entries
from genome.errors import InputError
from genome.ingest import ingest_files
from genome.segments.audience import count, genome
from genome.segments.export import AD_PLATFORM_MINIMUM, ExportRefused, export_audience, export_file_name, free_path
from genome.segments.library import compare_versions, members_of, save_segment, segment_table, versions
from genome.segments.platforms import PLATFORMS, Platform, platform_rows, sha256
from genome.segments.rules import RuleError
from genome.segments.text import parse
from store.duck import connect
from store.meta import list_exports, session, utc

MARA = dict(owner="mara", role="marketer")  # a marketer saving
BY_MARA = dict(by="mara", role="marketer")  # and exporting


@pytest.fixture
def meta(meta_url):
    with session(meta_url) as s:
        yield s


def test_saves_and_exports_are_for_marketers_and_admins_and_each_is_audited(meta, demo, tmp_path):
    with pytest.raises(AccessDenied, match="Saving segments is for marketers and administrators; you are working "
                                           "as manager"):
        save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), owner="max", role="manager")
    saved = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), owner="ada", role="admin")
    for role in ("manager", "service"):
        with pytest.raises(AccessDenied, match="Exporting audiences is for marketers and administrators"):
            export_audience(meta, demo, name="Valuable", out=tmp_path / "v.csv", by="x", role=role)
    assert not (tmp_path / "v.csv").exists() and list_exports(meta) == []
    done = export_audience(meta, demo, name="Valuable", out=tmp_path / "v.csv", **BY_MARA)
    assert [(e.actor, e.role, e.action, e.target, e.detail) for e in entries(meta)] == [
        ("ada", "admin", "save", "segment Valuable", f"v1: {saved.size:,} customers"),
        ("mara", "marketer", "export", "segment Valuable", f"v1 for ids: {done.people:,} people to v.csv")]


def test_saving_stores_the_audience_with_the_version(meta, demo):
    saved = save_segment(meta, demo, name="Repeat buyers", rule=parse("repeat_buyer"), **MARA)
    assert saved.version == 1 and saved.rule_text == "repeat_buyer"
    assert saved.size == count(demo, parse("repeat_buyer")).count
    assert saved.value_total == pytest.approx(demo.execute(
        "SELECT sum(clv_12m) FROM customer_genes WHERE repeat_buyer").fetchone()[0], rel=1e-9)
    row = segment_table(meta)[0]
    assert (row.name, row.version, row.size) == ("Repeat buyers", 1, saved.size)


def test_every_saved_change_is_a_new_version_and_an_unchanged_save_is_not(meta, demo):
    save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA)
    again = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >=   100"), **MARA)
    assert again.version == 1
    second = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100 AND repeat_buyer"), owner="li",
                          role="marketer")
    assert second.version == 2 and second.author == "li"
    assert [v.version for v in versions(meta, "Valuable")] == [1, 2]


def test_saving_the_same_rule_on_a_rebuilt_genome_recomputes_it_as_a_new_version(meta, demo):
    first = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA)
    rebuilt = replace(genome(demo), as_of=genome(demo).as_of + timedelta(days=1))
    again = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA, base=rebuilt)
    assert again.version == 2 and again.size == first.size
    assert utc(again.genome_as_of) == utc(rebuilt.as_of)


def test_comparing_versions_shows_who_leaves_and_what_value_goes_with_them(meta, demo):
    first = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA)
    second = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100 AND repeat_buyer"), **MARA)
    change = compare_versions(meta, demo, "Valuable", 1, 2)
    assert change.entered == []
    assert len(change.left) == first.size - second.size > 0
    assert change.stayed == second.size
    assert change.value_change == pytest.approx(-change.value_left)
    with pytest.raises(RuleError, match="has no version 3"):
        compare_versions(meta, demo, "Valuable", 1, 3)


def test_another_segment_reads_the_stored_members_not_the_rule(meta, demo):
    save_segment(meta, demo, name="Repeat buyers", rule=parse("repeat_buyer"), **MARA)
    nested = save_segment(meta, demo, name="Valuable repeaters",
                          rule=parse("IN SEGMENT 'Repeat buyers' AND clv_12m >= 100"), **MARA)
    assert nested.size == count(demo, parse("repeat_buyer AND clv_12m >= 100")).count
    assert count(demo, parse("IN SEGMENT 'Repeat buyers'"), members=members_of(meta)).count == \
        count(demo, parse("repeat_buyer")).count
    with pytest.raises(RuleError, match="cannot contain itself"):
        save_segment(meta, demo, name="Repeat buyers", rule=parse("IN SEGMENT 'Repeat buyers'"), **MARA)


def _consenting_now(con, channel_refusal: str | None = None) -> set[str]:
    """Customers whose latest marketing decision is a yes (and who have not refused `channel_refusal`)."""
    refused = set() if channel_refusal is None else {r[0] for r in con.execute(
        "SELECT customer_id FROM consent_latest WHERE purpose = ? AND NOT granted", [channel_refusal]).fetchall()}
    return {r[0] for r in con.execute(
        "SELECT customer_id FROM consent_latest WHERE purpose = 'marketing' AND granted").fetchall()} - refused


def _rows(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_an_id_export_drops_customers_without_marketing_consent_and_is_recorded(meta, demo, tmp_path):
    save_segment(meta, demo, name="Everyone", rule=parse(""), **MARA)
    result = export_audience(meta, demo, name="Everyone", out=tmp_path / "everyone.csv", **BY_MARA)
    allowed = _consenting_now(demo)
    total = count(demo, parse("")).total
    assert result.rows == len(allowed) and result.removed_without_consent == total - len(allowed) > 0
    rows = _rows(tmp_path / "everyone.csv")
    assert rows[0] == ["customer_id"] and {r[0] for r in rows[1:]} == allowed
    record = list_exports(meta)[0]
    assert (record.exported_by, record.version, record.rows, record.removed_without_consent) == \
        ("mara", 1, len(allowed), total - len(allowed))


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_each_ad_platform_gets_its_own_headers_and_normalisation(meta, demo, tmp_path, platform):
    save_segment(meta, demo, name="Everyone", rule=parse(""), **MARA)
    result = export_audience(meta, demo, name="Everyone", out=tmp_path / f"{platform}.csv", **BY_MARA,
                             purpose=platform)
    rows = _rows(result.path)
    spec = PLATFORMS[platform]
    assert rows[0] == [spec.email_header] * 3 + [spec.phone_header] * 3
    assert result.file_format == "csv" and result.people == result.rows == len(rows) - 1 >= AD_PLATFORM_MINIMUM
    emails = {v for r in rows[1:] for v in r[:3] if v}
    phones = {v for r in rows[1:] for v in r[3:] if v}
    assert all(len(v) == 64 and v == v.lower() for v in emails | phones)
    allowed = _consenting_now(demo, "ads")
    email, phone = demo.execute("""
        SELECT max(value) FILTER (WHERE kind = 'email'), max(value) FILTER (WHERE kind = 'phone')
        FROM identifiers WHERE customer_id IN (SELECT unnest(?))""", [sorted(allowed)]).fetchone()
    assert sha256(email.strip().lower()) in emails
    assert phone.startswith("+1")
    expected_phone = phone if platform == "google_ads" else phone[1:]  # Meta and TikTok: digits, no "+"
    assert sha256(expected_phone) in phones
    refused = demo.execute("""
        SELECT max(i.value) FROM identifiers i WHERE i.kind = 'email'
        AND i.customer_id NOT IN (SELECT unnest(?))""", [sorted(allowed)]).fetchone()[0]
    assert sha256(refused) not in emails


def test_platform_rows_normalise_tiktok_plus_tags_and_keep_three_of_each_newest_first():
    tiktok, google = PLATFORMS["tiktok"], PLATFORMS["google_ads"]
    identifiers = {"C1": (["Jo+news@Example.com", "a@x.com", "b@x.com", "c@x.com"], ["+13125550142"]),
                   "C2": ([], [])}
    header, rows = platform_rows(tiktok, identifiers)
    assert len(rows) == 1  # nobody to match for C2
    assert rows[0][:3] == [sha256("jo@example.com"), sha256("a@x.com"), sha256("b@x.com")]
    assert rows[0][3:] == [sha256("13125550142"), "", ""]
    assert platform_rows(google, identifiers)[1][0][0] == sha256("jo+news@example.com")
    assert platform_rows(google, identifiers)[1][0][3] == sha256("+13125550142")
    assert isinstance(tiktok, Platform) and header == ["Email_SHA256"] * 3 + ["Phone_SHA256"] * 3


def test_a_small_ad_platform_audience_is_refused_and_nothing_is_written(meta, demo, tmp_path):
    save_segment(meta, demo, name="Top", rule=parse("clv_12m IN TOP 1%"), **MARA)
    with pytest.raises(ExportRefused, match=f"at least {AD_PLATFORM_MINIMUM} people"):
        export_audience(meta, demo, name="Top", out=tmp_path / "top.csv", **BY_MARA, purpose="meta")
    assert list(tmp_path.glob("*top.csv*")) == []
    assert list_exports(meta) == []


def test_an_unsaved_segment_cannot_be_exported(meta, demo, tmp_path):
    with pytest.raises(ExportRefused, match="save it before exporting"):
        export_audience(meta, demo, name="Nope", out=tmp_path / "x.csv", **BY_MARA)


def test_an_export_never_overwrites_a_file_unless_asked(meta, demo, tmp_path):
    save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA)
    out = tmp_path / "valuable.csv"
    out.write_text("keep me\n")
    with pytest.raises(ExportRefused, match="already exists"):
        export_audience(meta, demo, name="Valuable", out=out, **BY_MARA)
    assert out.read_text() == "keep me\n" and list_exports(meta) == []
    export_audience(meta, demo, name="Valuable", out=out, **BY_MARA, overwrite=True)
    assert _rows(out)[0] == ["customer_id"]


def test_a_failed_record_leaves_no_file_and_no_log(meta, demo, tmp_path, monkeypatch):
    save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA)

    def broken():
        raise OSError("disk full")

    monkeypatch.setattr(meta, "commit", broken)
    with pytest.raises(OSError, match="disk full"):
        export_audience(meta, demo, name="Valuable", out=tmp_path / "v.csv", **BY_MARA)
    monkeypatch.undo()
    assert list(tmp_path.glob("*v.csv*")) == [] and list_exports(meta) == []


def test_the_version_exported_is_the_one_chosen(meta, demo, tmp_path):
    first = save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA)
    save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100 AND repeat_buyer"), **MARA)
    older = export_audience(meta, demo, name="Valuable", out=tmp_path / "v1.csv", **BY_MARA, version=1)
    newer = export_audience(meta, demo, name="Valuable", out=tmp_path / "v2.csv", **BY_MARA)
    assert (older.version, newer.version) == (1, 2) and older.rows > newer.rows
    assert older.rows + older.removed_without_consent == first.size


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\")", "+1 555", "@admin", "<b>Mara</b>", "", "  "])
def test_exported_by_must_be_a_plain_name(meta, demo, tmp_path, name):
    save_segment(meta, demo, name="Valuable", rule=parse("clv_12m >= 100"), **MARA)
    with pytest.raises(InputError, match="exported by"):
        export_audience(meta, demo, name="Valuable", out=tmp_path / "v.csv", by=name, role="marketer")
    assert list_exports(meta) == []


def test_file_names_carry_segment_version_purpose_and_time_and_never_collide(tmp_path):
    when = datetime(2026, 12, 2, 10, 15, 0, tzinfo=UTC)
    name = export_file_name("Weekend runners / EU", 3, "google_ads", "csv", when)
    assert name == "weekend-runners-eu-v3-google-ads-20261202T101500Z.csv"
    (tmp_path / name).write_text("")
    assert free_path(tmp_path, name).name == "weekend-runners-eu-v3-google-ads-20261202T101500Z-2.csv"


def test_consent_withdrawn_after_the_build_is_respected_at_export(demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    with session(f"sqlite:///{tmp_path / 'meta.sqlite'}") as meta:
        con = connect(db)
        save_segment(meta, con, name="Everyone", rule=parse(""), **MARA)
        before = export_audience(meta, con, name="Everyone", out=tmp_path / "before.csv", **BY_MARA)
        exported = [r[0] for r in _rows(tmp_path / "before.csv")[1:]]
        withdrawing = exported[:25]
        emails = dict(con.execute("SELECT customer_id, max(value) FROM identifiers WHERE kind = 'email' "
                                  "AND customer_id IN (SELECT unnest(?)) GROUP BY 1", [withdrawing]).fetchall())
        as_of = genome(con).as_of
        rows = [event(occurred_at=(as_of + timedelta(hours=1)).isoformat(), channel="email", event_type="consent",
                      customer_ref=None, email=email, attributes=json.dumps({"purpose": " Marketing", "granted": False}))
                for email in emails.values()]
        ingest_files(con, [write_csv(tmp_path / "withdrawals.csv", rows)])  # no rebuild afterwards
        after = export_audience(meta, con, name="Everyone", out=tmp_path / "after.csv", **BY_MARA)
        con.close()
    remaining = {r[0] for r in _rows(tmp_path / "after.csv")[1:]}
    assert not remaining & set(emails)
    assert after.rows == before.rows - len(emails)


def test_a_segment_reading_a_special_category_gene_goes_to_ad_platforms_only_on_a_persons_decision(
        meta, demo, tmp_path):
    save_segment(meta, demo, name="Families", rule=parse("bought_diapers OR purchases_total >= 1"), **MARA)
    with pytest.raises(ExportRefused, match=r"special-category genes \(bought_diapers: children\).*--allow-sensitive"):
        export_audience(meta, demo, name="Families", out=tmp_path / "families.csv", **BY_MARA, purpose="meta")
    assert list(tmp_path.glob("*families.csv*")) == [] and list_exports(meta) == []
    # customer ids for the retailer's own use are not an ad platform: no decision needed
    export_audience(meta, demo, name="Families", out=tmp_path / "ids.csv", **BY_MARA)
    sent = export_audience(meta, demo, name="Families", out=tmp_path / "families.csv", **BY_MARA, purpose="meta",
                           allow_sensitive=True)
    assert sent.people >= AD_PLATFORM_MINIMUM and sorted(e.purpose for e in list_exports(meta)) == ["ids", "meta"]


def test_matching_a_special_category_value_counts_as_reading_it_also_through_a_saved_segment(meta, demo, tmp_path):
    rules = {"Diaper fans": ("favourite_category = 'diapers' OR purchases_total >= 1",
                             "favourite_category = 'diapers': children"),
             "Diaper buyers": ("COUNT(purchase, category = 'diapers', LAST 365 DAYS) >= 1 OR purchases_total >= 1",
                               "purchase events in 'diapers': children"),
             "Their friends": ("IN SEGMENT 'Diaper fans' OR purchases_total >= 1",
                               "segment 'Diaper fans': favourite_category = 'diapers': children")}
    for name, (rule, _named) in rules.items():
        save_segment(meta, demo, name=name, rule=parse(rule), **MARA)
    for name, (_rule, named) in rules.items():
        with pytest.raises(ExportRefused, match=rf"special-category genes \({re.escape(named)}\)"):
            export_audience(meta, demo, name=name, out=tmp_path / "x.csv", **BY_MARA, purpose="meta")
    ordinary = demo.execute("SELECT favourite_category FROM customer_genes WHERE favourite_category <> 'diapers' "
                            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    save_segment(meta, demo, name="Everyday", rule=parse(f"favourite_category = '{ordinary}' OR purchases_total >= 1"),
                 **MARA)
    assert export_audience(meta, demo, name="Everyday", out=tmp_path / "e.csv", **BY_MARA, purpose="meta").people


def test_what_a_rule_reveals_is_worded_by_gene_labels_for_people(meta, demo):
    from genome.segments.export import special_reads

    rule = parse("bought_diapers OR favourite_category = 'diapers'")
    assert special_reads(meta, demo, rule) == {"bought_diapers": "children",
                                                "favourite_category = 'diapers'": "children"}
    labels = {"bought_diapers": "Bought diapers", "favourite_category": "Favourite category"}
    assert special_reads(meta, demo, rule, labels=labels) == {"Bought diapers": "children",
                                                              "Favourite category = 'diapers'": "children"}


def test_people_saving_the_same_segment_at_once_lose_no_version(meta_url, demo_db):
    import threading

    rules = [f"clv_12m >= {100 + n}" for n in range(6)]
    with session(meta_url):
        pass  # the tables exist before the savers start
    errors = []

    def save(n: int) -> None:
        con = connect(demo_db, read_only=True)
        try:
            with session(meta_url) as s:
                save_segment(s, con, name="Valuable", rule=parse(rules[n]), owner=f"marketer{n}", role="marketer")
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)
        finally:
            con.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(len(rules))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session(meta_url) as s:
        saved = versions(s, "Valuable")
        assert [v.version for v in saved] == list(range(1, len(rules) + 1))
        assert sorted(v.rule_text for v in saved) == sorted(rules)
        assert len(entries(s, action="save")) == len(rules)


def test_an_audience_nobody_of_which_may_be_sent_marketing_is_refused_and_says_why(demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    with session(f"sqlite:///{tmp_path / 'meta.sqlite'}") as meta:
        con = connect(db)
        top = save_segment(meta, con, name="Top", rule=parse("clv_12m IN TOP 1%"), **MARA)
        consenting = sorted(_consenting_now(con) & set(members_of(meta)("Top").column("customer_id").to_pylist()))
        assert consenting
        as_of = genome(con).as_of
        rows = []
        for customer in consenting:  # every member who may be sent marketing now withdraws
            kind, value = con.execute(
                "SELECT kind, min(value) FROM identifiers WHERE customer_id = ? AND kind IN ('customer_ref', 'email') "
                "GROUP BY kind ORDER BY kind LIMIT 1", [customer]).fetchone()
            rows.append(event(occurred_at=(as_of + timedelta(hours=1)).isoformat(), channel="email",
                              event_type="consent", **{"customer_ref": None, kind: value},
                              attributes=json.dumps({"purpose": "marketing", "granted": False})))
        ingest_files(con, [write_csv(tmp_path / "withdrawals.csv", rows)])
        with pytest.raises(ExportRefused, match=f"nobody of the {top.size:,} people in 'Top' v1 may be sent "
                                                "marketing: no file was written. Consent comes from consent events"):
            export_audience(meta, con, name="Top", out=tmp_path / "top.csv", **BY_MARA)
        save_segment(meta, con, name="Nobody", rule=parse("clv_12m >= 1000000000"), **MARA)
        with pytest.raises(ExportRefused, match="'Nobody' v1 has no members: no file was written"):
            export_audience(meta, con, name="Nobody", out=tmp_path / "nobody.csv", **BY_MARA)
        assert list(tmp_path.glob("*.csv")) == [tmp_path / "withdrawals.csv"] and list_exports(meta) == []
        con.close()
