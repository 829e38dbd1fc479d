"""Every kind of event a person makes, on every channel, as arrays."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np

from synthetic import catalogue as cd
from synthetic.people import People, uniform_day
from synthetic.sampling import (
    CONSUMABLES,
    app_identifiers,
    draw_category,
    draw_product,
    random_special_day,
    snap_to_weekday,
    snap_to_weekend,
    store_visit_store,
    time_of_day,
)
from synthetic.shape import (
    APP,
    CART,
    CONSENT,
    CORRUPT_SHARE,
    DATED_LIFE_EVENTS,
    DEFECTS,
    DEVICE,
    EMAIL,
    EMAIL_CLICK,
    EMAIL_OPEN,
    HOURS_NIGHT,
    HOURS_OFFICE,
    HOURS_ONLINE,
    HOURS_STORE,
    KIOSK_DEVICES,
    KIOSK_SLOT,
    LOYALTY,
    MAIL,
    PHONE,
    POST,
    PURCHASE,
    REF,
    RETURN,
    REVIEW,
    SEARCH,
    SECONDS_PER_DAY,
    SERVICE,
    SOCIAL,
    STORE,
    STORE_VISIT,
    TICKET,
    VIEW,
    WEB,
    WHOLESALE,
)
from synthetic.texts import LIFE_EVENTS, TICKET_TEMPLATES
from synthetic.world import World


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

    theme = draw_category(world, people, person, day, rng)
    trade = world.category_codes(cd.WHOLESALE_CATEGORIES)
    theme = np.where(wholesale, trade[rng.integers(0, len(trade), m)], theme).astype(np.int16)

    fixed = occ["trial"] | occ["dropout"]
    free = ~fixed & ~wholesale
    lo = people.acq[person]
    hi = np.where(people.churn_day[person] >= 0, people.churn_day[person], world.n_days - 1)
    traits = {k: v[person] for k, v in people.traits.items()}

    sale = random_special_day(world.sale_days, lo, hi, rng)
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
    day = np.where(to_weekend, snap_to_weekend(world, day, lo, hi), day)
    day = np.where(wholesale & ~fixed, snap_to_weekday(world, day, lo, hi), day)

    tod = np.select(
        [channel == STORE, channel == WHOLESALE],
        [time_of_day(rng, m, HOURS_STORE), time_of_day(rng, m, HOURS_OFFICE)],
        time_of_day(rng, m, HOURS_ONLINE),
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
    other = np.where(is_trade, trade[rng.integers(0, len(trade), k)], draw_category(world, people, person, day, rng))
    cat = np.where(same_theme, occ["theme"][oi], other).astype(np.int16)
    product = draw_product(world, people, person, cat, rng)
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
    app_ids, dev = app_identifiers(people, person, rng)
    trade_ids = REF | np.where(people.has_email[person] & (rng.random(m) < 0.5), MAIL, 0)
    ids = np.select([channel == STORE, channel == WEB, channel == APP], [store_ids, web_ids, app_ids], trade_ids)
    return ids.astype(np.uint8), np.where(channel == APP, dev, 0).astype(np.int8)


def _occasion_place(world: World, people: People, occ: dict, rng) -> tuple[np.ndarray, np.ndarray]:
    """Store and city: the store's city at a till, the shipping city online (home, mostly)."""
    person, day, channel = occ["person"], occ["day"], occ["channel"]
    m = len(person)
    at_store = channel == STORE
    store = np.where(at_store, store_visit_store(world, people, person, day, rng), -1).astype(np.int16)
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
    app_ids, app_dev = app_identifiers(people, person, rng)
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
    hours = np.where(source == STORE, time_of_day(rng, k, HOURS_STORE), time_of_day(rng, k, HOURS_OFFICE))
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
    app_ids, app_dev = app_identifiers(people, person, rng)
    text = np.zeros(m, dtype=np.int32)
    for value in range(1, 6):
        group = world.texts.groups[("review", value)]
        sel = rating == value
        text[sel] = group.start + rng.integers(0, group.n_templates * group.variants, int(sel.sum()))
    buf.add(person, review_day[chosen].astype(np.int64) * SECONDS_PER_DAY + time_of_day(rng, m, HOURS_ONLINE),
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
    day = uniform_day(rng, people.acq[person], people.act_end[person])
    cat = draw_category(world, people, person, day, rng)
    deals_share = np.where(people.traits["is_bargain_hunter"][person], 0.3, 0.03)
    page = np.where(rng.random(m) < deals_share, 2, np.where(rng.random(m) < 0.2, 1, 0))
    product = np.where(page == 0, draw_product(world, people, person, cat, rng), -1)

    night = people.traits["is_gamer"][person] & np.isin(cat, world.category_codes(cd.GAMING)) & (rng.random(m) < 0.8)
    tod = np.where(night, time_of_day(rng, m, HOURS_NIGHT), time_of_day(rng, m, HOURS_ONLINE))
    t = day.astype(np.int64) * SECONDS_PER_DAY + tod
    in_app = rng.random(m) < people.app_share[person]
    app_ids, app_dev = app_identifiers(people, person, rng)
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
    day = uniform_day(rng, people.acq[person], people.act_end[person])
    store = store_visit_store(world, people, person, day, rng)
    ids, dev = _store_visit_identifiers(people, person, rng)
    buf.add(person, day.astype(np.int64) * SECONDS_PER_DAY + time_of_day(rng, person.size, HOURS_STORE), STORE,
            STORE_VISIT, ids, dev=dev, store=store, city=world.store_city[store])


def _service_tickets(world, people, rng, buf: EventBuffer) -> None:
    """~0.3 tickets per person, identified by phone, e-mail or both (always both on the first one)."""
    reachable = people.has_email | people.has_phone
    counts = rng.poisson(0.3, people.n) * reachable
    person = np.repeat(np.arange(people.n), counts).astype(np.int32)
    m = person.size
    first = np.arange(m) == np.repeat(np.cumsum(counts) - counts, counts)
    day = uniform_day(rng, people.acq[person], people.act_end[person])
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
    buf.add(person, day.astype(np.int64) * SECONDS_PER_DAY + time_of_day(rng, m, HOURS_OFFICE), SERVICE, TICKET,
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
    day = uniform_day(rng, people.acq[card], np.minimum(people.acq[card] + 30, people.act_end[card]))
    store = store_visit_store(world, people, card, day, rng)
    buf.add(card, day.astype(np.int64) * SECONDS_PER_DAY + time_of_day(rng, card.size, HOURS_STORE), STORE, CONSENT,
            (LOYALTY | card_contact[card]).astype(np.uint8), store=store, city=world.store_city[store],
            attr=base + people.consent_marketing[card])

    second = np.flatnonzero(people.n_devices == 2)
    day = uniform_day(rng, people.acq[second], people.act_end[second])
    ids = DEVICE | np.where(people.isolate[second] == 2, 0, REF)
    buf.add(second, day.astype(np.int64) * SECONDS_PER_DAY + time_of_day(rng, second.size, HOURS_ONLINE), APP,
            CONSENT, ids, dev=1, attr=base + 2 + people.consent_profiling[second])

    # Unsubscribing: the link in a mail, else the account settings, else at the till.
    leaving = np.flatnonzero(people.withdraw_day >= 0)
    by_mail, by_web = people.has_email[leaving], people.has_account[leaving]
    source = np.where(by_mail, EMAIL, np.where(by_web, WEB, STORE)).astype(np.int8)
    ids = np.where(by_mail, MAIL, np.where(by_web, REF, LOYALTY)).astype(np.uint8)
    store = np.where(source == STORE, people.home_store[leaving], -1).astype(np.int16)
    buf.add(leaving, people.withdraw_day[leaving].astype(np.int64) * SECONDS_PER_DAY
            + time_of_day(rng, leaving.size, HOURS_ONLINE), source, CONSENT, ids, store=store,
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
    gen_day = uniform_day(rng, people.acq[gen_person], np.full(g, last))
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
    buf.add(post_person, post_day.astype(np.int64) * SECONDS_PER_DAY + time_of_day(rng, m, HOURS_ONLINE),
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
