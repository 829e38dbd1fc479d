"""Gene families: the catalog grows with the business.

Each family reads one relation and turns it into genes. Most relations are
the event view `_ev` (one row per event with its customer and derived columns,
see `genome.genes.build`); families that fan out over values found in the data
(categories, channels, stores, cities) read a per-customer-per-value summary
first, so hundreds of genes cost one small pass instead of hundreds of
filters over every event.
"""

from dataclasses import dataclass, field

import duckdb

from genome.genes.definition import (
    Evidence,
    Gene,
    case_filters,
    decimal_rounds,
    merge_key,
    slug,
    spelling_key,
    sql_literal,
)
from genome.genes.labels import sentence
from genome.genes.pivot import Pivot
from genome.sensitivity import sensitivities, sensitivity_of

P = "event_type = 'purchase'"
# On a tie the first is the band: counting puts no order on events, so a mode() would settle ties by chance.
PRICE_BANDS = ("budget", "mid", "premium")
# Money is summed and averaged with compensation (fsum, favg): a plain sum depends on the order rows arrive in,
# and a rounded cent must not change with the threads or partitions of a build.

R = "event_type = 'return'"
V = "event_type = 'view'"
WINDOWS = (30, 90, 365)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# hours -> daypart; night wraps midnight
DAYPARTS = {
    "morning": "hour BETWEEN 6 AND 11",
    "afternoon": "hour BETWEEN 12 AND 16",
    "evening": "hour BETWEEN 17 AND 21",
    "night": "(hour >= 22 OR hour <= 5)",
}


