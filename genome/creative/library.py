"""The asset library: creative assets with their metadata and eligibility rule, each change a new version.

An asset is copy (a headline, body copy, a call to action, an offer) or a
picture. Its metadata lives in the metadata store (`creativeasset`); a
picture's file is kept once, named by the SHA-256 of its content, in the asset
folder beside the store (`GENOME_ASSET_DIR`). The eligibility rule is a
segment rule (`gamer AND has_children`), checked against the genome as a
segment's is; an empty rule makes an asset everyone's fallback.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from sqlmodel import Session, select

from genome.access import require
from genome.audit import save_recorded
from genome.creative.images import EXTENSIONS, check_image
from genome.errors import InputError
from genome.people import person_name
from genome.segments.audience import count
from genome.segments.text import parse, to_text
from genome.toml_files import read_toml
from store.meta import CreativeAsset, utc

KINDS = {"image": "picture", "headline": "headline", "body": "body copy", "cta": "call to action", "offer": "offer"}
CHANNELS = ("email", "sms", "push", "ad")
MAX_TEXT = 2000


def asset_dir_for(db: Path) -> Path:
    """$GENOME_ASSET_DIR, or a folder beside the store: data/genome.duckdb -> data/genome.assets/."""
    from store.settings import get_settings

    return get_settings().asset_dir or Path(db).with_suffix(".assets")


@dataclass(frozen=True)
class AssetSpec:
    """What a person says about an asset; the library adds the version, the file's hash and the time."""

    name: str
    kind: str
    channels: tuple[str, ...]
    text: str = ""
    rule: str = ""
    priority: int = 0
    locale: str = "en"
    tags: tuple[str, ...] = ()
    valid_from: datetime | None = None
    valid_to: datetime | None = None


def _checked(spec: AssetSpec, con: duckdb.DuckDBPyConnection) -> AssetSpec:
    name = spec.name.strip()
    if not name or len(name) > 80 or not all(ch.isalnum() or ch in "-_." for ch in name):
        raise InputError(f"an asset name is 1 to 80 letters, digits, dashes, dots or underscores; got {spec.name!r}")
    if spec.kind not in KINDS:
        raise InputError(f"asset {name}: kind {spec.kind!r} is not one of {', '.join(KINDS)}")
    unknown = [c for c in spec.channels if c not in CHANNELS]
    if unknown or not spec.channels:
        raise InputError(f"asset {name}: channels must be some of {', '.join(CHANNELS)}; got {list(spec.channels)}")
    if len(spec.text) > MAX_TEXT:
        raise InputError(f"asset {name}: keep the text under {MAX_TEXT} characters")
    if spec.kind != "image" and not spec.text.strip():
        raise InputError(f"asset {name}: a {KINDS[spec.kind]} needs its text")
    if spec.valid_from and spec.valid_to and spec.valid_to <= spec.valid_from:
        raise InputError(f"asset {name}: valid-to must come after valid-from")
    rule = ""
    if spec.rule.strip():
        parsed = parse(spec.rule)
        count(con, parsed)  # the same checks as a segment's: every gene exists, every value fits its type
        rule = to_text(parsed)
    return AssetSpec(name, spec.kind, tuple(spec.channels), spec.text.strip(), rule, int(spec.priority),
                     spec.locale.strip() or "en", tuple(t.strip() for t in spec.tags if t.strip()),
                     spec.valid_from, spec.valid_to)


def store_file(content: bytes, folder: Path, *, name: str) -> tuple[str, str]:
    """Keep a checked picture once, by content hash; returns (hash, media type)."""
    media_type = check_image(content, name=name)
    digest = hashlib.sha256(content).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{EXTENSIONS[media_type]}"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.write_bytes(content)
        partial.replace(path)
    return digest, media_type


def file_of(asset: CreativeAsset, folder: Path) -> Path | None:
    if not asset.content_hash or not asset.media_type:
        return None
    return folder / f"{asset.content_hash}.{EXTENSIONS[asset.media_type]}"


