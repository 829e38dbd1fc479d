"""Creative templates: named slots filled from the asset library, and Liquid text per channel, run in a sandbox.

A template is a TOML file:

    name = "tv-offer"
    description = "..."
    [slots.hero]            # one table per slot: the kind of asset it takes, the tag it must carry,
    kind = "image"          # and the asset everyone gets when no other fits
    tag = "tv"
    fallback = "tv-hero-living-room"
    [defaults]              # what an unknown customer detail reads as
    first_name = "there"
    [defaults.genes]        # every gene the text reads, and what it reads as for a customer without a value
    favourite_category = "our range"
    [channels]              # Liquid text per channel part
    email_subject = "..."
    email_html = "..."
    sms = "..."
    push_title = "..."
    push_body = "..."

Liquid (python-liquid, the language Braze and Shopify marketers write) sees
only `first_name`, `genes` (the customer's gene values) and `slots` (each
slot's chosen asset: `text`, and for a picture `src`). It cannot read files
or the network (no loader: `include` and `render` fail), loops and output
are bounded (so is the time a message takes), and every name it reads must
be there or have a declared default, checked before any message is made, so
a message never shows `{{ }}`.
"""

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from liquid import Environment, StrictUndefined
from liquid.exceptions import LiquidError

from genome.creative.library import KINDS
from genome.errors import InputError
from genome.toml_files import read_toml

PARTS = ("email_subject", "email_html", "sms", "push_title", "push_body")
SMS_LENGTH = 160  # one GSM-7 message; longer ones go as several parts of 153 characters


class Sandbox(Environment):
    """python-liquid with bounds: a template cannot loop, nest or write without end."""

    loop_iteration_limit = 2_000
    output_stream_limit = 200_000
    context_depth_limit = 20
    local_namespace_limit = 20_000


_TEXT = Sandbox(undefined=StrictUndefined)
# in e-mail HTML every value is escaped: a first name or a gene value from the data stays text
_HTML = Sandbox(undefined=StrictUndefined, autoescape=True)


def _environment(part: str) -> Sandbox:
    return _HTML if part == "email_html" else _TEXT


@functools.lru_cache(maxsize=256)
def _compiled(part: str, source: str):
    """A part's parsed template, once per text: a campaign renders the same few parts for every recipient."""
    return _environment(part).from_string(source)


# E-mail clients run no scripts, and a preview must not either: markup that could act is refused at check.
_ACTIVE_HTML = [
    (re.compile(r"<\s*(script|iframe|object|embed|form|base|meta\s+http-equiv)\b", re.I), "a <{}> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event handler attribute ({})"),
    (re.compile(r"(javascript|vbscript)\s*:", re.I), "a {} link"),
]


def _active_markup(html: str) -> str | None:
    for pattern, what in _ACTIVE_HTML:
        if found := pattern.search(html):
            return what.format(found.group(1) if found.groups() else found.group(0).strip())
    return None


@dataclass(frozen=True)
class Slot:
    kind: str
    fallback: str
    tag: str | None = None


@dataclass(frozen=True)
class CreativeTemplate:
    name: str
    description: str
    slots: dict[str, Slot]
    parts: dict[str, str]
    defaults: dict[str, str] = field(default_factory=dict)
    gene_defaults: dict[str, str] = field(default_factory=dict)
    source: Path | None = None


def load_template(path: Path) -> CreativeTemplate:
    """Read and check a template file; one line names the first thing wrong."""
    path = Path(path)
    raw = read_toml(path, what="template")
    name = str(raw.get("name") or path.stem)
    slots = {}
    for slot, spec in (raw.get("slots") or {}).items():
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,39}", slot):
            raise InputError(f"{path.name}: slot {slot!r}: a slot name is a letter, then letters, digits or _")
        if not isinstance(spec, dict) or spec.get("kind") not in KINDS or not spec.get("fallback"):
            raise InputError(f"{path.name}: slot {slot!r} needs a kind (one of {', '.join(KINDS)}) and a fallback "
                             "asset")
        slots[slot] = Slot(spec["kind"], str(spec["fallback"]), spec.get("tag"))
    if not slots:
        raise InputError(f"{path.name}: a template names at least one slot ([slots.NAME])")
    parts = {k: str(v) for k, v in (raw.get("channels") or {}).items()}
    unknown = sorted(set(parts) - set(PARTS))
    if unknown or not parts:
        raise InputError(f"{path.name}: [channels] holds some of {', '.join(PARTS)}; got {unknown or 'none'}")
    defaults = dict(raw.get("defaults") or {})
    genes = defaults.pop("genes", {})
    if not isinstance(genes, dict):
        raise InputError(f"{path.name}: [defaults.genes] names genes and the text each reads as without a value")
    template = CreativeTemplate(name, str(raw.get("description", "")), slots, parts,
                                defaults={k: str(v) for k, v in defaults.items()},
                                gene_defaults={k: str(v) for k, v in genes.items()}, source=path)
    check_template(template)
    return template


