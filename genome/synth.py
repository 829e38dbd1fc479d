"""Synthetic customers and their events across every channel, with latent truth.

`generate` writes what a retailer's landing zone would receive: one Parquet
file per source (store, wholesale, web, app, service, email, social) per chunk
of customers, every column a string, a few rows deliberately corrupt. Beside
it, in `truth/`, it writes the latent state the events were drawn from:
traits, the BG/NBD purchase process, consent, life events, post labels and the
corrupt rows. Identity resolution, genes and models are scored against the
truth; product code never reads it.

Speed comes from two rules. Every step works on whole arrays: all customers
of a chunk, or all events of a kind, in one numpy operation; the only Python
loops run over event kinds, traits or templates. Strings are built last, by
Arrow kernels that pick pre-rendered values (days, times of day, identifiers,
texts) by index, and writer threads format and write earlier chunks while
the next one is simulated.

Everything random flows from `seed`: the catalogue and texts from one
stream, each chunk from its own, so the same seed and chunk size give the
same files byte for byte.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from genome import catalog_data as cd
from genome.errors import InputError
from genome.synth_text import LIFE_EVENTS, TICKET_TEMPLATES, TextPool, build_text_pool

SOURCES = ("store", "wholesale", "web", "app", "service", "email", "social")
STORE, WHOLESALE, WEB, APP, SERVICE, EMAIL, SOCIAL = range(7)

EVENT_TYPES = (
    "view", "search", "cart", "purchase", "return", "store_visit", "review",
    "ticket", "email_open", "email_click", "post", "consent",
)
(VIEW, SEARCH, CART, PURCHASE, RETURN, STORE_VISIT, REVIEW,
 TICKET, EMAIL_OPEN, EMAIL_CLICK, POST, CONSENT) = range(12)

EVENT_COLUMNS = (
    "event_id", "occurred_at", "channel", "event_type", "customer_ref", "email", "phone",
    "loyalty_id", "device_id", "product_id", "category", "amount", "quantity", "currency",
    "store_id", "city", "text", "attributes",
)
EVENT_SCHEMA = pa.schema([(name, pa.string()) for name in EVENT_COLUMNS])

DEFECTS = (
    "amount_not_numeric", "amount_decimal_comma", "unknown_channel", "bad_timestamp",
    "no_identifiers", "attributes_not_json", "quantity_out_of_range",
)
CORRUPT_SHARE = 0.0005
# Defective values are extra entries at the end of the pools that the
# columns are picked from, so breaking a row costs nothing at format time.
BAD_TIMESTAMP = "31/02/2026 25:61"
BAD_ATTRIBUTES = "{discount: yes"
BAD_QUANTITY = "-5000000"
MAX_QUANTITY = 999
KIOSK_DEVICES = ("dev-kiosk-1", "dev-kiosk-2", "dev-kiosk-3")
PREFERRED_CHANNELS = ("store", "web", "app")
TRAITS = ("is_traveller", "is_gamer", "is_parent", "is_runner", "is_bargain_hunter", "is_premium_buyer")
# Life events that happen at most once in the window, in the column order of `People.life_day`.
DATED_LIFE_EVENTS = ("wedding", "new_baby", "graduation", "moving_house", "new_job")

# Identifier bits on an event; which device it was is kept apart in `dev`.
REF, MAIL, PHONE, LOYALTY, DEVICE = 1, 2, 4, 8, 16
KIOSK_SLOT = 2  # dev values 2..4 are the shared in-store kiosks

# Identifier spaces are filled by keyed bijections of the person id, so
# identifiers are unique without coordination between chunks yet reveal
# nothing about the person id.
MAX_CUSTOMERS = 5_000_000
SECONDS_PER_DAY = 86_400
WRITER_THREADS = 2

# Hour-of-day weights (0..23) per kind of activity.
HOURS_ONLINE = (1, .6, .4, .3, .3, .5, 1, 2, 3, 3.5, 3.5, 4, 5, 4.5, 4, 4, 4.5, 5, 6, 7, 7.5, 6.5, 4.5, 2.5)
HOURS_NIGHT = (6, 5, 3.5, 2, 1, .5, .3, .3, .3, .3, .5, .5, .5, .5, .5, .5, .7, 1, 1.5, 2.5, 4, 6, 7, 7)
HOURS_STORE = (0,) * 9 + (2, 3, 4, 5, 5, 4, 4, 5, 6, 6, 5, 3) + (0,) * 3
HOURS_OFFICE = (0,) * 8 + (3, 5, 5, 4, 3, 4, 5, 5, 4, 2) + (0,) * 6


@dataclass(frozen=True)
class SynthManifest:
    """What `generate` wrote: event files per source, truth tables, counts."""

    event_files: dict[str, list[Path]]
    truth_files: dict[str, Path]
    customers: int
    events: int
    reference_files: dict[str, Path] = field(default_factory=dict)


class SynthConfigError(InputError):
    """A generator argument is out of range; the message names it."""


# --------------------------------------------------------------------------- world


@dataclass(frozen=True)
class World:
    """Everything shared by all chunks: calendar, catalogue, stores, string pools."""

    start: date
    n_days: int
    start_weekday: int
    day_prefix: pa.Array          # "YYYY-MM-DDT" per day index, then the broken timestamp
    time_of_day: pa.Array         # "HH:MM:SS" per second of day, then ""
    categories: tuple[str, ...]
    product_category: np.ndarray  # products sorted by category, then price
    product_price: np.ndarray     # cents
    product_ids: pa.Array
    product_names: tuple[str, ...]
    cat_first: np.ndarray
    cat_count: np.ndarray
    return_rate: np.ndarray
    query_first: np.ndarray       # per category, first query in the flat query list
    query_count: np.ndarray
    cities: tuple[str, ...]
    city_weight: np.ndarray
    city_area_code: tuple[str, ...]
    store_city: np.ndarray
    store_ids: tuple[str, ...]
    city_store_first: np.ndarray
    city_store_count: np.ndarray
    sale_days: np.ndarray         # sorted day indices inside a sale window
    is_sale_day: np.ndarray
    holiday_days: np.ndarray
    campaign_day: np.ndarray
    campaign_attr: np.ndarray     # index into `attributes`
    attributes: pa.Array          # fixed JSON attribute strings, then the broken one
    attr_base: dict[str, int]
    purchase_attr_prefix: pa.Array
    texts: TextPool
    text_array: pa.Array
    post_template_ids: tuple[str, ...]
    post_template_first: dict[tuple[str, str], int]

    def category_codes(self, names: tuple[str, ...]) -> np.ndarray:
        return np.array([self.categories.index(name) for name in names], dtype=np.int16)


def build_world(seed: int, start: date, end: date) -> World:
    """Catalogue, stores, calendars and text pools for one seed and window."""
    rng = np.random.default_rng([seed, 0])
    n_days = (end - start).days + 1
    days = np.datetime64(start, "D") + np.arange(n_days)
    seconds = np.arange(SECONDS_PER_DAY)
    time_of_day = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in seconds]

    categories = tuple(cd.CATEGORIES)
    products = _product_catalogue(rng, categories)
    cat_count = np.bincount(products["category"], minlength=len(categories)).astype(np.int32)
    cat_first = np.concatenate([[0], np.cumsum(cat_count)[:-1]]).astype(np.int32)

    queries = [q for c in categories for q in cd.SEARCH_QUERIES[c]]
    query_count = np.array([len(cd.SEARCH_QUERIES[c]) for c in categories], dtype=np.int32)
    query_first = np.concatenate([[0], np.cumsum(query_count)[:-1]]).astype(np.int32)

    cities = tuple(cd.CITIES)
    store_city, store_ids = [], []
    for ci, (_, _, _, n_stores, code) in enumerate(cd.CITIES.values()):
        for k in range(n_stores):
            store_city.append(ci)
            store_ids.append(f"S-{code}-{k + 1:02d}")
    store_city = np.array(store_city, dtype=np.int16)
    city_store_count = np.bincount(store_city, minlength=len(cities)).astype(np.int32)
    city_store_first = np.concatenate([[0], np.cumsum(city_store_count)[:-1]]).astype(np.int32)
    city_weight = np.array([v[2] for v in cd.CITIES.values()])

    sales = _calendar_windows(start, end, cd.SALES)
    sale_days = np.unique(np.concatenate([np.arange(a, b) for _, a, b in sales])) if sales else np.zeros(0, np.int32)
    sale_days = sale_days[(sale_days >= 0) & (sale_days < n_days)].astype(np.int32)
    is_sale_day = np.zeros(n_days, dtype=bool)
    is_sale_day[sale_days] = True
    holiday_days = _holiday_days(start, end)

    campaign_day, campaign_name = _campaign_calendar(start, n_days, sales)
    campaigns = sorted(set(campaign_name))
    attr_texts, attr_base = _attribute_strings(queries, campaigns)
    campaign_attr = np.array([attr_base["campaign"] + campaigns.index(n) for n in campaign_name], dtype=np.int32)

    prefixes = ['{"discount": false, "coupon": null, "list_price": ',
                '{"discount": true, "coupon": null, "list_price": ']
    prefixes += [f'{{"discount": true, "coupon": "{code}", "list_price": ' for code, _ in cd.COUPONS]

    texts = build_text_pool(rng)
    post_ids: list[str] = []
    post_first: dict[tuple[str, str], int] = {}
    for key, group in texts.groups.items():
        if key[0] == "post":
            post_first[(key[1], key[2])] = len(post_ids)
            post_ids.extend(group.template_ids)

    return World(
        start=start,
        n_days=n_days,
        start_weekday=start.weekday(),
        day_prefix=pa.array([f"{d}T" for d in days.astype(str)] + [BAD_TIMESTAMP]),
        time_of_day=pa.array(time_of_day + [""]),
        categories=categories,
        product_category=products["category"],
        product_price=products["price"],
        product_ids=pa.array(products["product_id"]),
        product_names=tuple(products["name"]),
        cat_first=cat_first,
        cat_count=cat_count,
        return_rate=np.array([cd.RETURN_RATE.get(c, cd.RETURN_RATE_DEFAULT) for c in categories]),
        query_first=query_first,
        query_count=query_count,
        cities=cities,
        city_weight=city_weight / city_weight.sum(),
        city_area_code=tuple(v[1] for v in cd.CITIES.values()),
        store_city=store_city,
        store_ids=tuple(store_ids),
        city_store_first=city_store_first,
        city_store_count=city_store_count,
        sale_days=sale_days,
        is_sale_day=is_sale_day,
        holiday_days=holiday_days,
        campaign_day=campaign_day,
        campaign_attr=campaign_attr,
        attributes=pa.array(attr_texts + [BAD_ATTRIBUTES]),
        attr_base=attr_base,
        purchase_attr_prefix=pa.array(prefixes),
        texts=texts,
        text_array=pa.array(texts.texts),
        post_template_ids=tuple(post_ids),
        post_template_first=post_first,
    )


def _product_catalogue(rng: np.random.Generator, categories: tuple[str, ...], per_category: int = 50) -> dict:
    """~2,000 products: brand + line + noun, log-uniform list prices ending in .99/.49/.00."""
    rows = []
    for ci, name in enumerate(categories):
        low, high, nouns = cd.CATEGORIES[name]
        combos = [(b, l, n) for b in cd.BRANDS for l in cd.PRODUCT_LINES for n in nouns]
        picked = rng.choice(len(combos), size=per_category, replace=False)
        dollars = np.exp(rng.uniform(math.log(low), math.log(high), per_category))
        endings = rng.choice([99, 49, 0], size=per_category, p=[0.7, 0.2, 0.1])
        cents = np.maximum(np.floor(dollars).astype(np.int64) * 100 + endings, 199)
        for k, combo_index in enumerate(picked):
            brand, line, noun = combos[combo_index]
            rows.append((ci, int(cents[k]), " ".join(part for part in (brand, line, noun) if part)))
    rows.sort(key=lambda r: (r[0], r[1]))
    ids = 100_000 + rng.permutation(900_000)[: len(rows)]
    return {
        "category": np.array([r[0] for r in rows], dtype=np.int16),
        "price": np.array([r[1] for r in rows], dtype=np.int64),
        "name": [r[2] for r in rows],
        "product_id": [f"P-{i}" for i in ids],
    }


def _calendar_windows(start: date, end: date, windows) -> list[tuple[str, int, int]]:
    """Yearly (name, month, day, length) windows as (name-year, first day, end day) indices."""
    out = []
    for year in range(start.year - 1, end.year + 1):
        for name, month, day, length in windows:
            first = (date(year, month, day) - start).days
            if first + length > 0 and first <= (end - start).days:
                out.append((f"{name}-{year}", first, first + length))
    return out


def _holiday_days(start: date, end: date) -> np.ndarray:
    days = [(date(y, m, d) - start).days for y in range(start.year, end.year + 2) for m, d in cd.HOLIDAYS]
    return np.array(sorted(d for d in days if d >= 0), dtype=np.int32)


def _campaign_calendar(start: date, n_days: int, sales) -> tuple[np.ndarray, list[str]]:
    """A newsletter every Tuesday plus a send on the first day of each sale."""
    sends: list[tuple[int, str]] = []
    for day in range(n_days):
        current = start + timedelta(days=day)
        if current.weekday() == 1:
            sale = next((name for name, a, b in sales if a - 5 <= day < b), None)
            sends.append((day, sale or f"{cd.MONTH_THEMES[current.month]}-{current.year}"))
    sends += [(a, name) for name, a, _ in sales if 0 <= a < n_days]
    sends.sort()
    return np.array([d for d, _ in sends], dtype=np.int32), [n for _, n in sends]


def _attribute_strings(queries: list[str], campaigns: list[str]) -> tuple[list[str], dict[str, int]]:
    """Every fixed `attributes` value, rendered once as JSON."""
    texts: list[str] = []
    base: dict[str, int] = {}

    def block(name: str, values: list[dict]) -> None:
        base[name] = len(texts)
        texts.extend(json.dumps(v, ensure_ascii=False) for v in values)

    block("page", [{"page": p} for p in ("product", "category", "deals")])
    block("query", [{"query": q} for q in queries])
    block("campaign", [{"campaign": c} for c in campaigns])
    block("rating", [{"rating": r} for r in range(1, 6)])
    block("consent", [{"purpose": p, "granted": g} for p in ("marketing", "profiling") for g in (False, True)])
    block("platform", [{"platform": p} for p in cd.SOCIAL_PLATFORMS])
    block("reason", [{"reason": r} for r in cd.RETURN_REASONS])
    block("topic", [{"topic": t} for t in TICKET_TEMPLATES])
    return texts, base


# --------------------------------------------------------------------------- people


@dataclass
class People:
    """Latent state of one chunk of persons; every array is indexed by local person."""

    first_pid: int
    n: int
    age: np.ndarray
    birth_date: np.ndarray            # datetime64[D]
    home_city: np.ndarray
    new_city: np.ndarray              # city after moving house (== home_city if no move)
    home_store: np.ndarray
    new_store: np.ndarray
    pref: np.ndarray                  # index into PREFERRED_CHANNELS
    has_email: np.ndarray
    has_account: np.ndarray
    has_loyalty: np.ndarray
    has_phone: np.ndarray
    n_devices: np.ndarray
    traits: dict[str, np.ndarray]
    is_wholesale: np.ndarray
    purchase_rate: np.ndarray         # lambda, purchases per week
    dropout_p: np.ndarray
    acq: np.ndarray                   # day index of first activity
    consent_marketing: np.ndarray     # as granted at acquisition
    withdraw_day: np.ndarray          # -1: never withdraws
    consent_profiling: np.ndarray
    social: np.ndarray
    engagement: np.ndarray
    open_rate: np.ndarray
    life_day: np.ndarray              # (n, len(DATED_LIFE_EVENTS)), -1: none in window
    affinity_cum: np.ndarray          # flattened row-wise cumulative category weights, row i spans (i, i+1]
    channel_cum: np.ndarray           # (n, 3) cumulative store / web / app purchase weights
    app_share: np.ndarray             # share of browsing done in the app
    isolate: np.ndarray               # 0 linkable by design, 1 loyalty card kept apart, 2 device kept apart
    churn_day: np.ndarray | None = None           # set by the purchase process
    act_end: np.ndarray | None = None             # last day of browsing activity
    life_events: dict[str, np.ndarray] | None = None  # set with the social posts
    fully_linkable: np.ndarray | None = None      # set once the events exist

    @property
    def move_day(self) -> np.ndarray:
        return self.life_day[:, DATED_LIFE_EVENTS.index("moving_house")]

    def city_on(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        moved = (self.move_day[person] >= 0) & (day >= self.move_day[person])
        return np.where(moved, self.new_city[person], self.home_city[person])


def draw_people(world: World, rng: np.random.Generator, first_pid: int, n: int) -> People:
    """Draw latent traits, identifiers, purchase process and life events for n persons."""
    age = np.clip(rng.normal(41, 14, n), 18, 85)
    birth_date = np.datetime64(world.start, "D") - np.round(age * 365.25).astype("timedelta64[D]")
    pref = rng.choice(3, size=n, p=[0.35, 0.40, 0.25]).astype(np.int8)
    is_wholesale = rng.random(n) < 0.03

    has_device = rng.random(n) < np.array([0.32, 0.55, 1.0])[pref]
    n_devices = (has_device * (1 + (rng.random(n) < 0.12))).astype(np.int8)
    has_loyalty = rng.random(n) < np.array([0.97, 0.5, 0.55])[pref]
    # Everyone is reachable through an account or a card; an app needs a login.
    has_account = (pref > 0) | has_device | is_wholesale | (rng.random(n) < 0.5) | ~has_loyalty
    has_email = rng.random(n) < 0.97
    has_phone = rng.random(n) < 0.85

    traits = _draw_traits(rng, age)
    # Acquisition is spread over the window so tenure varies; the last month
    # is left out so that every person has some history.
    acq = np.floor(rng.beta(0.8, 1.4, n) * (world.n_days - 30)).astype(np.int32)
    life_day = _draw_life_events(world, rng, age, acq)
    traits["is_parent"] |= life_day[:, DATED_LIFE_EVENTS.index("new_baby")] >= 0

    n_cities = len(world.cities)
    home_city = rng.choice(n_cities, size=n, p=world.city_weight).astype(np.int16)
    moved = life_day[:, DATED_LIFE_EVENTS.index("moving_house")] >= 0
    other_city = (home_city + 1 + rng.integers(0, n_cities - 1, n)) % n_cities
    new_city = np.where(moved, other_city, home_city).astype(np.int16)

    rate, dropout = _draw_purchase_process(rng, is_wholesale)

    consent_marketing = rng.random(n) < 0.85
    withdraws = consent_marketing & (rng.random(n) < 0.035) & (acq + 14 < world.n_days - 1)
    withdraw_day = np.where(withdraws, _uniform_day(rng, acq + 14, np.full(n, world.n_days - 1)), -1).astype(np.int32)

    engagement = rng.lognormal(0.0, 0.45, n)
    isolate = _choose_isolated_identifier(rng, has_loyalty, has_email, has_phone, n_devices)
    return People(
        first_pid=first_pid, n=n, age=age, birth_date=birth_date,
        home_city=home_city, new_city=new_city,
        home_store=_store_in(world, rng, home_city), new_store=_store_in(world, rng, new_city),
        pref=pref, has_email=has_email, has_account=has_account, has_loyalty=has_loyalty,
        has_phone=has_phone, n_devices=n_devices, traits=traits, is_wholesale=is_wholesale,
        purchase_rate=rate, dropout_p=dropout, acq=acq,
        consent_marketing=consent_marketing, withdraw_day=withdraw_day,
        consent_profiling=rng.random(n) < 0.78,
        social=has_email & (rng.random(n) < 0.31),
        engagement=engagement,
        open_rate=np.clip(rng.beta(2, 12, n) * engagement, 0, 0.9),
        life_day=life_day,
        affinity_cum=_category_affinity(world, rng, traits),
        channel_cum=_purchase_channel_weights(pref, has_loyalty, has_account, n_devices > 0),
        app_share=np.where(n_devices > 0, np.array([0.4, 0.25, 0.85])[pref], 0.0),
        isolate=isolate,
    )


def _draw_traits(rng: np.random.Generator, age: np.ndarray) -> dict[str, np.ndarray]:
    """Six traits at 13-22% prevalence, correlated the way shoppers are."""
    u = rng.random((len(age), 6))
    premium = u[:, 5] < 0.13
    return {
        "is_traveller": u[:, 0] < np.where(premium, 0.28, 0.13),
        "is_gamer": u[:, 1] < np.select([age < 30, age < 45], [0.32, 0.16], 0.05),
        "is_parent": u[:, 2] < np.where((age >= 26) & (age <= 50), 0.33, 0.06),
        "is_runner": u[:, 3] < np.where(age < 55, 0.19, 0.07),
        # Premium buyers rarely hunt bargains.
        "is_bargain_hunter": u[:, 4] < np.where(premium, 0.03, 0.25),
        "is_premium_buyer": premium,
    }


def _draw_life_events(world: World, rng: np.random.Generator, age: np.ndarray, acq: np.ndarray) -> np.ndarray:
    """Day of each once-in-the-window life event, -1 when it does not happen.

    Events fall while the person is a customer (from ten days before their
    first activity), since nothing earlier could show in their events.
    """
    chance = np.stack([
        np.where((age >= 24) & (age <= 40), 0.045, 0.01),    # wedding
        np.where((age >= 24) & (age <= 42), 0.06, 0.003),    # new_baby
        np.where(age < 27, 0.18, 0.006),                     # graduation
        np.full(len(age), 0.07),                             # moving_house
        np.where(age < 62, 0.07, 0.01),                      # new_job
    ], axis=1)
    happens = rng.random(chance.shape) < chance
    first = np.maximum(acq - 10, 0)[:, None]
    day = first + np.floor(rng.random(chance.shape) * (world.n_days - first)).astype(np.int32)
    return np.where(happens, day, -1).astype(np.int32)


def _draw_purchase_process(rng: np.random.Generator, is_wholesale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD heterogeneity: lambda ~ Gamma (purchases/week), dropout p ~ Beta."""
    n = len(is_wholesale)
    rate = np.where(is_wholesale, rng.gamma(3.0, 0.2, n), rng.gamma(1.1, 0.09 / 1.1, n))
    dropout = np.where(is_wholesale, rng.beta(1.0, 40.0, n), rng.beta(1.6, 9.0, n))
    return rate, np.clip(dropout, 1e-4, 0.999)