@dataclass(frozen=True, kw_only=True)
class Family:
    """Genes read one relation: aggregates over `relation` grouped by customer (`cust`),
    or, for a fan-out family, row expressions over its `pivot` (one row per customer)."""

    name: str
    relation: str
    genes: tuple[Gene, ...]
    description: str
    pivot: Pivot | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The values the data holds, each with enough events to deserve genes.

    Spellings of one value ("Running Shoes", "running_shoes", "RUNNING SHOE") are merged
    into its commonest spelling: `merged` maps column -> {spelling: value}.
    """

    categories: tuple[str, ...]
    channels: tuple[str, ...]
    stores: tuple[str, ...]
    cities: tuple[str, ...]
    merged: dict[str, dict[str, str]] = field(default_factory=dict)
    spelling_events: dict[tuple[str, str], int] = field(default_factory=dict)  # (column, spelling) -> events
    attributes: tuple[str, ...] = ()  # imported customer attributes (age band, income band...)


def _readable(value: str) -> str:
    """A value from the data as words in a label: "running_shoes" reads "running shoes"."""
    return str(value).replace("_", " ").strip()


def discover(con, min_events: int = 20, events: str = "events") -> Vocabulary:
    merged: dict[str, dict[str, str]] = {}
    spelling_events: dict[tuple[str, str], int] = {}

    def values(column: str, key=merge_key) -> tuple[str, ...]:
        rows = con.execute(
            f"SELECT {column}, count(*) FROM {events} WHERE {column} IS NOT NULL GROUP BY 1"  # constants below
        ).fetchall()
        groups: dict[str, list[tuple[str, int]]] = {}
        for value, n in rows:
            groups.setdefault(key(value), []).append((value, n))
        totals = []
        for spellings in groups.values():
            # the commonest spelling names the value (alphabetical first on a tie)
            canonical = min(spellings, key=lambda s: (-s[1], s[0]))[0]
            for spelling, n in spellings:
                if spelling != canonical:
                    merged.setdefault(column, {})[spelling] = canonical
                    spelling_events[(column, spelling)] = n
            totals.append((canonical, sum(n for _, n in spellings)))
        return tuple(v for v, n in sorted(totals, key=lambda t: (-t[1], t[0])) if n >= min_events)

    try:
        attributes = tuple(
            r[0] for r in con.execute("SELECT DISTINCT attribute FROM customer_attributes ORDER BY 1").fetchall()
        )
    except duckdb.CatalogException:
        attributes = ()
    return Vocabulary(
        # categories name kinds of goods, so their plural and spacing variants merge too; cities are proper names
        # ("New Castle" is not "Newcastle") and channels and store ids are codes ("12S" may be another store than
        # "12"), so only their case and punctuation
        values("category", spelling_key), values("channel"), values("store_id"), values("city"),
        merged, spelling_events, attributes
    )


def _gene(
    *,
    name,
    family,
    description,
    type,
    expression,
    unit=None,
    fill=None,
    where=None,
    noun=None,
    sensitivity=None,
    source="events",
    label=None,
) -> Gene:
    evidence = Evidence(where, noun) if where and noun else None
    expression = decimal_rounds(case_filters(expression))
    return Gene(
        name=name,
        family=family,
        description=description,
        type=type,
        expression=expression,
        unit=unit,
        fill=fill,
        evidence=evidence,
        sensitivity=sensitivity,
        source=source,
        label=label,
    )


def _count(*, name, family, description, where, noun, unit="events", **kw) -> Gene:
    return _gene(
        name=name,
        family=family,
        description=description,
        type="number",
        expression=f"count(*) FILTER (WHERE {where})",
        unit=unit,
        fill="0",
        where=where,
        noun=noun,
        **kw,
    )


def _flag(*, name, family, description, where, noun, at_least=1, **kw) -> Gene:
    return _gene(
        name=name,
        family=family,
        description=description,
        type="flag",
        expression=f"count(*) FILTER (WHERE {where}) >= {at_least}",
        where=where,
        noun=noun,
        **kw,
    )


def _share(*, name, family, description, where, base, noun, **kw) -> Gene:
    expression = f"round(count(*) FILTER (WHERE ({base}) AND ({where})) / nullif(count(*) FILTER (WHERE {base}), 0), 4)"
    return _gene(
        name=name,
        family=family,
        description=description,
        type="number",
        expression=expression,
        unit="share",
        where=f"({base}) AND ({where})",
        noun=noun,
        **kw,
    )


def _days_since(*, name, family, description, where, noun, **kw) -> Gene:
    return _gene(
        name=name,
        family=family,
        description=description,
        type="number",
        expression=f"min(days_ago) FILTER (WHERE {where})",
        unit="days",
        where=where,
        noun=noun,
        **kw,
    )


def _spend(*, name, family, description, where, noun, **kw) -> Gene:
    return _gene(
        name=name,
        family=family,
        description=description,
        type="number",
        expression=f"round(coalesce(fsum(amount) FILTER (WHERE {where}), 0), 2)",
        unit="USD",
        fill="0",
        where=where,
        noun=noun,
        **kw,
    )


def rfm_family() -> Family:
    f = "recency_frequency_monetary"
    genes = [
        _count(
            name="purchases_total",
            family=f,
            description="Purchase lines ever bought.",
            where=P,
            noun="purchases",
            unit="purchases",
        ),
        *[
            _count(
                name=f"purchases_{d}d",
                family=f,
                description=f"Purchase lines in the last {d} days.",
                where=f"{P} AND days_ago <= {d}",
                noun="purchases",
                unit="purchases",
            )
            for d in WINDOWS
        ],
        _spend(
            name="spend_total", family=f, description="Money spent on purchases, all time.", where=P, noun="purchases"
        ),
        *[
            _spend(
                name=f"spend_{d}d",
                family=f,
                description=f"Money spent in the last {d} days.",
                where=f"{P} AND days_ago <= {d}",
                noun="purchases",
            )
            for d in WINDOWS
        ],
        _gene(
            name="purchase_days",
            family=f,
            description="Distinct days with a purchase (one shopping trip per day).",
            type="number",
            expression=f"count(DISTINCT CAST(local_time AS DATE)) FILTER (WHERE {P})",
            unit="days",
            fill="0",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="avg_order_value",
            family=f,
            description="Average spend per shopping day.",
            type="number",
            expression=f"round(fsum(amount) FILTER (WHERE {P}) / nullif(count(DISTINCT CAST(local_time AS DATE)) "
            f"FILTER (WHERE {P}), 0), 2)",
            unit="USD",
            where=P,
            noun="purchases",
        ),
        _days_since(
            name="days_since_last_purchase",
            family=f,
            description="Days since the latest purchase.",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="days_since_first_purchase",
            family=f,
            description="Days since the first purchase.",
            type="number",
            expression=f"max(days_ago) FILTER (WHERE {P})",
            unit="days",
            where=P,
            noun="purchases",
        ),
        _flag(
            name="active_30d",
            family=f,
            description="Bought something in the last 30 days.",
            where=f"{P} AND days_ago <= 30",
            noun="purchases",
        ),
        _flag(
            name="active_90d",
            family=f,
            description="Bought something in the last 90 days.",
            where=f"{P} AND days_ago <= 90",
            noun="purchases",
        ),
        _gene(
            name="lapsed_90d",
            family=f,
            description="Has bought before but not in the last 90 days.",
            type="flag",
            expression=f"count(*) FILTER (WHERE {P}) > 0 AND count(*) FILTER (WHERE {P} AND days_ago <= 90) = 0",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="lapsed_180d",
            family=f,
            description="Has bought before but not in the last 180 days.",
            type="flag",
            expression=f"count(*) FILTER (WHERE {P}) > 0 AND count(*) FILTER (WHERE {P} AND days_ago <= 180) = 0",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="one_time_buyer",
            family=f,
            description="Bought on exactly one day.",
            type="flag",
            expression=f"count(DISTINCT CAST(local_time AS DATE)) FILTER (WHERE {P}) = 1",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="repeat_buyer",
            family=f,
            description="Bought on two or more days.",
            type="flag",
            expression=f"count(DISTINCT CAST(local_time AS DATE)) FILTER (WHERE {P}) >= 2",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="frequent_buyer",
            family=f,
            description="Bought on six or more days in the last 365 days.",
            type="flag",
            expression=f"count(DISTINCT CAST(local_time AS DATE)) FILTER (WHERE {P} AND days_ago <= 365) >= 6",
            where=f"{P} AND days_ago <= 365",
            noun="purchases",
        ),
        _gene(
            name="avg_item_price",
            family=f,
            description="Average price paid per item.",
            type="number",
            expression=f"round(favg(unit_price) FILTER (WHERE {P}), 2)",
            unit="USD",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="max_item_price",
            family=f,
            description="Highest price paid for one item.",
            type="number",
            expression=f"max(unit_price) FILTER (WHERE {P})",
            unit="USD",
            where=P,
            noun="purchases",
        ),
        _count(
            name="returns_total",
            family=f,
            description="Items returned, all time.",
            where=R,
            noun="returns",
            unit="returns",
        ),
        _count(
            name="returns_365d",
            family=f,
            description="Items returned in the last 365 days.",
            where=f"{R} AND days_ago <= 365",
            noun="returns",
            unit="returns",
        ),
        _gene(
            name="return_rate",
            family=f,
            description="Returns per purchase line.",
            type="number",
            expression=f"round(count(*) FILTER (WHERE {R}) / nullif(count(*) FILTER (WHERE {P}), 0), 4)",
            unit="share",
            where=R,
            noun="returns",
        ),
        _gene(
            name="serial_returner",
            family=f,
            description="Returns at least 3 items and 30% or more of purchases.",
            type="flag",
            expression=f"count(*) FILTER (WHERE {R}) >= 3 AND count(*) FILTER (WHERE {R}) >= "
            f"0.3 * count(*) FILTER (WHERE {P})",
            where=R,
            noun="returns",
        ),
        _gene(
            name="never_returns",
            family=f,
            description="Three or more purchases and no return.",
            type="flag",
            expression=f"count(*) FILTER (WHERE {P}) >= 3 AND count(*) FILTER (WHERE {R}) = 0",
            where=P,
            noun="purchases",
        ),
    ]
    return Family(
        name=f,
        relation="SELECT * FROM _ev WHERE event_type IN ('purchase', 'return')",
        genes=tuple(genes),
        description="Recency, frequency and monetary value of purchases, and returns.",
    )


def engagement_family() -> Family:
    f = "engagement"
    any_event = "true"
    genes = [
        _count(
            name="events_total", family=f, description="Events of any kind, all time.", where=any_event, noun="events"
        ),
        *[
            _count(
                name=f"events_{d}d",
                family=f,
                description=f"Events of any kind in the last {d} days.",
                where=f"days_ago <= {d}",
                noun="events",
            )
            for d in WINDOWS
        ],
        _gene(
            name="active_days",
            family=f,
            description="Distinct days with any activity.",
            type="number",
            expression="count(DISTINCT CAST(local_time AS DATE))",
            unit="days",
            fill="0",
        ),
        _gene(
            name="tenure_days",
            family=f,
            description="Days since the customer was first seen.",
            type="number",
            expression="max(days_ago)",
            unit="days",
        ),
        _gene(
            name="days_since_last_event",
            family=f,
            description="Days since the latest activity of any kind.",
            type="number",
            expression="min(days_ago)",
            unit="days",
        ),
        _gene(
            name="new_customer_90d",
            family=f,
            description="First seen in the last 90 days.",
            type="flag",
            expression="max(days_ago) <= 90",
        ),
        _gene(
            name="dormant_180d",
            family=f,
            description="No activity of any kind in the last 180 days.",
            type="flag",
            expression="min(days_ago) > 180",
        ),
        _count(
            name="views_90d",
            family=f,
            description="Product views in the last 90 days.",
            where=f"{V} AND days_ago <= 90",
            noun="views",
        ),
        _count(
            name="views_365d",
            family=f,
            description="Product views in the last 365 days.",
            where=f"{V} AND days_ago <= 365",
            noun="views",
        ),
        _count(
            name="searches_90d",
            family=f,
            description="Searches in the last 90 days.",
            where="event_type = 'search' AND days_ago <= 90",
            noun="searches",
        ),
        _count(
            name="carts_90d",
            family=f,
            description="Add-to-cart events in the last 90 days.",
            where="event_type = 'cart' AND days_ago <= 90",
            noun="add-to-carts",
        ),
        _gene(
            name="views_per_purchase",
            family=f,
            description="Product views per purchase line in the last 365 days.",
            type="number",
            expression=f"round(count(*) FILTER (WHERE {V} AND days_ago <= 365) / "
            f"nullif(count(*) FILTER (WHERE {P} AND days_ago <= 365), 0), 2)",
            unit="views",
        ),
        _gene(
            name="cart_to_purchase_rate",
            family=f,
            description="Purchase lines per add-to-cart in the last 365 days.",
            type="number",
            expression=f"round(count(*) FILTER (WHERE {P} AND channel IN ('web', 'app') AND days_ago <= 365) / "
            f"nullif(count(*) FILTER (WHERE event_type = 'cart' AND days_ago <= 365), 0), 4)",
            unit="share",
        ),
        _gene(
            name="window_shopper",
            family=f,
            description="Ten or more views in 90 days but no purchase in 90 days.",
            type="flag",
            expression=f"count(*) FILTER (WHERE {V} AND days_ago <= 90) >= 10 AND "
            f"count(*) FILTER (WHERE {P} AND days_ago <= 90) = 0",
            where=f"{V} AND days_ago <= 90",
            noun="views",
        ),
        _count(
            name="reviews_written",
            family=f,
            description="Reviews written.",
            where="event_type = 'review'",
            noun="reviews",
        ),
        _gene(
            name="avg_rating_given",
            family=f,
            description="Average star rating in the customer's reviews.",
            type="number",
            expression="round(avg(rating) FILTER (WHERE event_type = 'review'), 2)",
            unit="stars",
            where="event_type = 'review'",
            noun="reviews",
        ),
        _flag(
            name="reviewer",
            family=f,
            description="Has written two or more reviews.",
            where="event_type = 'review'",
            noun="reviews",
            at_least=2,
        ),
        _count(
            name="tickets_total",
            family=f,
            description="Service tickets opened.",
            where="event_type = 'ticket'",
            noun="service tickets",
        ),
        _count(
            name="tickets_365d",
            family=f,
            description="Service tickets in the last 365 days.",
            where="event_type = 'ticket' AND days_ago <= 365",
            noun="service tickets",
        ),
        _days_since(
            name="days_since_ticket",
            family=f,
            description="Days since the latest service ticket.",
            where="event_type = 'ticket'",
            noun="service tickets",
        ),
        _flag(
            name="frequent_complainer",
            family=f,
            description="Three or more service tickets in 365 days.",
            where="event_type = 'ticket' AND days_ago <= 365",
            noun="service tickets",
            at_least=3,
        ),
        _count(
            name="email_opens_90d",
            family=f,
            description="Marketing e-mails opened in the last 90 days.",
            where="event_type = 'email_open' AND days_ago <= 90",
            noun="e-mail opens",
        ),
        _count(
            name="email_clicks_90d",
            family=f,
            description="Marketing e-mail clicks in the last 90 days.",
            where="event_type = 'email_click' AND days_ago <= 90",
            noun="e-mail clicks",
        ),
        _gene(
            name="email_click_rate",
            family=f,
            description="Clicks per e-mail opened, last 365 days.",
            type="number",
            expression="round(count(*) FILTER (WHERE event_type = 'email_click' AND days_ago <= 365) / "
            "nullif(count(*) FILTER (WHERE event_type = 'email_open' AND days_ago <= 365), 0), 4)",
            unit="share",
        ),
        _flag(
            name="email_engaged",
            family=f,
            description="Clicked a marketing e-mail in the last 90 days.",
            where="event_type = 'email_click' AND days_ago <= 90",
            noun="e-mail clicks",
        ),
        _count(
            name="posts_total",
            family=f,
            description="Social media posts linked to the customer.",
            where="event_type = 'post'",
            noun="posts",
        ),
        _flag(
            name="social_poster",
            family=f,
            description="Has posted on social media in the last 365 days.",
            where="event_type = 'post' AND days_ago <= 365",
            noun="posts",
        ),
        _flag(
            name="wholesale_buyer",
            family=f,
            description="Buys through a wholesale (business) account.",
            where=f"{P} AND channel = 'wholesale'",
            noun="wholesale orders",
        ),
        _spend(
            name="wholesale_spend_365d",
            family=f,
            description="Wholesale spend in the last 365 days.",
            where=f"{P} AND channel = 'wholesale' AND days_ago <= 365",
            noun="wholesale orders",
        ),
        _gene(
            name="avg_wholesale_quantity",
            family=f,
            description="Average quantity per wholesale order line.",
            type="number",
            expression=f"round(avg(quantity) FILTER (WHERE {P} AND channel = 'wholesale'), 1)",
            unit="items",
        ),
    ]
    return Family(
        name=f,
        relation="SELECT * FROM _ev",
        genes=tuple(genes),
        description="Activity, browsing, reviews, service, e-mail, social and wholesale behaviour.",
    )


def habits_family() -> Family:
    f = "habits"
    genes = [
        *[
            _share(
                name=f"{day}_purchase_share",
                family=f,
                description=f"Share of purchases made on a {day.title()}.",
                where=f"dow = {i}",
                base=P,
                noun=f"{day.title()} purchases",
            )
            for i, day in enumerate(DAYS, start=1)
        ],
        _share(
            name="weekend_purchase_share",
            family=f,
            description="Share of purchases made on a Saturday or Sunday.",
            where="weekend",
            base=P,
            noun="weekend purchases",
        ),
        _gene(
            name="weekend_shopper",
            family=f,
            description="Makes 60% or more of purchases at weekends (3 or more purchases).",
            type="flag",
            expression=f"count(*) FILTER (WHERE {P}) >= 3 AND count(*) FILTER (WHERE {P} AND weekend) >= "
            f"0.6 * count(*) FILTER (WHERE {P})",
            where=f"{P} AND weekend",
            noun="weekend purchases",
        ),
        _gene(
            name="weekday_shopper",
            family=f,
            description="Makes 90% or more of purchases on weekdays (3 or more purchases).",
            type="flag",
            expression=f"count(*) FILTER (WHERE {P}) >= 3 AND count(*) FILTER (WHERE {P} AND NOT weekend) >= "
            f"0.9 * count(*) FILTER (WHERE {P})",
            where=f"{P} AND NOT weekend",
            noun="weekday purchases",
        ),
        *[
            _share(
                name=f"{part}_activity_share",
                family=f,
                description=f"Share of activity in the {part} ({cond}).",
                where=cond,
                base="true",
                noun=f"{part} events",
            )
            for part, cond in DAYPARTS.items()
        ],
        _gene(
            name="night_owl",
            family=f,
            description="30% or more of activity between 22:00 and 06:00 (10 or more events).",
            type="flag",
            expression=f"count(*) >= 10 AND count(*) FILTER (WHERE {DAYPARTS['night']}) >= 0.3 * count(*)",
            where=DAYPARTS["night"],
            noun="night-time events",
        ),
        _gene(
            name="early_bird",
            family=f,
            description="40% or more of activity before noon (10 or more events).",
            type="flag",
            expression=f"count(*) >= 10 AND count(*) FILTER (WHERE {DAYPARTS['morning']}) >= 0.4 * count(*)",
            where=DAYPARTS["morning"],
            noun="morning events",
        ),
        _gene(
            name="preferred_day",
            family=f,
            description="Day of the week with most purchases (the earlier day on a tie).",
            type="category",
            expression=_most([f"count(*) FILTER (WHERE {P} AND dow = {i})" for i in range(1, 8)], DAYS),
        ),
        _gene(
            name="preferred_daypart",
            family=f,
            description="Part of the day with most activity (preferred contact time; the earlier part on a tie).",
            type="category",
            expression=_most([f"count(*) FILTER (WHERE {c})" for c in DAYPARTS.values()], tuple(DAYPARTS)),
        ),
    ]
    return Family(
        name=f,
        relation="SELECT * FROM _ev WHERE event_type IN ('purchase', 'view', 'search', 'cart', 'email_open', "
        "'email_click', 'post', 'store_visit')",
        genes=tuple(genes),
        description="Day-of-week and time-of-day habits.",
    )


def price_family() -> Family:
    f = "price_and_discount"
    genes = [
        _share(
            name="premium_share",
            family=f,
            description="Share of purchases in the top fifth of their category's prices.",
            where="price_band = 'premium'",
            base=P,
            noun="premium-priced purchases",
        ),
        _share(
            name="budget_share",
            family=f,
            description="Share of purchases in the bottom fifth of their category's prices.",
            where="price_band = 'budget'",
            base=P,
            noun="budget-priced purchases",
        ),
        _gene(
            name="price_band",
            family=f,
            description="Price band bought most often (budget, mid, premium).",
            type="category",
            expression=_most([f"count(*) FILTER (WHERE {P} AND price_band = '{band}')" for band in PRICE_BANDS],
                             PRICE_BANDS),
        ),
        _share(
            name="discount_share",
            family=f,
            description="Share of purchases made on discount.",
            where="discount",
            base=P,
            noun="discounted purchases",
        ),
        _share(
            name="coupon_share",
            family=f,
            description="Share of purchases with a coupon.",
            where="coupon",
            base=P,
            noun="coupon purchases",
        ),
        _flag(
            name="coupon_user",
            family=f,
            description="Used a coupon on two or more purchases.",
            where=f"{P} AND coupon",
            noun="coupon purchases",
            at_least=2,
        ),
        _gene(
            name="full_price_only",
            family=f,
            description="Three or more purchases, none discounted.",
            type="flag",
            expression=f"count(*) FILTER (WHERE {P}) >= 3 AND count(*) FILTER (WHERE {P} AND discount) = 0",
            where=P,
            noun="purchases",
        ),
        _gene(
            name="weekend_coupon_only",
            family=f,
            description="Redeems coupons only at weekends (two or more coupons).",
            type="flag",
            expression=f"count(*) FILTER (WHERE {P} AND coupon) >= 2 "
            f"AND count(*) FILTER (WHERE {P} AND coupon AND NOT weekend) = 0",
            where=f"{P} AND coupon",
            noun="coupon purchases",
        ),
    ]
    return Family(
        name=f,
        relation="SELECT * FROM _ev WHERE event_type = 'purchase'",
        genes=tuple(genes),
        description="Price band, premium share, discount and coupon use.",
    )


def _most(counts: list[str], labels: tuple[str, ...]) -> str:
    """The label of the largest of `counts`, the first on a tie, NULL when all are 0.

    Written with greatest() over counts the family computes anyway: several
    times faster than mode() over every event, and ties are settled the same
    way every time.
    """
    cases = " ".join(f"WHEN {c} THEN '{label}'" for c, label in zip(counts, labels))
    return f"CASE greatest({', '.join(counts)}) WHEN 0 THEN NULL {cases} END"


def consent_family() -> Family:
    f = "consent"
    genes = []
    for purpose in ("marketing", "profiling"):
        where = f"event_type = 'consent' AND consent_purpose = '{purpose}'"
        genes.append(
            _gene(
                name=f"consent_{purpose}",
                family=f,
                description=f"Latest decision grants {purpose} consent.",
                type="flag",
                expression=f"coalesce(arg_max(consent_granted, occurred_at) FILTER (WHERE {where}), false)",
                where=where,
                noun=f"{purpose} consent decisions",
            )
        )
        genes.append(
            _gene(
                name=f"consent_{purpose}_withdrawn",
                family=f,
                description=f"Granted {purpose} consent once and withdrew it later.",
                type="flag",
                expression=f"count(*) FILTER (WHERE {where} AND consent_granted) > 0 AND NOT "
                f"coalesce(arg_max(consent_granted, occurred_at) FILTER (WHERE {where}), false)",
                where=where,
                noun=f"{purpose} consent decisions",
            )
        )
    return Family(
        name=f,
        relation="SELECT * FROM _ev WHERE event_type = 'consent'",
        genes=tuple(genes),
        description="Consent state per purpose, from the latest decision.",
    )


CATEGORY_STATS = f"""
SELECT cust, category,
  count(*) FILTER (WHERE {P}) AS purchases,
  count(*) FILTER (WHERE {P} AND days_ago <= 30) AS purchases_30d,
  count(*) FILTER (WHERE {P} AND days_ago <= 90) AS purchases_90d,
  count(*) FILTER (WHERE {P} AND days_ago <= 365) AS purchases_365d,
  coalesce(fsum(amount) FILTER (WHERE {P} AND days_ago <= 365), 0) AS spend_365d,
  min(days_ago) FILTER (WHERE {P}) AS days_since,
  max(days_ago) FILTER (WHERE {P}) AS days_since_first,
  count(*) FILTER (WHERE {V} AND days_ago <= 90) AS views_90d,
  count(*) FILTER (WHERE event_type = 'cart' AND days_ago <= 90) AS carts_90d,
  count(*) FILTER (WHERE {R}) AS returns,
  count(*) FILTER (WHERE {P} AND weekend) AS weekend_purchases,
  count(*) FILTER (WHERE {P} AND discount) AS discount_purchases,
  favg(unit_price) FILTER (WHERE {P}) AS avg_price,
  count(*) FILTER (WHERE {P} AND channel = 'store') AS store_purchases,
  count(*) FILTER (WHERE {P} AND channel IN ('web', 'app')) AS online_purchases,
  count(*) FILTER (WHERE event_type IN ('view', 'cart', 'purchase', 'search')) AS interest
