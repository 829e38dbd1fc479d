"""The asset library keeps every version: a change of copy or rule keeps the picture, an asset keeps its kind, and
an asset past its valid-to date leaves the choices but not the history."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import studio_copy

from genome.creative.library import (
    AssetSpec,
    asset_dir_for,
    asset_names,
    asset_versions,
    current_assets,
    file_of,
    latest_asset,
    save_asset,
)
from genome.errors import InputError
from store.duck import connect
from store.meta import meta_url_for, session

PICTURE = Path(__file__).resolve().parents[3] / "assets" / "images" / "tv-match.png"


@pytest.fixture
def library(demo_db, tmp_path):
    db = studio_copy(demo_db, tmp_path)
    con = connect(db, read_only=True)
    with session(meta_url_for(db)) as s:
        yield con, s, asset_dir_for(db)
    con.close()


def test_changing_a_pictures_rule_keeps_its_file_and_adds_a_version(library):
    con, s, folder = library
    first = latest_asset(s, "tv-hero-match")
    spec = AssetSpec(name="tv-hero-match", kind="image", channels=("email",), text="A match on a big screen",
                     rule="bought_cycling", priority=30, tags=("tv",))
    changed = save_asset(s, con, spec, owner="mara", role="marketer")
    assert changed.version == first.version + 1 and changed.content_hash == first.content_hash
    assert file_of(changed, folder).read_bytes() == PICTURE.read_bytes()
    assert [v.version for v in asset_versions(s, "tv-hero-match")] == [changed.version, first.version]
    assert asset_versions(s, "tv-hero-match")[1].rule != "bought_cycling"  # the old version is kept as it was


def test_an_asset_keeps_its_kind_and_a_new_picture_needs_its_file(library):
    con, s, _ = library
    with pytest.raises(InputError, match="tv-cta is a call to action; a new kind of asset needs a new name"):
        save_asset(s, con, AssetSpec(name="tv-cta", kind="headline", channels=("email",), text="x"),
                   owner="mara", role="marketer")
    with pytest.raises(InputError, match="tv-hero-new: a picture needs its file"):
        save_asset(s, con, AssetSpec(name="tv-hero-new", kind="image", channels=("email",)),
                   owner="mara", role="marketer")
    assert "tv-hero-new" not in asset_names(s)


def test_an_asset_past_its_valid_to_date_is_no_longer_chosen_but_keeps_its_history(library):
    con, s, _ = library
    yesterday = datetime.now(UTC) - timedelta(days=1)
    spec = AssetSpec(name="tv-cta", kind="cta", channels=("email",), text="Shop the offer", tags=("tv",),
                     valid_to=yesterday)
    save_asset(s, con, spec, owner="mara", role="marketer")
    assert "tv-cta" not in {a.name for a in current_assets(s)}
    assert "tv-cta" in asset_names(s) and len(asset_versions(s, "tv-cta")) == 2