def _choose_isolated_identifier(rng, has_loyalty, has_email, has_phone, n_devices) -> np.ndarray:
    """About 2-3% of persons keep one identifier apart, as real customers do."""
    picked = rng.random(len(has_loyalty)) < 0.028
    card = picked & has_loyalty & (has_email | has_phone)
    device = picked & ~card & (n_devices > 0)
    return np.where(card, 1, np.where(device, 2, 0)).astype(np.int8)


def _store_in(world: World, rng: np.random.Generator, city: np.ndarray) -> np.ndarray:
    offset = np.floor(rng.random(len(city)) * world.city_store_count[city])
    return (world.city_store_first[city] + offset).astype(np.int16)


def _category_affinity(world: World, rng: np.random.Generator, traits: dict[str, np.ndarray]) -> np.ndarray:
    """Per-person category weights: personal taste plus strong trait boosts.

    A trait's categories take roughly 40-45% of its holder's attention and
    under 2% of everyone else's, which is what lets a simple gene recover the
    trait from behaviour.
    """
    n, n_cat = len(traits["is_runner"]), len(world.categories)
    trait_groups = {
        "is_traveller": cd.TRAVEL, "is_gamer": cd.GAMING, "is_parent": cd.PARENTING, "is_runner": cd.RUNNING,
    }
    base = np.ones(n_cat)
    for group in trait_groups.values():
        base[world.category_codes(group)] = 0.15
    weights = rng.gamma(2.0, 0.5, (n, n_cat)) * base
    for trait, group in trait_groups.items():
        codes = world.category_codes(group)
        weights[:, codes] += traits[trait][:, None] * (30.0 / len(codes)) * rng.gamma(8.0, 1 / 8, (n, 1))
    premium_codes = world.category_codes(("premium_audio", "watches", "jewellery", "cameras"))
    weights[:, premium_codes] += traits["is_premium_buyer"][:, None] * 2.0
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    cum[:, -1] = 1.0
    return (cum + np.arange(n)[:, None]).ravel()