FROM _ev WHERE category IS NOT NULL
GROUP BY cust, category
"""
CATEGORY_STAT_NAMES = (
    "purchases",
    "purchases_30d",
    "purchases_90d",
    "purchases_365d",
    "spend_365d",
    "days_since",
    "days_since_first",
    "views_90d",
    "carts_90d",
    "returns",
    "weekend_purchases",
    "discount_purchases",
    "avg_price",
    "store_purchases",
    "online_purchases",
    "interest",
)


def category_family(categories: tuple[str, ...], spellings: tuple[str, ...] = ()) -> Family:
    """Seventeen genes per product category, so every new category brings its own. `spellings` are the
    spellings merged into them: a category is as sensitive as any of its spellings."""
    f = "category"
    pivot = Pivot(
        CATEGORY_STATS,
        "category",
        categories,
        CATEGORY_STAT_NAMES,
        totals=("purchases", "interest"),
        rank_by="purchases",
        fractional=("spend_365d", "avg_price"),
    )
    genes: list[Gene] = []
    marked = sensitivities((*categories, *spellings))
    for value in categories:
        k, is_k = slug(value), f"category = {sql_literal(value)}"
        v = _readable(value)
        cell = lambda stat: pivot.cell(value, stat)  # noqa: E731
        known = lambda stat: f"coalesce({cell(stat)}, 0)"  # noqa: E731
        sens = marked[str(value)]
        bought = f"{P} AND {is_k}"

        def g(
            name,
            label,
            description,
            type_,
            expression,
            *,
            unit=None,
            fill=None,
            where=bought,
            noun=f"{value} purchases",
        ):
            genes.append(
                _gene(
                    name=name,
                    family=f,
                    description=description,
                    type=type_,
                    expression=expression,
                    unit=unit,
                    fill=fill,
                    where=where,
                    noun=noun,
                    sensitivity=sens,
                    label=sentence(label),
                )
            )

        g(f"bought_{k}", f"bought {v}", f"Has bought {value}.", "flag", f"{known('purchases')} > 0")
        for d in WINDOWS:
            g(
                f"{k}_purchases_{d}d",
                f"{v} purchases, last {d} days",
                f"Purchases of {value} in the last {d} days.",
                "number",
                cell(f"purchases_{d}d"),
                unit="purchases",
                fill="0",
                where=f"{bought} AND days_ago <= {d}",
            )
        g(
            f"{k}_spend_365d",
            f"{v} spend, last 365 days",
            f"Spend on {value} in the last 365 days.",
            "number",
            f"round({cell('spend_365d')}, 2)",
            unit="USD",
            fill="0",
            where=f"{bought} AND days_ago <= 365",
        )
        g(
            f"{k}_affinity",
            f"{v} share of purchases",
            f"Share of all purchases that are {value}.",
            "number",
            f"round({cell('purchases')} / nullif(all_purchases, 0), 4)",
            unit="share",
        )
        g(
            f"{k}_days_since",
            f"days since last bought {v}",
            f"Days since {value} was last bought.",
            "number",
            cell("days_since"),
            unit="days",
        )
        g(
            f"{k}_days_since_first",
            f"days since first bought {v}",
            f"Days since {value} was first bought.",
            "number",
            cell("days_since_first"),
            unit="days",
        )
        g(
            f"{k}_views_90d",
            f"{v} views, last 90 days",
            f"Views of {value} in the last 90 days.",
            "number",
            cell("views_90d"),
            unit="views",
            fill="0",
            where=f"{V} AND {is_k} AND days_ago <= 90",
            noun=f"{value} views",
        )
        g(
            f"{k}_carts_90d",
            f"{v} add-to-carts, last 90 days",
            f"{value} added to cart in the last 90 days.",
            "number",
            cell("carts_90d"),
            unit="add-to-carts",
            fill="0",
            where=f"event_type = 'cart' AND {is_k} AND days_ago <= 90",
            noun=f"{value} add-to-carts",
        )
        g(
            f"{k}_browser",
            f"browses {v} without buying",
            f"Viewed {value} 3+ times in 90 days without buying it in 90 days.",
            "flag",
            f"{known('views_90d')} >= 3 AND {known('purchases_90d')} = 0",
            where=f"{V} AND {is_k} AND days_ago <= 90",
            noun=f"{value} views",
        )
        g(
            f"returned_{k}",
            f"returned {v}",
            f"Has returned {value}.",
            "flag",
            f"{known('returns')} > 0",
            where=f"{R} AND {is_k}",
            noun=f"{value} returns",
        )
        g(
            f"{k}_weekend_share",
            f"{v} bought at weekends (share)",
            f"Share of {value} purchases made at weekends.",
            "number",
            f"round({cell('weekend_purchases')} / nullif({cell('purchases')}, 0), 4)",
            unit="share",
            where=f"{bought} AND weekend",
            noun=f"weekend {value} purchases",
        )
        g(
            f"{k}_discount_share",
            f"{v} bought on discount (share)",
            f"Share of {value} purchases made on discount.",
            "number",
            f"round({cell('discount_purchases')} / nullif({cell('purchases')}, 0), 4)",
            unit="share",
            where=f"{bought} AND discount",
            noun=f"discounted {value} purchases",
        )
        g(
            f"{k}_avg_price",
            f"{v} average price",
            f"Average price paid per {value} item.",
            "number",
            f"round({cell('avg_price')}, 2)",
            unit="USD",
        )
        g(
            f"{k}_interest",
            f"{v} activity, all time",
            f"Views, searches, add-to-carts and purchases of {value}, all time.",
            "number",
            cell("interest"),
            unit="events",
            fill="0",
            where=f"{is_k} AND event_type IN ('view', 'cart', 'purchase', 'search')",
            noun=f"{value} events",
        )
        g(
            f"{k}_store_buyer",
            f"bought {v} in a store",
            f"Has bought {value} in a store.",
            "flag",
            f"{known('store_purchases')} > 0",
            where=f"{bought} AND channel = 'store'",
            noun=f"{value} store purchases",
        )
        g(
            f"{k}_online_buyer",
            f"bought {v} online",
            f"Has bought {value} online (web or app).",
            "flag",
            f"{known('online_purchases')} > 0",
            where=f"{bought} AND channel IN ('web', 'app')",
            noun=f"{value} online purchases",
        )
    bought_any = " + ".join(f"CASE WHEN {pivot.cell(v, 'purchases')} > 0 THEN 1 ELSE 0 END" for v in categories)
    genes.append(
        _gene(
            name="favourite_category",
            family=f,
            description="Category bought most often.",
            type="category",
            expression="top_category",
        )
    )
    genes.append(
        _gene(
            name="category_interest_total",
            family=f,
            description="Views, searches, add-to-carts and purchases of any category, all time.",
            type="number",
            expression="all_interest",
            unit="events",
            fill="0",
        )
    )
    genes.append(
        _gene(
            name="categories_bought",
            family=f,
            description="Number of distinct categories bought.",
            type="number",
            expression=f"({bought_any or '0'})",
            unit="categories",
            fill="0",
        )
    )
    genes.append(
        _gene(
            name="category_explorer",
            family=f,
            description="Has bought from eight or more categories.",
            type="flag",
            expression=f"({bought_any or '0'}) >= 8",
        )
    )
    return Family(
        name=f,
        relation="",
        genes=tuple(genes),
        description="Per product category: purchases, spend, affinity, views, returns.",
        pivot=pivot,
    )


CHANNEL_STATS = f"""
SELECT cust, channel,
  count(*) AS events,
  count(*) FILTER (WHERE days_ago <= 365) AS events_365d,
  count(*) FILTER (WHERE {P}) AS purchases,
  min(days_ago) AS days_since,
  count(*) + 1000000 * count(*) FILTER (WHERE {P}) AS preference