def save_asset(s: Session, con: duckdb.DuckDBPyConnection, spec: AssetSpec, *, owner: str, role: str,
               content: bytes | None = None, folder: Path | None = None) -> CreativeAsset:
    """Save `spec` as the next version of its asset (a picture's `content` kept in `folder`), for `owner` acting as
    `role`, which must allow changing creatives; audited."""
    require(role, "edit_creatives", doing="Changing creative assets")
    owner = person_name(owner, what="owner")
    spec = _checked(spec, con)
    latest = latest_asset(s, spec.name)
    if latest is not None and latest.kind != spec.kind:
        raise InputError(f"asset {spec.name} is a {KINDS[latest.kind]}; a new kind of asset needs a new name")
    digest = media_type = None
    if spec.kind == "image":
        if content is not None and folder is not None:
            digest, media_type = store_file(content, folder, name=spec.name)
        elif latest is not None and latest.content_hash:  # a change of metadata keeps the picture
            digest, media_type = latest.content_hash, latest.media_type
        else:
            raise InputError(f"asset {spec.name}: a picture needs its file")
    asset = CreativeAsset(
        name=spec.name, version=(latest.version + 1) if latest else 1, kind=spec.kind,
        channels=",".join(spec.channels), locale=spec.locale, tags=",".join(spec.tags), rule=spec.rule,
        priority=spec.priority, valid_from=spec.valid_from, valid_to=spec.valid_to, text=spec.text,
        content_hash=digest, media_type=media_type, owner=owner)
    return save_recorded(s, asset, actor=owner, role=role, target=f"asset {asset.name}", detail=f"v{asset.version}")


def latest_asset(s: Session, name: str) -> CreativeAsset | None:
    return s.exec(select(CreativeAsset).where(CreativeAsset.name == name)
                  .order_by(CreativeAsset.version.desc())).first()


def asset_versions(s: Session, name: str) -> list[CreativeAsset]:
    """Every version of the asset `name`, newest first."""
    return list(s.exec(select(CreativeAsset).where(CreativeAsset.name == name)
                       .order_by(CreativeAsset.version.desc())))


def asset_names(s: Session) -> list[str]:
    """Every asset ever saved, including those no longer valid, by name."""
    return sorted(set(s.exec(select(CreativeAsset.name))))


def current_assets(s: Session, *, on: datetime | None = None) -> list[CreativeAsset]:
    """The latest version of every asset, valid on `on` (default: now), by name."""
    on = utc(on or datetime.now(UTC))
    latest: dict[str, CreativeAsset] = {}
    for asset in s.exec(select(CreativeAsset).order_by(CreativeAsset.name, CreativeAsset.version)):
        latest[asset.name] = asset
    return [a for a in latest.values()
            if (a.valid_from is None or utc(a.valid_from) <= on) and (a.valid_to is None or on < utc(a.valid_to))]


def import_library(s: Session, con: duckdb.DuckDBPyConnection, folder: Path, *, owner: str, role: str,
                   asset_dir: Path) -> int:
    """Load a library folder (library.toml and the pictures it names) as assets; returns how many were saved.
    An asset whose metadata and file are unchanged is not saved again."""
    path = Path(folder) / "library.toml"
    entries = read_toml(path, what="asset library").get("asset", [])
    saved = 0
    for i, entry in enumerate(entries, start=1):
        try:
            spec = AssetSpec(
                name=str(entry["name"]), kind=str(entry["kind"]), channels=tuple(entry.get("channels", CHANNELS)),
                text=str(entry.get("text", "")), rule=str(entry.get("rule", "")),
                priority=int(entry.get("priority", 0)), locale=str(entry.get("locale", "en")),
                tags=tuple(entry.get("tags", ())),
                valid_from=_date(entry.get("valid_from")), valid_to=_date(entry.get("valid_to")))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{path}: asset {i}: {exc}") from None
        content = (Path(folder) / entry["file"]).read_bytes() if entry.get("file") else None
        latest = latest_asset(s, spec.name)
        if latest is not None and _same(latest, _checked(spec, con), content):
            continue
        save_asset(s, con, spec, owner=owner, role=role, content=content, folder=asset_dir)
        saved += 1
    return saved


def _date(value) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return utc(moment)


def _same(asset: CreativeAsset, spec: AssetSpec, content: bytes | None) -> bool:
    return (asset.kind, asset.channels, asset.text, asset.rule, asset.priority, asset.locale, asset.tags) == (
        spec.kind, ",".join(spec.channels), spec.text, spec.rule, spec.priority, spec.locale, ",".join(spec.tags)) \
        and asset.content_hash == (hashlib.sha256(content).hexdigest() if content else None)