def _purchase_channel_weights(pref, has_loyalty, has_account, has_device) -> np.ndarray:
    """Cumulative store / web / app weights for retail purchases, by what the person can use."""
    table = np.array([[0.8, 0.15, 0.05], [0.2, 0.7, 0.1], [0.15, 0.15, 0.7]])
    weights = table[pref] * np.stack([has_loyalty, has_account, has_device], axis=1)
    cum = np.cumsum(weights, axis=1)
    return cum / cum[:, -1:]


# --------------------------------------------------------------------------- sampling helpers


def _uniform_day(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform integer day in [lo, hi] for each pair (hi >= lo)."""
    return (lo + np.floor(rng.random(len(lo)) * (hi - lo + 1))).astype(np.int32)


def _time_of_day(rng: np.random.Generator, n: int, hours: tuple) -> np.ndarray:
    weights = np.asarray(hours, dtype=float)
    cum = np.cumsum(weights / weights.sum())
    hour = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), 23)
    return hour * 3600 + rng.integers(0, 3600, n)


def _weekday(world: World, day: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6."""
    return (day + world.start_weekday) % 7


def _draw_category(world: World, people: People, person: np.ndarray, day: np.ndarray, rng) -> np.ndarray:
    """Category from the person's affinity, tilted by life events around their dates."""
    n_cat = len(world.categories)
    pos = np.searchsorted(people.affinity_cum, person + rng.random(len(person)) * 0.999999, side="right")
    cat = np.clip(pos - person * n_cat, 0, n_cat - 1).astype(np.int16)
    return _tilt_by_life_events(world, people, person, day, cat, rng)


# Life event -> (days before, days after, share of choices overridden, categories).
LIFE_EVENT_TILTS = {
    "new_baby": (-120, 0, 0.2, cd.PARENTING),          # expecting: browsing baby things
    "moving_house": (-14, 60, 0.3, ("furniture", "home_decor", "kitchen", "cleaning", "smart_home")),
    "wedding": (-60, 30, 0.25, ("jewellery", "womens_fashion", "mens_fashion", "luggage", "wine")),
    "graduation": (-30, 30, 0.25, ("laptops", "phones", "headphones", "luggage", "mens_fashion")),
    "new_job": (-30, 30, 0.2, ("mens_fashion", "womens_fashion", "watches", "office", "laptops")),
}
PARENT_AFTER_BIRTH_SHARE = 0.45
# Bought in twos and threes.
CONSUMABLES = ("groceries", "coffee", "diapers", "baby_food_organic", "cleaning", "pet_supplies", "wine")


def _tilt_by_life_events(world, people, person, day, cat, rng) -> np.ndarray:
    cat = cat.copy()
    for event, (before, after, share, group) in LIFE_EVENT_TILTS.items():
        event_day = people.life_day[person, DATED_LIFE_EVENTS.index(event)]
        window = (event_day >= 0) & (day >= event_day + before) & (day < event_day + max(after, 1))
        _override(cat, window & (rng.random(len(cat)) < share), world.category_codes(group), rng)
    # A new baby turns a person into a parent shopper from the birth onwards.
    birth = people.life_day[person, DATED_LIFE_EVENTS.index("new_baby")]
    after_birth = (birth >= 0) & (day >= birth) & (rng.random(len(cat)) < PARENT_AFTER_BIRTH_SHARE)
    _override(cat, after_birth, world.category_codes(cd.PARENTING), rng)
    return cat


def _override(cat: np.ndarray, mask: np.ndarray, codes: np.ndarray, rng) -> None:
    k = int(mask.sum())
    if k:
        cat[mask] = codes[rng.integers(0, len(codes), k)]


def _draw_product(world: World, people: People, person: np.ndarray, cat: np.ndarray, rng) -> np.ndarray:
    """Product within the category; premium buyers take the top price band, bargain hunters the bottom."""
    premium = people.traits["is_premium_buyer"][person]
    bargain = people.traits["is_bargain_hunter"][person]
    m = len(person)
    position = np.where(premium, 0.7 + 0.3 * rng.random(m),
                        np.where(bargain, rng.beta(1.0, 3.0, m), rng.beta(1.3, 2.0, m)))
    count = world.cat_count[cat]
    return (world.cat_first[cat] + np.minimum((position * count).astype(np.int32), count - 1)).astype(np.int32)


def _random_special_day(days: np.ndarray, lo: np.ndarray, hi: np.ndarray, rng) -> np.ndarray:
    """A random day from sorted `days` within [lo, hi]; -1 where there is none."""
    a = np.searchsorted(days, lo, side="left")
    b = np.searchsorted(days, hi, side="right")
    pick = a + np.floor(rng.random(len(lo)) * (b - a)).astype(np.int64)
    return np.where(b > a, days[np.minimum(pick, len(days) - 1)], -1)


def _snap_to_weekend(world: World, day, lo, hi) -> np.ndarray:
    """Move a day to the nearest Saturday or Sunday that stays inside [lo, hi]."""
    shift = np.array([-1, -2, 3, 2, 1, 0, 0])[_weekday(world, day)]
    moved = day + shift
    moved = np.where(moved > hi, moved - 7, moved)
    moved = np.where(moved < lo, moved + 7, moved)
    return np.where((moved >= lo) & (moved <= hi), moved, day)


def _snap_to_weekday(world: World, day, lo, hi) -> np.ndarray:
    """Businesses buy on working days: Saturday -> Friday, Sunday -> Monday."""
    shift = np.array([0, 0, 0, 0, 0, -1, 1])[_weekday(world, day)]
    moved = day + shift
    return np.where((moved >= lo) & (moved <= hi), moved, day)


def _store_visit_store(world: World, people: People, person, day, rng) -> np.ndarray:
    """Usually the home store; sometimes another store in town; travellers shop in other cities."""
    moved = (people.move_day[person] >= 0) & (day >= people.move_day[person])
    store = np.where(moved, people.new_store[person], people.home_store[person])
    m = len(person)
    roll = rng.random(m)
    city = world.store_city[store]
    same_city = world.city_store_first[city] + np.floor(rng.random(m) * world.city_store_count[city])
    store = np.where(roll < 0.1, same_city, store)
    away = rng.random(m) < np.where(people.traits["is_traveller"][person], 0.15, 0.03)
    return np.where(away, rng.integers(0, len(world.store_ids), m), store).astype(np.int16)


def _app_identifiers(people: People, person, rng, login_share: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """App events carry the device; the logins (about 30%) add the customer ref."""
    m = len(person)
    dev = ((people.n_devices[person] == 2) & (rng.random(m) < 0.3)).astype(np.int8)
    kept_apart = (people.isolate[person] == 2) & (dev == people.n_devices[person] - 1)
    login = (rng.random(m) < login_share) & ~kept_apart
    return (DEVICE | np.where(login, REF, 0)).astype(np.uint8), dev


# --------------------------------------------------------------------------- events


class EventBuffer:
    """Collects events as parallel numeric columns; strings come later."""

    COLUMNS: dict[str, tuple[type, int]] = {
        "person": (np.int32, 0), "t": (np.int64, 0), "source": (np.int8, 0), "etype": (np.int8, 0),
        "ids": (np.uint8, 0), "dev": (np.int8, 0), "product": (np.int32, -1), "category": (np.int16, -1),
        "qty": (np.int16, 0), "amount": (np.int64, -1), "list_price": (np.int64, -1),
        "purchase_attr": (np.int8, -1), "store": (np.int16, -1), "city": (np.int16, -1),
        "text": (np.int32, -1), "attr": (np.int32, -1),
        "post_event": (np.int8, -1), "post_self": (np.bool_, False), "post_template": (np.int16, -1),
    }

    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, person, t, source, etype, ids, **columns) -> None:
        n = len(person)
        if n == 0:
            return
        part = {"person": person, "t": t, "source": source, "etype": etype, "ids": ids, **columns}
        unknown = set(part) - set(self.COLUMNS)
        if unknown:
            raise KeyError(f"unknown event columns: {sorted(unknown)}")
        self.parts.append({k: np.broadcast_to(np.asarray(v), (n,)) for k, v in part.items()})

    def concat(self) -> dict[str, np.ndarray]:
        out = {}
        for name, (dtype, default) in self.COLUMNS.items():
            out[name] = np.concatenate([
                part[name].astype(dtype, copy=False) if name in part else np.full(len(part["person"]), default, dtype)
                for part in self.parts
            ])
        return out


def simulate_events(world: World, people: People, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """All events of one chunk of persons as numeric columns (see `EventBuffer.COLUMNS`),
    sorted by source and time."""
    buf = EventBuffer()
    occasions = _purchase_occasions(world, people, rng)
    _place_occasions(world, people, occasions, rng)
    lines = _purchase_lines(world, people, occasions, rng, buf)
    _visits_carts_and_views_before_purchases(world, people, occasions, lines, rng, buf)
    returned = _returns(world, people, lines, rng, buf)
    _reviews(world, people, lines, returned, rng, buf)
    _browsing(world, people, rng, buf)
    _store_visits(world, people, rng, buf)
    _service_tickets(world, people, rng, buf)
    _email_engagement(world, people, rng, buf)
    _consent_events(world, people, occasions, rng, buf)
    _social_posts(world, people, rng, buf)

    events = buf.concat()
    # Nothing happens before a person's first activity or after the window.
    acq_start = people.acq[events["person"]].astype(np.int64) * SECONDS_PER_DAY
    events["t"] = np.clip(events["t"], acq_start, world.n_days * SECONDS_PER_DAY - 1)
    n = len(events["t"])
    events["email_var"] = rng.choice(4, size=n, p=[0.55, 0.2, 0.1, 0.15]).astype(np.int8)
    events["phone_fmt"] = rng.integers(0, 4, n).astype(np.int8)
    corrupt = rng.random(n) < CORRUPT_SHARE
    events["defect"] = np.where(corrupt, rng.integers(0, len(DEFECTS), n), -1).astype(np.int8)
    # Output order: by source, then time (ties keep generation order).
    order = np.lexsort((events["t"], events["source"]))
    return {name: values[order] for name, values in events.items()}


def _purchase_occasions(world: World, people: People, rng) -> dict[str, np.ndarray]:
    """BG/NBD: a trial purchase at acquisition, then Poisson(lambda) repeat purchases;
    after each repeat purchase the person drops out with probability p.

    Sets `people.churn_day` (day of the purchase after which they left, -1 if
    still active at the end) and `people.act_end` (browsing fades out three
    weeks after churn).
    """
    n, last = people.n, world.n_days - 1
    horizon = (last - people.acq).astype(float)
    arrivals = rng.poisson(people.purchase_rate * horizon / 7.0)
    leaves_after = rng.geometric(people.dropout_p)
    repeats = np.minimum(arrivals, leaves_after)
    churned = leaves_after <= arrivals

    owner = np.repeat(np.arange(n), arrivals)
    # Sorting owner + fraction sorts arrival times within each person in one go.
    frac = np.sort(owner + rng.random(owner.size) * 0.999999) - owner
    rank = np.arange(owner.size) - np.repeat(np.cumsum(arrivals) - arrivals, arrivals)
    keep = rank < repeats[owner]
    owner, frac, rank = owner[keep], frac[keep], rank[keep]
    day = np.minimum(people.acq[owner] + np.floor(frac * (horizon[owner] + 1)), last).astype(np.int32)
    dropout = churned[owner] & (rank == leaves_after[owner] - 1)

    people.churn_day = np.full(n, -1, dtype=np.int32)
    people.churn_day[owner[dropout]] = day[dropout]
    people.act_end = np.where(people.churn_day >= 0, np.minimum(people.churn_day + 21, last), last).astype(np.int32)

    return {
        "person": np.concatenate([np.arange(n), owner]).astype(np.int32),
        "day": np.concatenate([people.acq, day]).astype(np.int32),
        "trial": np.concatenate([np.ones(n, bool), np.zeros(owner.size, bool)]),
        "dropout": np.concatenate([np.zeros(n, bool), dropout]),
    }


def _place_occasions(world: World, people: People, occ: dict, rng) -> None:
    """Channel, theme category, day and time of each purchase occasion.

    Traits move occasions in time: bargain hunters buy in sales, travellers
    ahead of holidays, runners at weekends, businesses on working days. The
    trial and the dropout purchase stay put so the BG/NBD history holds.
    """
    person, day = occ["person"], occ["day"]
    m = len(person)
    retail = np.array([STORE, WEB, APP], dtype=np.int8)[
        (people.channel_cum[person] < rng.random(m)[:, None]).sum(axis=1).clip(0, 2)]
    wholesale = people.is_wholesale[person] & (rng.random(m) < 0.8)
    channel = np.where(wholesale, WHOLESALE, retail).astype(np.int8)

    theme = _draw_category(world, people, person, day, rng)
    trade = world.category_codes(cd.WHOLESALE_CATEGORIES)
    theme = np.where(wholesale, trade[rng.integers(0, len(trade), m)], theme).astype(np.int16)

    fixed = occ["trial"] | occ["dropout"]
    free = ~fixed & ~wholesale
    lo = people.acq[person]
    hi = np.where(people.churn_day[person] >= 0, people.churn_day[person], world.n_days - 1)
    traits = {k: v[person] for k, v in people.traits.items()}

    sale = _random_special_day(world.sale_days, lo, hi, rng)
    to_sale = free & traits["is_bargain_hunter"] & (rng.random(m) < 0.6) & (sale >= 0)
    day = np.where(to_sale, sale, day)

    hol = world.holiday_days
    nxt = np.minimum(np.searchsorted(hol, day + 5), len(hol) - 1)
    before_holiday = hol[nxt] - rng.integers(5, 22, m)
    to_holiday = (free & traits["is_traveller"] & np.isin(theme, world.category_codes(cd.TRAVEL))
                  & (rng.random(m) < 0.75) & (hol[nxt] >= day) & (hol[nxt] - day <= 90)
                  & (before_holiday >= lo) & (before_holiday <= hi))
    day = np.where(to_holiday, before_holiday, day)

    to_weekend = free & traits["is_runner"] & np.isin(theme, world.category_codes(cd.RUNNING)) & (rng.random(m) < 0.95)
    day = np.where(to_weekend, _snap_to_weekend(world, day, lo, hi), day)
    day = np.where(wholesale & ~fixed, _snap_to_weekday(world, day, lo, hi), day)

    tod = np.select(
        [channel == STORE, channel == WHOLESALE],
        [_time_of_day(rng, m, HOURS_STORE), _time_of_day(rng, m, HOURS_OFFICE)],
        _time_of_day(rng, m, HOURS_ONLINE),
    )
    occ.update(channel=channel, theme=theme, day=day.astype(np.int32),
               t=day.astype(np.int64) * SECONDS_PER_DAY + tod)


def _purchase_lines(world: World, people: People, occ: dict, rng, buf: EventBuffer) -> dict[str, np.ndarray]:
    """One purchase event per line; an occasion has 1-3 lines (wholesale up to 4) at the same time."""
    m = len(occ["person"])
    wholesale = occ["channel"] == WHOLESALE
    r = rng.random(m)
    n_lines = np.where(wholesale, 1 + np.minimum(rng.poisson(1.0, m), 3), 1 + (r > 0.6) + (r > 0.88))
    oi = np.repeat(np.arange(m), n_lines)
    first_line = np.arange(oi.size) == np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    person, day, channel = occ["person"][oi], occ["day"][oi], occ["channel"][oi]
    k = oi.size
    is_trade = channel == WHOLESALE

    same_theme = first_line | (rng.random(k) < 0.5)
    trade = world.category_codes(cd.WHOLESALE_CATEGORIES)
    other = np.where(is_trade, trade[rng.integers(0, len(trade), k)], _draw_category(world, people, person, day, rng))
    cat = np.where(same_theme, occ["theme"][oi], other).astype(np.int16)
    product = _draw_product(world, people, person, cat, rng)
    price = world.product_price[product]

    consumable = np.isin(cat, world.category_codes(CONSUMABLES))
    rq = rng.random(k)
    qty = np.where(consumable, 1 + rng.binomial(2, 0.35, k), 1 + (rq > 0.9) + (rq > 0.97))
    qty = np.where(is_trade, np.round(np.exp(rng.uniform(math.log(10), math.log(200), k))), qty).astype(np.int16)

    bargain = people.traits["is_bargain_hunter"][person]
    on_sale = world.is_sale_day[day]
    p_discount = np.where(on_sale, 0.45, 0.06)
    p_discount = np.where(bargain, np.where(on_sale, 0.95, 0.8), p_discount)
    p_discount = np.where(people.traits["is_premium_buyer"][person], p_discount * 0.3, p_discount)
    p_discount = np.where(is_trade, 0.1, p_discount)
    discount = rng.random(k) < p_discount
    coupon = discount & (rng.random(k) < np.where(bargain, 0.7, 0.2))
    coupon_index = rng.integers(0, len(cd.COUPONS), k)
    percent = np.where(coupon, np.array([p for _, p in cd.COUPONS])[coupon_index],
                       np.array(cd.DISCOUNT_PERCENTS)[rng.integers(0, len(cd.DISCOUNT_PERCENTS), k)])
    percent = np.where(discount, percent, 0)
    amount = np.round(price * qty * (100 - percent) / 100 * np.where(is_trade, 0.85, 1.0)).astype(np.int64)
    purchase_attr = np.where(discount, np.where(coupon, 2 + coupon_index, 1), 0)

    ids, dev = _occasion_identifiers(people, occ, rng)
    store, city = _occasion_place(world, people, occ, rng)
    occ.update(store=store, city=city)
    buf.add(person, occ["t"][oi], channel, PURCHASE, ids[oi], dev=dev[oi], product=product, category=cat,
            qty=qty, amount=amount, list_price=price, purchase_attr=purchase_attr, store=store[oi], city=city[oi])
    return {"person": person, "t": occ["t"][oi], "day": day, "channel": channel, "ids": ids[oi], "dev": dev[oi],
            "product": product, "category": cat, "qty": qty, "amount": amount, "price": price,
            "store": store[oi], "city": city[oi], "occasion": oi}


def _occasion_identifiers(people: People, occ: dict, rng) -> tuple[np.ndarray, np.ndarray]:
    """What each channel's till or checkout records about the buyer."""
    person, channel = occ["person"], occ["channel"]
    m = len(person)
    card_apart = people.isolate[person] == 1
    with_phone = people.has_phone[person] & (rng.random(m) < 0.2) & ~card_apart
    e_receipt = people.has_email[person] & (rng.random(m) < 0.08) & ~card_apart
    store_ids = LOYALTY | np.where(with_phone, PHONE, 0) | np.where(e_receipt, MAIL, 0)
    web_ids = REF | np.where(people.has_email[person], MAIL, 0)
    app_ids, dev = _app_identifiers(people, person, rng)
    trade_ids = REF | np.where(people.has_email[person] & (rng.random(m) < 0.5), MAIL, 0)
    ids = np.select([channel == STORE, channel == WEB, channel == APP], [store_ids, web_ids, app_ids], trade_ids)
    return ids.astype(np.uint8), np.where(channel == APP, dev, 0).astype(np.int8)


def _occasion_place(world: World, people: People, occ: dict, rng) -> tuple[np.ndarray, np.ndarray]:
    """Store and city: the store's city at a till, the shipping city online (home, mostly)."""
    person, day, channel = occ["person"], occ["day"], occ["channel"]
    m = len(person)
    at_store = channel == STORE
    store = np.where(at_store, _store_visit_store(world, people, person, day, rng), -1).astype(np.int16)
    home = people.city_on(person, day)
    gift = (channel != WHOLESALE) & (rng.random(m) < 0.05)
    ship_to = np.where(gift, rng.integers(0, len(world.cities), m), home)
    city = np.where(at_store, world.store_city[np.maximum(store, 0)], ship_to).astype(np.int16)
    return store, city


def _visits_carts_and_views_before_purchases(world, people, occ, lines, rng, buf: EventBuffer) -> None:
    """A store purchase usually follows a visit; an online one a cart and a few product views."""
    at_store = np.flatnonzero(occ["channel"] == STORE)
    visited = at_store[rng.random(at_store.size) < 0.7]
    if visited.size:
        person = occ["person"][visited]
        ids, dev = _store_visit_identifiers(people, person, rng)
        store = occ["store"][visited]
        buf.add(person, occ["t"][visited] - rng.integers(300, 2400, visited.size), STORE, STORE_VISIT, ids,
                dev=dev, store=store, city=world.store_city[store])

    online = np.flatnonzero((lines["channel"] == WEB) | (lines["channel"] == APP))
    carted = online[rng.random(online.size) < 0.75]
    # The e-mail is only asked for at checkout.
    cart_ids = np.where(lines["channel"][carted] == WEB, REF, lines["ids"][carted])
    buf.add(lines["person"][carted], lines["t"][carted] - rng.integers(60, 1800, carted.size),
            lines["channel"][carted], CART, cart_ids, dev=lines["dev"][carted],
            product=lines["product"][carted], category=lines["category"][carted], qty=lines["qty"][carted],
            amount=lines["price"][carted] * lines["qty"][carted])

    viewed = np.repeat(online, rng.poisson(1.0, online.size))
    person, channel = lines["person"][viewed], lines["channel"][viewed]
    app_ids, app_dev = _app_identifiers(people, person, rng)
    buf.add(person, lines["t"][viewed] - rng.integers(600, 3 * SECONDS_PER_DAY, viewed.size), channel, VIEW,
            np.where(channel == APP, app_ids, REF), dev=np.where(channel == APP, app_dev, 0),
            product=lines["product"][viewed], category=lines["category"][viewed],
            attr=world.attr_base["page"])


def _store_visit_identifiers(people: People, person, rng) -> tuple[np.ndarray, np.ndarray]:
    """The loyalty card is scanned; about 1% of visits go through a shared in-store kiosk."""
    m = len(person)
    kiosk = rng.random(m) < 0.01
    ids = (LOYALTY | np.where(kiosk, DEVICE, 0)).astype(np.uint8)
    dev = np.where(kiosk, KIOSK_SLOT + rng.integers(0, len(KIOSK_DEVICES), m), 0).astype(np.int8)
    return ids, dev


def _returns(world, people, lines, rng, buf: EventBuffer) -> np.ndarray:
    """~8% of lines come back (fashion far more): at the store, via the service desk, or the trade account."""
    k = lines["person"].size
    rate = np.where(lines["channel"] == WHOLESALE, 0.03, world.return_rate[lines["category"]])
    back_day = lines["day"] + rng.integers(3, 41, k)
    returned = (rng.random(k) < rate) & (back_day < world.n_days)
    person, channel = lines["person"], lines["channel"]
    has_mail, has_phone = people.has_email[person], people.has_phone[person]
    service_ids = np.where(has_mail, MAIL, np.where(has_phone, PHONE, 0))
    ids = np.select([channel == STORE, channel == WHOLESALE], [LOYALTY, REF], service_ids).astype(np.uint8)
    returned &= ids > 0
    source = np.select([channel == STORE, channel == WHOLESALE], [STORE, WHOLESALE], SERVICE)
    hours = np.where(source == STORE, _time_of_day(rng, k, HOURS_STORE), _time_of_day(rng, k, HOURS_OFFICE))
    fashion = np.isin(lines["category"], world.category_codes(cd.FASHION))
    reason = np.where(fashion & (rng.random(k) < 0.5), 0, rng.integers(0, len(cd.RETURN_REASONS), k))
    r = np.flatnonzero(returned)
    buf.add(person[r], back_day[r].astype(np.int64) * SECONDS_PER_DAY + hours[r], source[r], RETURN, ids[r],
            product=lines["product"][r], category=lines["category"][r], qty=lines["qty"][r],
            amount=lines["amount"][r], store=lines["store"][r],
            city=np.where(source[r] == STORE, lines["city"][r], -1), attr=world.attr_base["reason"] + reason[r])
    return returned


def _reviews(world, people, lines, returned, rng, buf: EventBuffer) -> None:
    """~5% of lines get a review on the web or in the app, with a rating and text."""
    k = lines["person"].size
    person = lines["person"]
    review_day = lines["day"] + rng.integers(2, 31, k)
    chance = np.where(people.traits["is_premium_buyer"][person], 0.08, 0.05)
    chosen = np.flatnonzero(people.has_account[person] & (rng.random(k) < chance) & (review_day < world.n_days))
    if chosen.size == 0:
        return
    person = person[chosen]
    m = chosen.size
    rating = rng.choice([5, 4, 3, 2, 1], size=m, p=[0.45, 0.27, 0.12, 0.07, 0.09])
    rating = np.where(returned[chosen], rng.integers(1, 3, m), rating)
    in_app = (people.n_devices[person] > 0) & (rng.random(m) < 0.4)
    app_ids, app_dev = _app_identifiers(people, person, rng)
    text = np.zeros(m, dtype=np.int32)
    for value in range(1, 6):
        group = world.texts.groups[("review", value)]
        sel = rating == value
        text[sel] = group.start + rng.integers(0, group.n_templates * group.variants, int(sel.sum()))
    buf.add(person, review_day[chosen].astype(np.int64) * SECONDS_PER_DAY + _time_of_day(rng, m, HOURS_ONLINE),
            np.where(in_app, APP, WEB), REVIEW, np.where(in_app, app_ids, REF), dev=np.where(in_app, app_dev, 0),
            product=lines["product"][chosen], category=lines["category"][chosen], text=text,
            attr=world.attr_base["rating"] + rating - 1)


def _browsing(world, people, rng, buf: EventBuffer) -> None:
    """Product, category and deals page views, searches before some of them, abandoned carts.

    Gamers look at gaming pages late at night.
    """
    weeks = (people.act_end - people.acq + 1) / 7.0
    rate = np.array([0.27, 0.7, 0.7])[people.pref] * people.engagement
    counts = rng.poisson(rate * weeks) * people.has_account
    person = np.repeat(np.arange(people.n), counts).astype(np.int32)
    m = person.size
    day = _uniform_day(rng, people.acq[person], people.act_end[person])
    cat = _draw_category(world, people, person, day, rng)
    deals_share = np.where(people.traits["is_bargain_hunter"][person], 0.3, 0.03)
    page = np.where(rng.random(m) < deals_share, 2, np.where(rng.random(m) < 0.2, 1, 0))
    product = np.where(page == 0, _draw_product(world, people, person, cat, rng), -1)

    night = people.traits["is_gamer"][person] & np.isin(cat, world.category_codes(cd.GAMING)) & (rng.random(m) < 0.8)
    tod = np.where(night, _time_of_day(rng, m, HOURS_NIGHT), _time_of_day(rng, m, HOURS_ONLINE))
    t = day.astype(np.int64) * SECONDS_PER_DAY + tod
    in_app = rng.random(m) < people.app_share[person]
    app_ids, app_dev = _app_identifiers(people, person, rng)
    channel = np.where(in_app, APP, WEB).astype(np.int8)
    ids = np.where(in_app, app_ids, REF).astype(np.uint8)
    dev = np.where(in_app, app_dev, 0).astype(np.int8)
    buf.add(person, t, channel, VIEW, ids, dev=dev, product=product, category=np.where(page == 2, -1, cat),
            attr=world.attr_base["page"] + page)

    searched = np.flatnonzero(rng.random(m) < 0.22)
    query = world.query_first[cat[searched]] + np.floor(rng.random(searched.size) * world.query_count[cat[searched]])
    buf.add(person[searched], t[searched] - rng.integers(10, 180, searched.size), channel[searched], SEARCH,
            ids[searched], dev=dev[searched], attr=world.attr_base["query"] + query.astype(np.int32))

    abandoned = np.flatnonzero((page == 0) & (rng.random(m) < 0.05))
    price = world.product_price[np.maximum(product[abandoned], 0)]
    buf.add(person[abandoned], t[abandoned] + rng.integers(30, 1800, abandoned.size), channel[abandoned], CART,
            ids[abandoned], dev=dev[abandoned], product=product[abandoned], category=cat[abandoned], qty=1,
            amount=price)


def _store_visits(world, people, rng, buf: EventBuffer) -> None:
    """Visits without a recorded purchase: frequent for store-preferring card holders."""
    weeks = (people.act_end - people.acq + 1) / 7.0
    rate = np.where(people.pref == 0, 0.12, 0.015) * people.engagement
    counts = rng.poisson(rate * weeks) * people.has_loyalty
    person = np.repeat(np.arange(people.n), counts).astype(np.int32)
    day = _uniform_day(rng, people.acq[person], people.act_end[person])
    store = _store_visit_store(world, people, person, day, rng)
    ids, dev = _store_visit_identifiers(people, person, rng)
    buf.add(person, day.astype(np.int64) * SECONDS_PER_DAY + _time_of_day(rng, person.size, HOURS_STORE), STORE,
            STORE_VISIT, ids, dev=dev, store=store, city=world.store_city[store])


def _service_tickets(world, people, rng, buf: EventBuffer) -> None:
    """~0.3 tickets per person, identified by phone, e-mail or both (always both on the first one)."""
    reachable = people.has_email | people.has_phone
    counts = rng.poisson(0.3, people.n) * reachable
    person = np.repeat(np.arange(people.n), counts).astype(np.int32)
    m = person.size
    first = np.arange(m) == np.repeat(np.cumsum(counts) - counts, counts)
    day = _uniform_day(rng, people.acq[person], people.act_end[person])
    has_mail, has_phone = people.has_email[person], people.has_phone[person]
    r = rng.random(m)
    both = has_mail & has_phone & ((first & (people.isolate[person] == 0)) | (r < 0.35))
    phone_only = has_phone & ~both & (~has_mail | (r < 0.7))
    ids = np.where(both, MAIL | PHONE, np.where(phone_only, PHONE, MAIL)).astype(np.uint8)
    topics = tuple(TICKET_TEMPLATES)
    topic = rng.choice(len(topics), size=m, p=[0.3, 0.2, 0.15, 0.15, 0.1, 0.1])
    text = np.zeros(m, dtype=np.int32)
    for i, name in enumerate(topics):
        group = world.texts.groups[("ticket", name)]
        sel = topic == i
        text[sel] = group.start + rng.integers(0, group.n_templates * group.variants, int(sel.sum()))
    buf.add(person, day.astype(np.int64) * SECONDS_PER_DAY + _time_of_day(rng, m, HOURS_OFFICE), SERVICE, TICKET,
            ids, text=text, attr=world.attr_base["topic"] + topic)


def _email_engagement(world, people, rng, buf: EventBuffer) -> None:
    """Opens of the campaigns sent while marketing consent holds; ~15% of opens get a click.

    Each (person, campaign) pair is decided once, so nobody opens the same
    send twice; churned customers still receive mail but rarely open it.
    """
    last = world.n_days - 1
    eligible = people.has_email & people.consent_marketing
    until = np.where(people.withdraw_day >= 0, people.withdraw_day - 1, last)
    first = np.searchsorted(world.campaign_day, people.acq, side="left")
    stop = np.searchsorted(world.campaign_day, until, side="right")
    counts = np.maximum(stop - first, 0) * eligible
    owner = np.repeat(np.arange(people.n), counts).astype(np.int32)
    campaign = first[owner] + np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    send_day = world.campaign_day[campaign]
    active = send_day <= people.act_end[owner]
    opened = rng.random(owner.size) < people.open_rate[owner] * np.where(active, 1.0, 0.3)
    owner, campaign, send_day = owner[opened], campaign[opened], send_day[opened]
    m = owner.size
    latest = until[owner].astype(np.int64) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1
    delay = rng.exponential(8 * 3600, m).astype(np.int64)
    t = np.minimum(send_day.astype(np.int64) * SECONDS_PER_DAY + 9 * 3600 + delay, latest)
    attr = world.campaign_attr[campaign]
    buf.add(owner, t, EMAIL, EMAIL_OPEN, MAIL, attr=attr)
    clicked = rng.random(m) < 0.15
    buf.add(owner[clicked], np.minimum(t[clicked] + rng.integers(20, 1800, int(clicked.sum())), latest[clicked]),
            EMAIL, EMAIL_CLICK, MAIL, attr=attr[clicked])


def _consent_events(world, people, occ, rng, buf: EventBuffer) -> None:
    """Consent as the channels record it, and the links identity resolution relies on.

    Registration (web account, else loyalty card at the till) states marketing
    and profiling consent and pairs the account or card with e-mail or phone;
    installing the app is a login that pairs device and account; a card
    holder with an account signs up at a store; ~3% later unsubscribe.
    """
    n = people.n
    everyone = np.arange(n, dtype=np.int32)
    base = world.attr_base["consent"]
    contact = np.where(people.has_email, MAIL, np.where(people.has_phone, PHONE, 0))
    card_contact = np.where(people.isolate == 1, 0, contact)
    trial_t = occ["t"][:n]  # the first n occasions are the trial purchases, in person order
    t0 = np.maximum(trial_t - rng.integers(60, 900, n), people.acq.astype(np.int64) * SECONDS_PER_DAY)

    web = people.has_account
    reg_ids = np.where(web, REF | contact, LOYALTY | card_contact).astype(np.uint8)
    reg_source = np.where(web, WEB, STORE).astype(np.int8)
    reg_store = np.where(web, -1, people.home_store).astype(np.int16)
    reg_city = np.where(web, -1, people.home_city).astype(np.int16)
    buf.add(everyone, t0, reg_source, CONSENT, reg_ids, store=reg_store, city=reg_city,
            attr=base + people.consent_marketing)

    in_app = people.n_devices > 0
    app_ids = DEVICE | np.where((people.isolate == 2) & (people.n_devices == 1), 0, REF)
    buf.add(everyone, t0 + 1, np.where(in_app, APP, reg_source), CONSENT, np.where(in_app, app_ids, reg_ids),
            store=np.where(in_app, -1, reg_store), city=np.where(in_app, -1, reg_city),
            attr=base + 2 + people.consent_profiling)

    card = np.flatnonzero(people.has_account & people.has_loyalty)
    day = _uniform_day(rng, people.acq[card], np.minimum(people.acq[card] + 30, people.act_end[card]))
    store = _store_visit_store(world, people, card, day, rng)
    buf.add(card, day.astype(np.int64) * SECONDS_PER_DAY + _time_of_day(rng, card.size, HOURS_STORE), STORE, CONSENT,
            (LOYALTY | card_contact[card]).astype(np.uint8), store=store, city=world.store_city[store],
            attr=base + people.consent_marketing[card])

    second = np.flatnonzero(people.n_devices == 2)
    day = _uniform_day(rng, people.acq[second], people.act_end[second])
    ids = DEVICE | np.where(people.isolate[second] == 2, 0, REF)
    buf.add(second, day.astype(np.int64) * SECONDS_PER_DAY + _time_of_day(rng, second.size, HOURS_ONLINE), APP,
            CONSENT, ids, dev=1, attr=base + 2 + people.consent_profiling[second])

    # Unsubscribing: the link in a mail, else the account settings, else at the till.
    leaving = np.flatnonzero(people.withdraw_day >= 0)
    by_mail, by_web = people.has_email[leaving], people.has_account[leaving]
    source = np.where(by_mail, EMAIL, np.where(by_web, WEB, STORE)).astype(np.int8)
    ids = np.where(by_mail, MAIL, np.where(by_web, REF, LOYALTY)).astype(np.uint8)
    store = np.where(source == STORE, people.home_store[leaving], -1).astype(np.int16)
    buf.add(leaving, people.withdraw_day[leaving].astype(np.int64) * SECONDS_PER_DAY
            + _time_of_day(rng, leaving.size, HOURS_ONLINE), source, CONSENT, ids, store=store,
            city=np.where(store >= 0, world.store_city[np.maximum(store, 0)], -1), attr=base)


def _social_posts(world, people, rng, buf: EventBuffer) -> None:
    """Posts by the ~30% who post: everyday posts, posts about others' life events,
    and posts about their own life events within ten days of the event.

    Leaves the life-event truth in `people.life_events`: one row per person
    and occurrence in the window, with whether they posted about it.
    """
    last = world.n_days - 1
    occurrences = _life_event_occurrences(world, people)
    person, event, event_day = occurrences["person"], occurrences["event"], occurrences["day"]
    k = person.size
    is_birthday = event == LIFE_EVENTS.index("birthday")
    offset = np.where(is_birthday, rng.integers(-1, 3, k), rng.integers(-10, 11, k))
    post_day = event_day + offset
    posted = (people.social[person] & (rng.random(k) < np.where(is_birthday, 0.45, 0.8))
              & (post_day >= people.acq[person]) & (post_day <= last))
    again_day = event_day + np.where(is_birthday, rng.integers(-1, 3, k), rng.integers(-10, 11, k))
    again = posted & (rng.random(k) < 0.25) & (again_day >= people.acq[person]) & (again_day <= last)
    own_person = np.concatenate([person[posted], person[again]])
    own_event = np.concatenate([event[posted], event[again]])
    own_day = np.concatenate([post_day[posted], again_day[again]])

    general = rng.binomial(5, 0.3, people.n) + 1
    general = np.where(people.social, general, 0)
    gen_person = np.repeat(np.arange(people.n), general).astype(np.int32)
    g = gen_person.size
    gen_day = _uniform_day(rng, people.acq[gen_person], np.full(g, last))
    about_other = rng.random(g) < 0.25
    none_code = len(LIFE_EVENTS)
    gen_event = np.where(about_other, rng.integers(0, len(LIFE_EVENTS), g), none_code)

    post_person = np.concatenate([own_person, gen_person])
    post_event = np.concatenate([own_event, gen_event]).astype(np.int8)
    about_self = np.concatenate([np.ones(own_person.size, bool), np.zeros(g, bool)])
    post_day = np.concatenate([own_day, gen_day])
    text, template = _post_texts(world, post_event, about_self, rng)
    m = post_person.size
    platform = rng.choice(len(cd.SOCIAL_PLATFORMS), size=m, p=cd.SOCIAL_PLATFORM_WEIGHTS)
    buf.add(post_person, post_day.astype(np.int64) * SECONDS_PER_DAY + _time_of_day(rng, m, HOURS_ONLINE),
            SOCIAL, POST, MAIL, text=text, attr=world.attr_base["platform"] + platform,
            post_event=post_event, post_self=about_self, post_template=template)
    people.life_events = {"person": person, "event": event, "day": event_day, "posted": posted}


def _life_event_occurrences(world: World, people: People) -> dict[str, np.ndarray]:
    """Birthdays falling in the window plus the dated life events."""
    start = np.datetime64(world.start, "D")
    month = people.birth_date.astype("datetime64[M]")
    month_of_year = month.astype(np.int64) % 12
    day_of_month = (people.birth_date - month.astype("datetime64[D]")).astype(np.int64)
    persons, events, days = [], [], []
    end_year = (world.start + timedelta(days=world.n_days - 1)).year
    for year in range(world.start.year, end_year + 1):
        first_of_month = np.datetime64(f"{year}-01", "M") + month_of_year
        birthday = first_of_month.astype("datetime64[D]") + day_of_month
        # 29 February in a common year is celebrated on the 28th.
        birthday = np.where(birthday.astype("datetime64[M]") != first_of_month, birthday - 1, birthday)
        index = (birthday - start).astype(np.int64)
        inside = np.flatnonzero((index >= 0) & (index < world.n_days))
        persons.append(inside)
        events.append(np.full(inside.size, LIFE_EVENTS.index("birthday")))
        days.append(index[inside])
    for column, name in enumerate(DATED_LIFE_EVENTS):
        who = np.flatnonzero(people.life_day[:, column] >= 0)
        persons.append(who)
        events.append(np.full(who.size, LIFE_EVENTS.index(name)))
        days.append(people.life_day[who, column])
    person = np.concatenate(persons).astype(np.int32)
    order = np.argsort(person, kind="stable")
    return {"person": person[order], "event": np.concatenate(events)[order].astype(np.int8),
            "day": np.concatenate(days)[order].astype(np.int32)}


def _post_texts(world, post_event, about_self, rng) -> tuple[np.ndarray, np.ndarray]:
    """Pick a template (recorded for the truth) and a rendered variant of it."""
    m = post_event.size
    text = np.zeros(m, dtype=np.int32)
    template = np.zeros(m, dtype=np.int16)
    keys = [(e, "self") for e in LIFE_EVENTS] + [(e, "other") for e in LIFE_EVENTS] + [("none", "none")]
    for event, side in keys:
        code = len(LIFE_EVENTS) if event == "none" else LIFE_EVENTS.index(event)
        sel = np.flatnonzero((post_event == code) & (about_self == (side == "self")))
        if sel.size == 0:
            continue
        group = world.texts.groups[("post", event, side)]
        local = rng.integers(0, group.n_templates, sel.size)
        text[sel] = group.start + local * group.variants + rng.integers(0, group.variants, sel.size)
        template[sel] = world.post_template_first[(event, side)] + local
    return text, template


def mark_linkability(people: People, events: dict[str, np.ndarray]) -> None:
    """Set `people.fully_linkable`: the identifiers a person shows on clean rows form one group.

    Two identifiers are linked when they appear on the same event; a person
    is fully linkable when these links connect all of their identifiers.
    Kiosk devices are not the person's own and corrupt rows get quarantined,
    so neither counts.
    """
    clean = events["defect"] < 0
    ids, dev, person = events["ids"][clean], events["dev"][clean], events["person"][clean]
    own_device = ((ids & DEVICE) > 0) & (dev < KIOSK_SLOT)
    bits = (ids & (REF | MAIL | PHONE | LOYALTY)).astype(np.int64) | np.where(own_device, 16 << dev.astype(np.int64), 0)
    key = np.unique(person.astype(np.int64) * 64 + bits)
    owner, bits = key // 64, key % 64
    n = people.n
    used = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(used, owner, bits)
    neighbours = np.zeros((6, n), dtype=np.int64)
    for bit in range(6):
        has = ((bits >> bit) & 1) == 1
        np.bitwise_or.at(neighbours[bit], owner[has], bits[has])
    reach = used & -used
    for _ in range(6):
        grown = reach.copy()
        for bit in range(6):
            grown |= np.where((reach >> bit) & 1 == 1, neighbours[bit], 0)
        reach = grown
    people.fully_linkable = reach == used


# --------------------------------------------------------------------------- strings


@dataclass(frozen=True)
class IdentityStrings:
    """Per-person identifier strings of one chunk, as raw export variants and normalised truth."""

    customer_ref: pa.Array      # n
    email_variants: pa.Array    # 4n: lower, Capitalised, UPPER domain, padded with spaces
    phone_formats: pa.Array     # 4n: (312) 555-0142, 312-555-0142, +1 312 555 0142, 3125550142
    loyalty_id: pa.Array        # n
    devices: pa.Array           # 2n + kiosks: first devices, second devices, shared kiosks
    email: pa.Array             # n, normalised
    phone_e164: pa.Array        # n
    device_list: pa.Array       # n, comma-separated


# Exchanges 201-989 without N11 service codes and the 555 fiction block.
EXCHANGES = np.array([x for x in range(201, 990) if x % 100 != 11 and x != 555], dtype=np.int64)
PHONE_SPACE = len(EXCHANGES) * 10_000


def identity_strings(world: World, people: People) -> IdentityStrings:
    pid = people.first_pid + np.arange(people.n, dtype=np.int64)
    ref = _padded("CR-", _permute(pid, 10_000_000, salt=1), 7)
    loyalty = _padded("L-", _permute(pid, 100_000_000, salt=2), 8)

    first = [_email_word(x) for x in cd.FIRST_NAMES]
    last = [_email_word(x) for x in cd.LAST_NAMES]
    # The key -> (first name, last name, number) split is a bijection, so
    # addresses are unique however the chunks are cut.
    key = _permute(pid, 10_000_000, salt=3)
    fi, li, number = key % len(first), (key // len(first)) % len(last), key // (len(first) * len(last))
    sep = pa.array([".", "_", ""]).take(pa.array(_stable_choice(pid, 3, 11)))
    dom_index = pa.array(_stable_choice(pid, len(cd.EMAIL_DOMAINS), 17, cd.EMAIL_DOMAIN_WEIGHTS))
    num = pc.if_else(pa.array(number == 0), "", pc.cast(pa.array(number), pa.string()))
    lower_local = _join(pa.array([f.lower() for f in first]).take(pa.array(fi)), sep,
                        pa.array([x.lower() for x in last]).take(pa.array(li)), num)
    cap_local = _join(pa.array(first).take(pa.array(fi)), sep, pa.array(last).take(pa.array(li)), num)
    domains = pa.array(cd.EMAIL_DOMAINS).take(dom_index)
    lower = _join(lower_local, "@", domains)
    capitalised = _join(cap_local, "@", pa.array([d.capitalize() for d in cd.EMAIL_DOMAINS]).take(dom_index))
    shouted = _join(lower_local, "@", pa.array([d.upper() for d in cd.EMAIL_DOMAINS]).take(dom_index))
    padded = _join(" ", capitalised, " ")

    area = pa.array(world.city_area_code).take(pa.array(people.home_city))
    phone_key = _permute(pid, PHONE_SPACE, salt=4)
    exchange = pc.cast(pa.array(EXCHANGES[phone_key // 10_000]), pa.string())
    line = pc.utf8_lpad(pc.cast(pa.array(phone_key % 10_000), pa.string()), 4, "0")
    digits = _join(area, exchange, line)
    phones = [_join("(", area, ") ", exchange, "-", line), _join(area, "-", exchange, "-", line),
              _join("+1 ", area, " ", exchange, " ", line), digits]

    dev0 = _device_ids(pid * 2)
    dev1 = _device_ids(pid * 2 + 1)
    device_list = pc.if_else(pa.array(people.n_devices == 2), _join(dev0, ",", dev1), dev0)
    return IdentityStrings(
        customer_ref=ref,
        email_variants=pa.concat_arrays([lower, capitalised, shouted, padded]),
        phone_formats=pa.concat_arrays(phones),
        loyalty_id=loyalty,
        devices=pa.concat_arrays([dev0, dev1, pa.array(KIOSK_DEVICES)]),
        email=_null_where(lower, ~people.has_email),
        phone_e164=_null_where(_join("+1", digits), ~people.has_phone),
        device_list=_null_where(device_list, people.n_devices == 0),
    )


def _email_word(name: str) -> str:
    return "".join(ch for ch in name if ch.isalpha())


def _stable_choice(pid: np.ndarray, k: int, salt: int, weights=None) -> np.ndarray:
    """A choice that depends on the person id only (cosmetic e-mail parts)."""
    u = (_mix48(pid * 7 + salt) % 1_000_003) / 1_000_003
    if weights is None:
        return np.minimum((u * k).astype(np.int64), k - 1)
    cum = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(cum, u, side="right"), k - 1)


def _permute(x: np.ndarray, size: int, *, salt: int) -> np.ndarray:
    """A keyed bijection of [0, size): mix on the next power of two, walk the cycle until inside.

    Identifiers drawn this way are unique without coordination between
    chunks and reveal nothing about the person id.
    """
    bits = max((size - 1).bit_length(), 8)
    mask = np.uint64((1 << bits) - 1)

    def mix(v: np.ndarray) -> np.ndarray:
        v = (v * np.uint64(0x9E3779B97F4B) + np.uint64(salt * 0x632BE5AB)) & mask
        v ^= v >> np.uint64(bits // 2)
        v = (v * np.uint64(0xBF58476D1CE5)) & mask
        v ^= v >> np.uint64(bits // 3)
        return v

    y = mix(x.astype(np.uint64))
    outside = y >= size
    while outside.any():
        y[outside] = mix(y[outside])
        outside = y >= size
    return y.astype(np.int64)


def _mix48(x: np.ndarray) -> np.ndarray:
    """A bijection on 48-bit integers (odd multiplies and xor-shifts), for opaque device ids."""
    mask = np.uint64((1 << 48) - 1)
    x = x.astype(np.uint64) & mask
    x = (x * np.uint64(0x9E3779B97F4B)) & mask
    x ^= x >> np.uint64(21)
    x = (x * np.uint64(0xBF58476D1CE5)) & mask
    x ^= x >> np.uint64(19)
    return x


def _device_ids(x: np.ndarray) -> pa.Array:
    nibbles = (_mix48(x)[:, None] >> (np.uint64(4) * np.arange(11, -1, -1, dtype=np.uint64))) & np.uint64(0xF)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.int64)]
    hex12 = pa.array(np.ascontiguousarray(chars).view("S12").ravel()).cast(pa.string())
    return _join("dev-", hex12)


def _padded(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    return _join(prefix, pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0"))


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _null_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def _pick(pool: pa.Array, index: np.ndarray) -> pa.Array:
    """pool[index], null where index < 0."""
    return pool.take(pa.array(np.maximum(index, 0), mask=index < 0))


def _money(cents: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(
        pc.cast(pa.array(cents // 100), pa.string()),
        pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"), ".")


def _dates(world: World, day: np.ndarray) -> pa.Array:
    """Day indices as Arrow dates, null where negative."""
    return pa.array(np.datetime64(world.start, "D") + np.maximum(day, 0), mask=day < 0, type=pa.date32())


QUANTITIES = pa.array([str(q) for q in range(MAX_QUANTITY + 1)] + [BAD_QUANTITY])


def format_events(world: World, strings: IdentityStrings, events: dict[str, np.ndarray], rows: slice,
                  source: int, chunk: int) -> pa.Table:
    """The string table of one source's rows (a slice, already in output order), defects applied."""
    n_people = len(strings.customer_ref)
    m = rows.stop - rows.start
    col = {name: values[rows] for name, values in events.items()}
    defect = col["defect"]
    broken = {name: defect == code for code, name in enumerate(DEFECTS)}
    ids = np.where(broken["no_identifiers"], 0, col["ids"])
    person = col["person"].astype(np.int64)
    dev = col["dev"].astype(np.int64)
    email = col["email_var"].astype(np.int64) * n_people + person
    phone = col["phone_fmt"].astype(np.int64) * n_people + person
    day = np.where(broken["bad_timestamp"], world.n_days, col["t"] // SECONDS_PER_DAY)
    second = np.where(broken["bad_timestamp"], SECONDS_PER_DAY, col["t"] % SECONDS_PER_DAY)

    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(m)), pa.string()), 7, "0")
    out = {
        "event_id": _join(f"{SOURCES[source]}-{chunk:06d}-", seq),
        "occurred_at": _join(world.day_prefix.take(pa.array(day)), world.time_of_day.take(pa.array(second))),
        "channel": pa.array([SOURCES[source], "fax"]).take(pa.array(broken["unknown_channel"].astype(np.int8))),
        "event_type": pa.array(EVENT_TYPES).take(pa.array(col["etype"])),
        "customer_ref": _pick(strings.customer_ref, np.where(ids & REF, person, -1)),
        "email": _pick(strings.email_variants, np.where(ids & MAIL, email, -1)),
        "phone": _pick(strings.phone_formats, np.where(ids & PHONE, phone, -1)),
        "loyalty_id": _pick(strings.loyalty_id, np.where(ids & LOYALTY, person, -1)),
        "device_id": _pick(strings.devices, np.where(
            ids & DEVICE, np.where(dev < KIOSK_SLOT, dev * n_people + person, 2 * n_people + dev - KIOSK_SLOT), -1)),
        "product_id": _pick(world.product_ids, col["product"]),
        "category": _pick(pa.array(world.categories), col["category"]),
        "amount": _amounts(col["amount"], broken["amount_not_numeric"], broken["amount_decimal_comma"]),
        "quantity": _pick(QUANTITIES, np.where(broken["quantity_out_of_range"], MAX_QUANTITY + 1,
                                               np.where(col["qty"] > 0, col["qty"], -1))),
        "currency": _pick(pa.array(["USD"]), np.where(col["amount"] >= 0, 0, -1)),
        "store_id": _pick(pa.array(world.store_ids), col["store"]),
        "city": _pick(pa.array(world.cities), col["city"]),
        "text": _pick(world.text_array, col["text"]),
        "attributes": _attributes(world, col, broken["attributes_not_json"]),
    }
    return pa.table([out[name] for name in EVENT_COLUMNS], schema=EVENT_SCHEMA)


def _amounts(cents: np.ndarray, not_numeric: np.ndarray, decimal_comma: np.ndarray) -> pa.Array:
    """Amounts as "129.99"; broken rows read "N/A" or use a decimal comma ("129,99")."""
    normal = (cents >= 0) & ~not_numeric & ~decimal_comma
    commas = [f"{c // 100},{c % 100:02d}" if c >= 0 else "12,99" for c in cents[decimal_comma].tolist()]
    pool = pa.concat_arrays([_money(cents[normal]), pa.array(["N/A"] + commas, pa.string())])
    index = np.full(cents.size, -1, dtype=np.int64)
    index[normal] = np.arange(int(normal.sum()))
    index[not_numeric] = int(normal.sum())
    index[decimal_comma] = int(normal.sum()) + 1 + np.arange(len(commas))
    return _pick(pool, index)


def _attributes(world: World, col: dict[str, np.ndarray], not_json: np.ndarray) -> pa.Array:
    """Fixed JSON picked from the pool; purchases composed as prefix + list price + "}"."""
    fixed = _pick(world.attributes, np.where(not_json, len(world.attributes) - 1, col["attr"]))
    purchase = (col["purchase_attr"] >= 0) & ~not_json
    if not purchase.any():
        return fixed
    composed = _join(world.purchase_attr_prefix.take(pa.array(col["purchase_attr"][purchase])),
                     _money(col["list_price"][purchase]), "}")
    return pc.replace_with_mask(fixed, pa.array(purchase), composed)


# --------------------------------------------------------------------------- writing


TRUTH_TABLES = ("truth_customers", "truth_life_events", "truth_posts", "truth_corrupt_rows")


@dataclass(frozen=True)
class ChunkOutput:
    """What writing one chunk produced: its event files and its rows of each truth table."""

    customers: int
    events: int
    event_files: dict[str, Path]
    truth: dict[str, pa.Table]


def write_chunk(world: World, out_dir: Path, chunk: int, people: People, events: dict[str, np.ndarray]) -> ChunkOutput:
    """Format and write one chunk's event files (events sorted by source, then time)."""
    strings = identity_strings(world, people)
    bounds = np.searchsorted(events["source"], np.arange(len(SOURCES) + 1))
    files, posts, corrupt = {}, [], []
    for source, name in enumerate(SOURCES):
        rows = slice(bounds[source], bounds[source + 1])
        table = format_events(world, strings, events, rows, source, chunk)
        files[name] = out_dir / "events" / name / f"part-{chunk:04d}.parquet"
        pq.write_table(table, files[name], compression="zstd")
        posts.append(_post_truth(world, people, table, events, rows))
        corrupt.append(_corrupt_truth(table, events, rows, name))
    truth = {
        "truth_customers": customer_truth(world, people, strings),
        "truth_life_events": life_event_truth(world, people),
        "truth_posts": pa.concat_tables(posts),
        "truth_corrupt_rows": pa.concat_tables(corrupt),
    }
    return ChunkOutput(customers=people.n, events=int(events["t"].size), event_files=files, truth=truth)


class TruthWriter:
    """Appends each chunk's truth rows to one Parquet file per table, in chunk order."""

    def __init__(self, folder: Path) -> None:
        self.files = {name: folder / f"{name}.parquet" for name in TRUTH_TABLES}
        self._writers: dict[str, pq.ParquetWriter] = {}

    def append(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            if name not in self._writers:
                self._writers[name] = pq.ParquetWriter(self.files[name], table.schema, compression="zstd")
            self._writers[name].write_table(table)

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()


def _post_truth(world: World, people: People, table: pa.Table, events, rows: slice) -> pa.Table:
    at = np.flatnonzero(events["post_event"][rows] >= 0)
    labels = pa.array(LIFE_EVENTS + ("none",))
    return pa.table({
        "event_id": table["event_id"].take(pa.array(at)).combine_chunks(),
        "person_id": pa.array(people.first_pid + events["person"][rows][at].astype(np.int64)),
        "event": labels.take(pa.array(events["post_event"][rows][at])),
        "about_self": pa.array(events["post_self"][rows][at]),
        "template_id": pa.array(world.post_template_ids).take(pa.array(events["post_template"][rows][at])),
    })


def _corrupt_truth(table: pa.Table, events, rows: slice, source: str) -> pa.Table:
    at = np.flatnonzero(events["defect"][rows] >= 0)
    return pa.table({
        "event_id": table["event_id"].take(pa.array(at)).combine_chunks(),
        "source": pa.array([source] * at.size, pa.string()),
        "defect": pa.array(DEFECTS).take(pa.array(events["defect"][rows][at])),
    })


def customer_truth(world: World, people: People, strings: IdentityStrings) -> pa.Table:
    """One row per person: identifiers as they really are, and the latent state behind the events."""
    moved = people.move_day >= 0
    cities = pa.array(world.cities)
    columns = {
        "person_id": pa.array(people.first_pid + np.arange(people.n, dtype=np.int64)),
        "customer_ref": _null_where(strings.customer_ref, ~people.has_account),
        "email": strings.email,
        "phone_e164": strings.phone_e164,
        "loyalty_id": _null_where(strings.loyalty_id, ~people.has_loyalty),
        "device_ids": strings.device_list,
        "home_city": cities.take(pa.array(people.home_city)),
        "moved_to_city": _pick(cities, np.where(moved, people.new_city, -1)),
        "preferred_channel": pa.array(PREFERRED_CHANNELS).take(pa.array(people.pref)),
    }
    columns.update({name: pa.array(people.traits[name]) for name in TRAITS})
    columns.update({
        "is_wholesale": pa.array(people.is_wholesale),
        "purchase_rate": pa.array(people.purchase_rate),
        "dropout_p": pa.array(people.dropout_p),
        "acquired_at": _dates(world, people.acq),
        "churned_at": _dates(world, people.churn_day),
        "consent_marketing": pa.array(people.consent_marketing & (people.withdraw_day < 0)),
        "consent_profiling": pa.array(people.consent_profiling),
        "birth_date": pa.array(people.birth_date, type=pa.date32()),
        "fully_linkable": pa.array(people.fully_linkable),
    })
    return pa.table(columns)


def life_event_truth(world: World, people: People) -> pa.Table:
    events = people.life_events
    return pa.table({
        "person_id": pa.array(people.first_pid + events["person"].astype(np.int64)),
        "event": pa.array(LIFE_EVENTS).take(pa.array(events["event"])),
        "event_date": _dates(world, events["day"]),
        "posted": pa.array(events["posted"]),
    })


def reference_tables(world: World) -> dict[str, pa.Table]:
    """Product catalogue and store list: reference data that product code may read."""
    return {
        "products": pa.table({
            "product_id": world.product_ids,
            "name": pa.array(world.product_names),
            "category": pa.array(world.categories).take(pa.array(world.product_category)),
            "list_price": _money(world.product_price),
        }),
        "stores": pa.table({
            "store_id": pa.array(world.store_ids),
            "city": pa.array(world.cities).take(pa.array(world.store_city)),
        }),
    }


# --------------------------------------------------------------------------- entry point


def generate(
    out_dir: Path,
    *,
    customers: int = 20_000,
    seed: int = 7,
    start: date = date(2025, 3, 1),
    end: date = date(2026, 9, 30),
    chunk_customers: int = 50_000,
    progress: Callable[[int, int], None] | None = None,
) -> SynthManifest:
    """Generate `customers` persons and their events into `out_dir`; see the module docstring.

    `progress(done_customers, total_customers)` is called after each chunk is
    written. The same arguments give byte-identical files.
    """
    _validate(customers=customers, chunk_customers=chunk_customers, start=start, end=end)
    out_dir = Path(out_dir)
    world = build_world(seed, start, end)
    _prepare_directories(out_dir)
    reference_files = {}
    for name, table in reference_tables(world).items():
        reference_files[name] = out_dir / "reference" / f"{name}.parquet"
        pq.write_table(table, reference_files[name])

    truth = TruthWriter(out_dir / "truth")
    event_files: dict[str, list[Path]] = {name: [] for name in SOURCES}
    totals = {"customers": 0, "events": 0}

    def collect(future: Future) -> None:
        output = future.result()
        truth.append(output.truth)
        for name, path in output.event_files.items():
            event_files[name].append(path)
        totals["customers"] += output.customers
        totals["events"] += output.events
        if progress is not None:
            progress(totals["customers"], customers)

    # The main thread simulates chunk k while writer threads format and write
    # the chunks before it; Arrow and Parquet release the GIL, so both cores
    # stay busy. At most WRITER_THREADS + 1 chunks are in memory, and the
    # truth is appended strictly in chunk order.
    in_flight: deque[Future] = deque()
    with ThreadPoolExecutor(max_workers=WRITER_THREADS) as pool:
        try:
            for chunk in range(-(-customers // chunk_customers)):
                first = chunk * chunk_customers
                people, events = simulate_chunk(world, seed, chunk, first, min(chunk_customers, customers - first))
                in_flight.append(pool.submit(write_chunk, world, out_dir, chunk, people, events))
                del people, events
                while len(in_flight) >= WRITER_THREADS:
                    collect(in_flight.popleft())
            while in_flight:
                collect(in_flight.popleft())
        finally:
            for future in in_flight:
                future.exception()  # let failed or pending writes finish before closing the truth files
            truth.close()
    return SynthManifest(event_files=event_files, truth_files=truth.files, customers=customers,
                         events=totals["events"], reference_files=reference_files)


def simulate_chunk(world: World, seed: int, chunk: int, first_pid: int, n: int) -> tuple[People, dict[str, np.ndarray]]:
    """Persons first_pid .. first_pid + n - 1 and their events, from the chunk's own random stream."""
    rng = np.random.default_rng([seed, 1, chunk])
    people = draw_people(world, rng, first_pid, n)
    events = simulate_events(world, people, rng)
    mark_linkability(people, events)
    return people, events


def _validate(*, customers: int, chunk_customers: int, start: date, end: date) -> None:
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise SynthConfigError(f"customers must be between 1 and {MAX_CUSTOMERS:,}, got {customers}")
    if chunk_customers < 1:
        raise SynthConfigError(f"chunk_customers must be at least 1, got {chunk_customers}")
    if (end - start).days < 60:
        raise SynthConfigError(f"end must be at least 60 days after start, got {start} .. {end}")


def _prepare_directories(out_dir: Path) -> None:
    for source in SOURCES:
        folder = out_dir / "events" / source
        folder.mkdir(parents=True, exist_ok=True)
        # Parts left over from an earlier, larger run would be ingested too.
        for stale in folder.glob("part-*.parquet"):
            stale.unlink()
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    (out_dir / "reference").mkdir(parents=True, exist_ok=True)
