"""The audit log page: administrators filter the log, see that its chain holds and download it; others may not."""

import shutil

import pytest
from helpers import sign_in_as

from genome.audit import record
from store.meta import session


@pytest.fixture
def logged(demo_db, tmp_path):
    db = tmp_path / "genome.duckdb"
    shutil.copy(demo_db, db)
    with session(f"sqlite:///{db.with_suffix('.meta.sqlite')}") as meta:
        record(meta, actor="sam", role="service", action="profile view", target="C0001")
        record(meta, actor="sam", role="service", action="unmasked view", target="C0001")
        record(meta, actor="ana", role="service", action="profile view", target="C0002")
    return db


@pytest.fixture
def page(page_at, logged):
    def make(role: str):
        at = page_at("audit.py", logged)
        sign_in_as(at, role)
        return at
    return make


def test_a_marketer_is_told_the_log_is_for_administrators(page):
    at = page("marketer").run()
    assert not at.exception and not at.dataframe
    assert "Reading the audit log is for administrators; you are working as marketer." in at.info[0].value


def test_an_administrator_filters_the_log_and_sees_the_chain_intact(page):
    at = page("admin").run()
    assert not at.exception
    assert "chain of 3 entries is intact" in at.success[0].value
    assert list(at.dataframe[0].value["person"]) == ["sam", "sam", "ana"]
    at.text_input(key="audit_actor").input("sam").run()
    at.selectbox(key="audit_action").set_value("unmasked view").run()
    shown = at.dataframe[0].value
    assert list(zip(shown["person"], shown["action"], shown["on"])) == [("sam", "unmasked view", "C0001")]
    assert at.get("download_button")


def test_nothing_matching_says_so(page):
    at = page("admin").run()
    at.text_input(key="audit_target").input("C9999").run()
    assert not at.exception and not at.dataframe
    assert "No entry matches" in at.info[0].value
