"""The audit log is append-only in effect: any change to an entry, or its removal, shows."""

import threading

import pytest
from sqlmodel import select

from genome.audit import GENESIS, entries, record, verify
from genome.errors import InputError
from store.meta import AuditEntry, session


@pytest.fixture
def url(meta_url):
    return meta_url


def test_entries_chain_each_to_the_one_before(url):
    with session(url) as s:
        first = record(s, actor="sam", role="service", action="profile view", target="C0001")
        second = record(s, actor="sam", role="service", action="unmasked view", target="C0001")
        assert first.prev_hash == GENESIS and second.prev_hash == first.hash
        assert verify(s).intact and verify(s).entries == 2
        assert [e.action for e in entries(s, actor="sam")] == ["profile view", "unmasked view"]
        assert [e.id for e in entries(s, action="unmasked view")] == [second.id]


def test_a_changed_entry_is_found(url):
    with session(url) as s:
        for n in range(3):
            record(s, actor="sam", role="service", action="profile view", target=f"C000{n}")
        middle = s.exec(select(AuditEntry).where(AuditEntry.target == "C0001")).one()
        middle.target = "C9999"  # someone edits the store behind the product's back
        s.add(middle)
        s.commit()
        check = verify(s)
    assert check.broken_at == middle.id and "changed" in check.reason


def test_a_removed_entry_is_found(url):
    with session(url) as s:
        for n in range(3):
            record(s, actor="sam", role="service", action="profile view", target=f"C000{n}")
        gone = s.exec(select(AuditEntry).where(AuditEntry.target == "C0001")).one()
        s.delete(gone)
        s.commit()
        check = verify(s)
    assert check.broken_at == gone.id + 1 and "removed" in check.reason


def test_writers_at_once_still_make_one_chain(url):
    with session(url):
        pass  # the tables exist before the writers start

    def write(who: str) -> None:
        with session(url) as s:
            for n in range(10):
                record(s, actor=who, role="service", action="profile view", target=f"C{n}")

    threads = [threading.Thread(target=write, args=(f"user{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session(url) as s:
        assert len(entries(s)) == 40 and verify(s).intact


def test_an_unknown_action_is_refused(url):
    with session(url) as s, pytest.raises(InputError, match="audit action 'peek'"):
        record(s, actor="sam", role="service", action="peek")


def test_looking_again_at_the_same_customer_soon_after_is_one_look(url):
    from genome.audit import record_look

    with session(url) as s:
        assert record_look(s, actor="sam", role="service", action="profile view", target="C1") is not None
        assert record_look(s, actor="sam", role="service", action="profile view", target="C1") is None
        assert record_look(s, actor="ana", role="service", action="profile view", target="C1") is not None
        assert record_look(s, actor="sam", role="service", action="profile view", target="C2") is not None
        assert len(entries(s)) == 3