def sample_context(template: CreativeTemplate, genes: dict | None = None) -> dict:
    """Everything a template may read, as a message to a customer would give it."""
    return {"first_name": template.defaults.get("first_name", "there"),
            "genes": template.gene_defaults | dict(genes or {}),
            "slots": {slot: {"text": f"[{slot}]", "src": f"cid:{slot}", "name": spec.fallback}
                      for slot, spec in template.slots.items()}}


def check_template(template: CreativeTemplate) -> None:
    """Parse every part and render it once on a sample: syntax, sandbox, undefined names and, in the e-mail's HTML,
    markup that could run (scripts, frames, forms, event handlers, javascript: links), in one line."""
    for part, source in template.parts.items():
        if part == "email_html" and (active := _active_markup(source)):
            raise InputError(f"{template.name}: email_html holds {active}, which e-mail clients refuse and a preview "
                             "must not run: take it out")
        try:
            _compiled(part, source).render(**sample_context(template))
        except LiquidError as exc:
            first = str(exc).splitlines()[0]
            if first.startswith("genes.") and "is undefined" in first:
                first += ": declare what it reads as without a value under [defaults.genes]"
            raise InputError(f"{template.name}: {part}: {first}") from None


def render_part(template: CreativeTemplate, part: str, context: dict) -> str:
    """One part of the message for one customer; the template was checked, so only the data can still fail."""
    try:
        text = _compiled(part, template.parts[part]).render(**context)
    except LiquidError as exc:
        raise InputError(f"{template.name}: {part}: {str(exc).splitlines()[0]}") from None
    if "{{" in text or "{%" in text:  # a value that looks like Liquid is data, never run, but never shown either
        text = text.replace("{{", "{ {").replace("{%", "{ %")
    return text


# GSM 03.38: the basic alphabet (one unit each) and its extension table (two units each: escape and character)
GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
           "abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def sms_length(text: str) -> tuple[int, str]:
    """How many units an SMS of `text` takes, and in which encoding: GSM-7 when every character is in its alphabet
    (an extended one counts twice), else UCS-2 (UTF-16 units: an emoji counts twice)."""
    if all(ch in GSM7 or ch in GSM7_EXTENDED for ch in text):
        return len(text) + sum(ch in GSM7_EXTENDED for ch in text), "GSM-7"
    return len(text.encode("utf-16-le")) // 2, "UCS-2"


def sms_parts(text: str) -> int:
    """How many messages an SMS of `text` takes: 160 GSM-7 units in one, 153 per part when split; with a character
    outside GSM-7 (an emoji, a curly quote) 70 in one and 67 per part."""
    units, encoding = sms_length(text)
    single, part = (SMS_LENGTH, 153) if encoding == "GSM-7" else (70, 67)
    return 1 if units <= single else -(-units // part)


def list_templates(folder: Path) -> dict[str, Path]:
    """The template files of a library folder (`templates/*.toml`), by name."""
    return {path.stem: path for path in sorted((Path(folder) / "templates").glob("*.toml"))}


def unusable_templates(templates: dict[str, Path], assets: set[str]) -> dict[str, str]:
    """Templates that cannot make a message with the assets named `assets` (valid today), each with why: a
    fallback every recipient may get is missing, or the file itself is wrong."""
    why = {}
    for name, path in templates.items():
        try:
            template = load_template(path)
        except InputError as exc:
            why[name] = str(exc)
            continue
        missing = sorted({slot.fallback for slot in template.slots.values()} - assets)
        if missing:
            why[name] = f"its fallback asset{'s' if len(missing) > 1 else ''} {', '.join(missing)} " \
                        f"{'are' if len(missing) > 1 else 'is'} not in the asset library (or not valid today)"
    return why
