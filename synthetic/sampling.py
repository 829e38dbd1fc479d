"""Sampling helpers for events: times of day, weekdays, categories and products (with life
events' tilts), stores and app identifiers."""

from __future__ import annotations

import numpy as np

from synthetic import catalogue as cd
from synthetic.people import People
from synthetic.shape import DATED_LIFE_EVENTS, DEVICE, REF
from synthetic.world import World


def time_of_day(rng: np.random.Generator, n: int, hours: tuple) -> np.ndarray:
    weights = np.asarray(hours, dtype=float)
    cum = np.cumsum(weights / weights.sum())
    hour = np.minimum(np.searchsorted(cum, rng.random(n), side="right"), 23)
    return hour * 3600 + rng.integers(0, 3600, n)


def _weekday(world: World, day: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6."""
    return (day + world.start_weekday) % 7


def draw_category(world: World, people: People, person: np.ndarray, day: np.ndarray, rng) -> np.ndarray:
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


def draw_product(world: World, people: People, person: np.ndarray, cat: np.ndarray, rng) -> np.ndarray:
    """Product within the category; premium buyers take the top price band, bargain hunters the bottom."""
    premium = people.traits["is_premium_buyer"][person]
    bargain = people.traits["is_bargain_hunter"][person]
    m = len(person)
    position = np.where(premium, 0.7 + 0.3 * rng.random(m),
                        np.where(bargain, rng.beta(1.0, 3.0, m), rng.beta(1.3, 2.0, m)))
    count = world.cat_count[cat]
    return (world.cat_first[cat] + np.minimum((position * count).astype(np.int32), count - 1)).astype(np.int32)


def random_special_day(days: np.ndarray, lo: np.ndarray, hi: np.ndarray, rng) -> np.ndarray:
    """A random day from sorted `days` within [lo, hi]; -1 where there is none."""
    a = np.searchsorted(days, lo, side="left")
    b = np.searchsorted(days, hi, side="right")
    pick = a + np.floor(rng.random(len(lo)) * (b - a)).astype(np.int64)
    return np.where(b > a, days[np.minimum(pick, len(days) - 1)], -1)


def snap_to_weekend(world: World, day, lo, hi) -> np.ndarray:
    """Move a day to the nearest Saturday or Sunday that stays inside [lo, hi]."""
    shift = np.array([-1, -2, 3, 2, 1, 0, 0])[_weekday(world, day)]
    moved = day + shift
    moved = np.where(moved > hi, moved - 7, moved)
    moved = np.where(moved < lo, moved + 7, moved)
    return np.where((moved >= lo) & (moved <= hi), moved, day)


def snap_to_weekday(world: World, day, lo, hi) -> np.ndarray:
    """Businesses buy on working days: Saturday -> Friday, Sunday -> Monday."""
    shift = np.array([0, 0, 0, 0, 0, -1, 1])[_weekday(world, day)]
    moved = day + shift
    return np.where((moved >= lo) & (moved <= hi), moved, day)


def store_visit_store(world: World, people: People, person, day, rng) -> np.ndarray:
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


def app_identifiers(people: People, person, rng, login_share: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """App events carry the device; the logins (about 30%) add the customer ref."""
    m = len(person)
    dev = ((people.n_devices[person] == 2) & (rng.random(m) < 0.3)).astype(np.int8)
    kept_apart = (people.isolate[person] == 2) & (dev == people.n_devices[person] - 1)
    login = (rng.random(m) < login_share) & ~kept_apart
    return (DEVICE | np.where(login, REF, 0)).astype(np.uint8), dev