FROM _ev GROUP BY cust, channel
"""


def channel_family(channels: tuple[str, ...]) -> Family:
    f = "channel"
    pivot = Pivot(
        CHANNEL_STATS,
        "channel",
        channels,
        ("events", "events_365d", "purchases", "days_since", "preference"),
        totals=("events", "purchases"),
        rank_by="preference",
    )
    genes: list[Gene] = []
    used = []
    for value in channels:
        c, is_c = slug(value), f"channel = {sql_literal(value)}"
        cell = lambda stat: pivot.cell(value, stat)  # noqa: E731
        noun = f"{value} events"
        used.append(f"CASE WHEN {cell('events')} > 0 THEN 1 ELSE 0 END")
        genes += [
            _gene(
                name=f"uses_{c}",
                family=f,
                description=f"Has any {value} activity.",
                type="flag",
                expression=f"coalesce({cell('events')}, 0) > 0",
                where=is_c,
                noun=noun,
                label=f"Uses {_readable(value)}",
            ),
            _gene(
                name=f"{c}_events_365d",
                family=f,
                description=f"{value} events in the last 365 days.",
                type="number",
                expression=cell("events_365d"),
                unit="events",
                fill="0",
                where=f"{is_c} AND days_ago <= 365",
                noun=noun,
                label=sentence(f"{_readable(value)} activity, last 365 days"),
            ),
            _gene(
                name=f"{c}_event_share",
                family=f,
                description=f"Share of all activity on {value}.",
                type="number",
                expression=f"round({cell('events')} / nullif(all_events, 0), 4)",
                unit="share",
                where=is_c,
                noun=noun,
                label=f"Share of activity on {_readable(value)}",
            ),
            _gene(
                name=f"{c}_purchase_share",
                family=f,
                description=f"Share of purchases made on {value}.",
                type="number",
                expression=f"round({cell('purchases')} / nullif(all_purchases, 0), 4)",
                unit="share",
                where=f"{P} AND {is_c}",
                noun=f"{value} purchases",
                label=f"Share of purchases on {_readable(value)}",
            ),
            _gene(
                name=f"days_since_{c}",
                family=f,
                description=f"Days since the latest {value} activity.",
                type="number",
                expression=cell("days_since"),
                unit="days",
                where=is_c,
                noun=noun,
                label=f"Days since last {_readable(value)} activity",
            ),
        ]
    channels_used = f"({' + '.join(used) or '0'})"
    genes += [
        _gene(
            name="channels_used",
            family=f,
            description="Number of channels the customer uses.",
            type="number",
            expression=channels_used,
            unit="channels",
            fill="0",
        ),
        _gene(
            name="omnichannel",
            family=f,
            description="Uses three or more channels.",
            type="flag",
            expression=f"{channels_used} >= 3",
        ),
        _gene(
            name="preferred_channel",
            family=f,
            description="Channel with most purchases (most activity when none).",
            type="category",
            expression="top_channel",
        ),
    ]
    return Family(
        name=f,
        relation="",
        genes=tuple(genes),
        description="Per channel: use, share of activity and purchases, recency.",
        pivot=pivot,
    )


STORE_STATS = """
SELECT cust, store_id,
  count(*) AS visits,
  count(*) FILTER (WHERE days_ago <= 365) AS visits_365d,
  min(days_ago) AS days_since
