import csv

import pytest

import genome.landing as landing
from genome.landing import land, read_ahead
from genome.readers import FileRefused


def _write(path, rows):
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["occurred_at", "channel", "event_type", "customer_ref", "phone"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def _row(phone):
    return {"occurred_at": "2025-06-01T10:00:00", "channel": "store", "event_type": "purchase",
            "customer_ref": "C1", "phone": phone}


def test_each_distinct_phone_text_is_normalised_once_and_blank_ones_are_missing(tmp_path):
    path = _write(tmp_path / "a.csv", [_row("(312) 555-0142"), _row("(312) 555-0142"), _row("12"), _row("   ")])
    landed = land(path, phone_region="US")
    assert landed.rows.num_rows == 4
    assert sorted(landed.phones.to_pylist(), key=lambda r: r["raw"]) == [
        {"raw": "(312) 555-0142", "e164": "+13125550142"},
        {"raw": "12", "e164": None},
    ]


def test_read_ahead_lands_every_file_in_order_as_landing_them_one_by_one_does(tmp_path):
    paths = [_write(tmp_path / f"{i}.csv", [_row(f"(312) 555-01{i:02d}")] * (i + 1)) for i in range(4)]
    ahead = list(read_ahead(paths, phone_region="US"))
    assert [a.path for a in ahead] == paths
    for a, path in zip(ahead, paths):
        alone = land(path, phone_region="US")
        assert a.rows.equals(alone.rows)
        assert a.phones.equals(alone.phones)


def test_a_number_seen_in_an_earlier_file_is_not_normalised_again(tmp_path, monkeypatch):
    asked = []

    def counting(raw, region="US"):
        asked.append(raw)
        return "+1"

    monkeypatch.setattr(landing, "normalise_phone", counting)
    paths = [_write(tmp_path / f"{i}.csv", [_row("312 555 0142"), _row(f"312 555 01{i:02d}")]) for i in range(3)]
    landed = list(read_ahead(paths, phone_region="US"))
    assert sorted(asked) == ["312 555 0100", "312 555 0101", "312 555 0102", "312 555 0142"]
    assert all("312 555 0142" in a.phones["raw"].to_pylist() for a in landed)  # each file's map is complete


def test_a_file_that_cannot_be_read_fails_at_its_turn_after_the_files_before_it(tmp_path):
    good = _write(tmp_path / "good.csv", [_row("")])
    broken = tmp_path / "broken.csv"
    broken.write_text("occurred_at,channel\n2025-06-01T10:00:00,store\n")  # no event type, no identifier
    ahead = read_ahead([good, broken], phone_region="US")
    assert next(ahead).path == good
    with pytest.raises(FileRefused, match="missing required column"):
        next(ahead)


@pytest.mark.parametrize(("ids", "ascend"), [
    (["a1", "a2", "b1"], True),
    (["a1"], True),
    (["a1", "a1", "b1"], False),  # a repeated id
    (["a2", "a1"], False),
    (["a1", "", "b1"], False),  # a row without an id
    (["a1", " a2 ", "a3"], True),  # read without blanks
])
def test_a_file_whose_event_ids_ascend_says_so(tmp_path, ids, ascend):
    path = tmp_path / "ids.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["event_id", "occurred_at", "channel", "event_type", "customer_ref"])
        writer.writerows([i, "2025-06-01T10:00:00", "web", "view", "CR-1"] for i in ids)
    assert land(path, phone_region="US").ids_ascend is ascend
