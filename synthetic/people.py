"""Persons: traits, life events, purchase processes, identifiers and category affinities."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import catalogue as cd
from synthetic.shape import DATED_LIFE_EVENTS
from synthetic.world import World


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
    withdraw_day = np.where(withdraws, uniform_day(rng, acq + 14, np.full(n, world.n_days - 1)), -1).astype(np.int32)

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

def uniform_day(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A uniform integer day in [lo, hi] for each pair (hi >= lo)."""
    return (lo + np.floor(rng.random(len(lo)) * (hi - lo + 1))).astype(np.int32)