FROM _ev WHERE store_id IS NOT NULL AND event_type IN ('store_visit', 'purchase', 'return')
GROUP BY cust, store_id
"""


def store_family(stores: tuple[str, ...]) -> Family:
    f = "store"
    pivot = Pivot(
        STORE_STATS, "store_id", stores, ("visits", "visits_365d", "days_since"), totals=("visits",), rank_by="visits"
    )
    genes: list[Gene] = []
    visited = []
    for value in stores:
        s, lit = slug(value), sql_literal(value)
        cell = lambda stat: pivot.cell(value, stat)  # noqa: E731
        where = f"store_id = {lit} AND event_type IN ('store_visit', 'purchase', 'return')"
        visited.append(f"CASE WHEN {cell('visits')} > 0 THEN 1 ELSE 0 END")
        genes += [
            _gene(
                name=f"store_{s}_visits_365d",
                family=f,
                description=f"Visits and purchases at store {value} in the last 365 days.",
                type="number",
                expression=cell("visits_365d"),
                unit="visits",
                fill="0",
                where=f"{where} AND days_ago <= 365",
                noun=f"store {value} visits",
                label=f"Visits to store {value}, last 365 days",
            ),
            _gene(
                name=f"favours_store_{s}",
                family=f,
                description=f"Store {value} is where the customer shops most.",
                type="flag",
                expression=f"coalesce(top_store_id = {lit}, false)",
                where=where,
                noun=f"store {value} visits",
                label=f"Shops most at store {value}",
            ),
            _gene(
                name=f"store_{s}_days_since",
                family=f,
                description=f"Days since the latest visit to store {value}.",
                type="number",
                expression=cell("days_since"),
                unit="days",
                where=where,
                noun=f"store {value} visits",
                label=f"Days since last visit to store {value}",
            ),
        ]
    genes += [
        _gene(
            name="favourite_store",
            family=f,
            description="Store visited most often.",
            type="category",
            expression="top_store_id",
        ),
        _gene(
            name="stores_visited",
            family=f,
            description="Number of distinct stores visited.",
            type="number",
            expression=f"({' + '.join(visited) or '0'})",
            unit="stores",
            fill="0",
        ),
        _gene(
            name="store_visits_total",
            family=f,
            description="Store visits and in-store purchases, all time.",
            type="number",
            expression="all_visits",
            unit="visits",
            fill="0",
        ),
    ]
    return Family(
        name=f, relation="", genes=tuple(genes), description="Per store: visits, favoured store, recency.", pivot=pivot
    )


# Recent places weigh more: a customer who moved lives where they shop now.
CITY_STATS = """
SELECT cust, city,
  count(*) AS events,
  count(*) FILTER (WHERE days_ago <= 180) * 1000000 + count(*) AS residence
