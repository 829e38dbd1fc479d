"""The synthetic retailer: calendar, catalogue, stores, campaigns and the strings they use."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from synthetic import catalogue as cd
from synthetic.shape import BAD_ATTRIBUTES, BAD_TIMESTAMP, SECONDS_PER_DAY
from synthetic.texts import TICKET_TEMPLATES, TextPool, build_text_pool


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