FROM _ev WHERE city IS NOT NULL GROUP BY cust, city
"""


def city_family(cities: tuple[str, ...]) -> Family:
    f = "city"
    pivot = Pivot(CITY_STATS, "city", cities, ("events", "residence"), totals=("events",), rank_by="residence")
    seen = []
    genes = [
        _gene(
            name="home_city",
            family=f,
            description="City the customer lives in: where they shop and ship to, recent months first.",
            type="category",
            expression="top_city",
        )
    ]
    for value in cities:
        c, lit = slug(value), sql_literal(value)
        cell = pivot.cell(value, "events")
        seen.append(f"CASE WHEN {cell} > 0 THEN 1 ELSE 0 END")
        genes.append(
            _gene(
                name=f"lives_in_{c}",
                family=f,
                description=f"Lives in {value}.",
                type="flag",
                expression=f"coalesce(top_city = {lit}, false)",
                where=f"city = {lit}",
                noun=f"events in {value}",
                label=f"Lives in {value}",
            )
        )
        genes.append(
            _gene(
                name=f"{c}_events_total",
                family=f,
                description=f"Events located in {value} (stores, shipping).",
                type="number",
                expression=cell,
                unit="events",
                fill="0",
                where=f"city = {lit}",
                noun=f"events in {value}",
                label=f"Activity in {value}, all time",
            )
        )
    genes.append(
        _gene(
            name="cities_seen",
            family=f,
            description="Number of distinct cities in the customer's events.",
            type="number",
            expression=f"({' + '.join(seen) or '0'})",
            unit="cities",
            fill="0",
        )
    )
    genes.append(
        _gene(
            name="multi_city_shopper",
            family=f,
            description="Events in three or more cities.",
            type="flag",
            expression=f"({' + '.join(seen) or '0'}) >= 3",
        )
    )
    return Family(
        name=f, relation="", genes=tuple(genes), description="Where the customer lives and shops.", pivot=pivot
    )


def profile_family(attributes: tuple[str, ...]) -> Family:
    """One gene per imported customer attribute (age band, income band, household, children), labelled with what
    it reveals: customer attributes describe a person, so each is sensitive."""
    f = "profile"
    genes = []
    for attribute in attributes:
        genes.append(
            _gene(
                name=f"profile_{slug(attribute)}",
                family=f,
                description=f"{_readable(attribute)} as the retailer recorded it (imported customer attribute).",
                type="category",
                expression=f"max(value) FILTER (WHERE attribute = {sql_literal(attribute)})",
                sensitivity=sensitivity_of(attribute) or "demographic",
                label=sentence(_readable(attribute)),
            )
        )
    relation = (
        "SELECT x.cust, a.attribute, a.value FROM customer_attributes a "
        "JOIN _identifier_index x ON x.identifier = a.identifier"
    )
    return Family(
        name=f,
        relation=relation,
        genes=tuple(genes),
        description="What the retailer knows about the customer: imported attributes.",
    )


def event_families(vocabulary: Vocabulary) -> list[Family]:
    families = [
        rfm_family(),
        engagement_family(),
        habits_family(),
        price_family(),
        consent_family(),
        category_family(vocabulary.categories, tuple(vocabulary.merged.get("category", {}))),
        channel_family(vocabulary.channels),
        store_family(vocabulary.stores),
        city_family(vocabulary.cities),
    ]
    if vocabulary.attributes:
        families.append(profile_family(vocabulary.attributes))
    return families
