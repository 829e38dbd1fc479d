"""One customer's whole profile, as service staff need it, from the store and (optionally) the saved segments.

Grain: one profile per customer_id. Every section reads the store at the
moment of asking (identities, consent and events are never older than the
last ingest; genes and model scores are as of the last build and fit):

- identities, with the event that proved each link, and refused links;
- consent per purpose now, and its history;
- the genes that matter, grouped by family, each with its description;
- life events, loyalty tier and what the next tier needs;
- expected value, chance of being active, churn risk and the next best action;
- recommendations by product name, saved segments the customer is in,
  campaigns received;
- a timeline across channels (filtered by channel, paged), service tickets and
  returns, with advice for settling a return.

E-mails and phones are masked unless the acting role may reveal them; reading
a profile at all is for the roles `genome.access` allows, and every look is
audited (`genome.audit`).
"""

import json
import math
import re
import uuid

import duckdb

from genome.access import allowed, require
from genome.audit import record_look
from genome.consent_changes import insert_events, waiting
from genome.errors import UnknownCustomer
from genome.genes.explain import format_value
from genome.genes.lifetime import WHY
from genome.models.loyalty import TIERS
from genome.models.published import recommendations_for
from genome.sensitivity import SPECIAL_CATEGORIES, sensitivity_of
from genome.service.advice import next_best_action, returns_support
from genome.service.masking import mask
from genome.store_settings import store_setting
from genome.today import built_today
from store.duck import table_exists

PAGE_SIZE = 25
SPEND_SUFFIX = " spend, last 365 days"  # how a category's spend gene is labelled ("Cleaning spend, last 365 days")

# Families shown, in this order; per-category, store and city genes are summed up as favourite categories.
FAMILIES = ("value", "lifetime_value", "predictions", "loyalty", "persona", "combination", "taste", "life_events",
            "habits", "recency_frequency_monetary", "engagement", "channel", "price_and_discount", "consent",
            "profile")
FAVOURITES = 5
EVENT_COLUMNS = ("occurred_at", "channel", "event_type", "product", "category", "amount", "store_id", "city", "text")
CONTACT_EVENT_TYPES = ("campaign_receipt", "email_open", "email_click", "coupon_redemption")


def _known(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _customer(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict:
    row = con.execute("SELECT customer_id, n_identifiers, n_events, first_seen, last_seen FROM customers "
                      "WHERE customer_id = ?", [customer_id]).fetchone()
    if row is None:
        raise UnknownCustomer(f"no customer has the id {customer_id!r}")
    return dict(zip(("customer_id", "identifiers", "events", "first_seen", "last_seen"), row))


def _identities(con, customer_id: str, reveal: bool) -> tuple[list[dict], list[dict], list[str]]:
    rows = con.execute(
        "SELECT i.identifier, i.kind, i.value, i.first_seen, "
        "       (SELECT min(l.event_id) FROM identity_links l WHERE l.identifier = i.identifier "
        "        OR l.other = i.identifier) AS proved_by "
        "FROM identifiers i WHERE i.customer_id = ? ORDER BY i.first_seen, i.identifier", [customer_id]).fetchall()
    identities = [{"kind": kind, "value": value if reveal else mask(kind, value), "first_seen": first,
                   "proved_by": proved or "its own events (the only identifier of this customer)"}
                  for _, kind, value, first, proved in rows]
    ids = [r[0] for r in rows]
    refused = con.execute(
        "SELECT identifier, other, event_id, reason FROM identity_refusals "
        "WHERE identifier IN (SELECT unnest(?)) OR other IN (SELECT unnest(?)) ORDER BY event_id", [ids, ids]
    ).fetchall()

    def shown(identifier: str) -> str:
        kind, _, value = identifier.partition(":")
        return f"{kind}:{value if reveal else mask(kind, value)}"

    refusals = [{"identifier": shown(a), "other": shown(b), "event_id": e, "reason": r} for a, b, e, r in refused]
    return identities, refusals, ids


class _Events:
    """The customer's events, read from the store once and queried as a small table: on a large store each
    section would otherwise scan every event again.

    With the build's `event_rows` (events in identifier order, with their rowids) the events are found by one
    sorted look-up per identifier plus those ingested since the build; without it, by one scan of `events`.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, identifiers: list[str]):
        self.con = con
        self.name = f"profile_events_{uuid.uuid4().hex}"
        upto = store_setting(con, "event_rows_upto") if table_exists(con, "event_rows") else None
        if upto is None:
            con.execute(f"CREATE TEMP TABLE {self.name} AS SELECT * FROM events "
                        "WHERE anchor IN (SELECT unnest(?))", [identifiers])
            return
        rows = [r[0] for identifier in identifiers for r in con.execute(
            "SELECT event_row FROM event_rows WHERE anchor = ?", [identifier]).fetchall()]
        # the anchor test again: a row found by position is only ever this customer's
        con.execute(f"CREATE TEMP TABLE {self.name} AS "
                    "SELECT * FROM events WHERE rowid IN (SELECT unnest(?)) AND anchor IN (SELECT unnest(?)) "
                    "UNION ALL SELECT * FROM events WHERE rowid > ? AND anchor IN (SELECT unnest(?))",
                    [rows, identifiers, int(upto), identifiers])

    def sql(self, query: str, params: list | None = None):
        """Run `query`, in which the word EV names this customer's events."""
        return self.con.execute(re.sub(r"\bEV\b", self.name, query), params or [])

    def close(self) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {self.name}")


def _consent(events: _Events) -> dict:
    decisions = ("SELECT occurred_at, lower(trim(json_extract_string(attributes, '$.purpose'))) AS purpose, "
                 "       CAST(json_extract(attributes, '$.granted') AS BOOLEAN) AS granted, channel, "
                 "       json_extract_string(attributes, '$.reason') AS reason, event_id "
                 "FROM EV WHERE event_type = 'consent'")
    # the latest decision per purpose, as `consent_latest` reads it for every customer
    now = events.sql(f"SELECT purpose, arg_max(granted, (occurred_at, event_id)), max(occurred_at) "
                     f"FROM ({decisions}) GROUP BY purpose ORDER BY purpose").fetchall()
    history = events.sql(f"{decisions} ORDER BY occurred_at DESC, event_id").fetchall()
    return {"now": [{"purpose": p, "granted": g, "decided_at": d} for p, g, d in now],
            "history": [dict(zip(("occurred_at", "purpose", "granted", "channel", "reason", "event_id"), r))
                        for r in history]}


# genes the advice and the outlook read, whatever their family
OUTLOOK_GENES = ("clv_12m", "p_alive", "churn_risk_90d", "churn_risk_90d_pct", "purchase_propensity_30d",
                 "purchase_propensity_30d_pct", "value_decile", "new_customer_90d", "purchases_total",
                 "returns_total", "spend_365d", "loyalty_tier")


def _genes(con, customer_id: str) -> tuple[dict, dict[str, list[dict]], list[dict], dict[str, str]]:
    """The customer's values, the genes shown by family, the favourite categories and every read gene's
    description."""
    catalog = con.execute(
        "SELECT name, label, family, type, unit, description, sensitivity FROM gene_catalog "
        "WHERE family IN (SELECT unnest(?)) OR (family = 'category' AND name LIKE '%\\_spend\\_365d' ESCAPE '\\') "
        "OR name IN (SELECT unnest(?))", [list(FAMILIES), list(OUTLOOK_GENES)]).fetchall()
    if not catalog:
        return {}, {}, [], {}
    # only the columns shown: a grocer's genome has thousands
    columns = ", ".join('"' + name.replace('"', '""') + '"' for name, *_ in catalog)
    row = con.execute(f"SELECT {columns} FROM customer_genes WHERE customer_id = ?", [customer_id]).fetchone()
    if row is None:
        return {}, {}, [], {}
    values = {name: value for (name, *_), value in zip(catalog, row)}
    labels = {name: label for name, label, *_ in catalog}
    grouped: dict[str, list[dict]] = {}
    spend = []
    for name, label, family, type_, unit, description, sensitivity in catalog:
        value = values[name]
        if not _known(value) or name.endswith(("_pct", "_fallback")):
            continue
        if family == "category":
            if float(value) > 0:
                spend.append((float(value), name, label, sensitivity))
            continue
        if family not in FAMILIES or (family == "loyalty" and name != "loyalty_tier"):
            continue
        if type_ == "flag" and not bool(value):
            continue
        # what is not there says little: no purchases last month, a 0% share; a taste shows as its fan flag
        if type_ == "number" and (float(value) == 0 or family == "taste"):
            continue
        # a value that names another gene (the top taste profile) reads as that gene's label
        shown = labels.get(value, value) if type_ == "category" and isinstance(value, str) else value
        grouped.setdefault(family, []).append({
            "name": name, "label": label, "value": format_value(shown, unit), "description": description,
            "sensitivity": sensitivity})
    # named by the category alone: the list is headed "spend, last 365 days" once
    favourites = [{"name": name, "label": label.removesuffix(SPEND_SUFFIX), "value": format_value(amount, "USD"),
                   "sensitivity": sensitivity}
                  for amount, name, label, sensitivity in sorted(spend, key=lambda x: -x[0])[:FAVOURITES]]
    ordered = {f: grouped[f] for f in FAMILIES if f in grouped}
    return values, ordered, favourites, {name: description for name, _l, _f, _t, _u, description, _s in catalog}


def _loyalty(con, values: dict) -> dict | None:
    tier = values.get("loyalty_tier")
    if not _known(tier):
        return None
    row = con.execute("SELECT card FROM model_cards WHERE name = 'loyalty_tiers'").fetchone() \
        if table_exists(con, "model_cards") else None
    out = {"tier": tier, "next_tier": None, "needs": None}
    if row is None:
        return out
    cuts = json.loads(row[0]).get("metrics", {}).get("thresholds", {}).get("loyalty_tier")
    spend = values.get("spend_365d")
    if cuts and tier in TIERS and TIERS.index(tier) > 0 and _known(spend):
        above = TIERS[TIERS.index(tier) - 1]
        out |= {"next_tier": above, "needs": max(float(cuts[TIERS.index(above)]) - float(spend), 0.0),
                "spend_12m": float(spend)}
    return out


def _recommendations(con, customer_id: str) -> list[dict]:
    """Every recommendation in rank order. A catalogue often gives one name to several products (three
    'SHREDDED CHEESE 8 OZ' of different brands): all are shown, a repeated name told apart by its brand when
    the brands differ, else by its product id."""
    rows = recommendations_for(con, customer_id)
    names = [r.name if _known(r.name) else r.product_id for r in rows.itertuples()]
    brands = rows["brand"].tolist()
    shown = []
    for rank, (r, name, brand) in enumerate(zip(rows.itertuples(), names, brands), start=1):
        alike = [b for n, b in zip(names, brands) if n == name]
        if len(alike) > 1:
            distinct_brands = _known(brand) and sum(1 for b in alike if b == brand) == 1
            name = f"{name} ({brand})" if distinct_brands else f"{name} (product {r.product_id})"
        shown.append({"rank": rank, "product_id": r.product_id, "name": name,
                      "category": r.category if _known(r.category) else None})
    return shown


def suggestable(recommendations: list[dict]) -> str | None:
    """The first recommended product staff may suggest in a next best action: not one of a special category
    (alcohol, tobacco, health, children...), which a suggestion would reveal or push."""
    return next((r["name"] for r in recommendations
                 if sensitivity_of(r["category"], r["name"]) not in SPECIAL_CATEGORIES), None)


def _life_events(con, customer_id: str) -> list[dict]:
    if not table_exists(con, "customer_life_events"):
        return []
    rows = con.execute("SELECT event, event_date, posts, probability FROM customer_life_events "
                       "WHERE customer_id = ? ORDER BY event_date DESC", [customer_id]).fetchall()
    return [{"event": e.replace("_", " "), "date": d, "posts": p, "probability": pr} for e, d, p, pr in rows]


def _campaigns(events: _Events) -> list[dict]:
    rows = events.sql(
        "SELECT coalesce(json_extract_string(attributes, '$.campaign_id'), "
        "                json_extract_string(attributes, '$.campaign')) AS campaign, "
        "       min(occurred_at), max(occurred_at), "
        "       count(*) FILTER (WHERE event_type = 'campaign_receipt'), "
        "       count(*) FILTER (WHERE event_type = 'email_open'), "
        "       count(*) FILTER (WHERE event_type = 'email_click'), "
        "       count(*) FILTER (WHERE event_type = 'coupon_redemption') "
        "FROM EV WHERE event_type IN (SELECT unnest(?)) "
        "GROUP BY campaign HAVING campaign IS NOT NULL ORDER BY 2 DESC", [list(CONTACT_EVENT_TYPES)]).fetchall()
    return [dict(zip(("campaign", "first", "last", "received", "opened", "clicked", "redeemed"), r)) for r in rows]


def _service(events: _Events) -> tuple[list[dict], list[dict]]:
    tickets = events.sql(
        "SELECT occurred_at, channel, json_extract_string(attributes, '$.topic'), text FROM EV "
        "WHERE event_type = 'ticket' ORDER BY occurred_at DESC").fetchall()
    returns = events.sql(
        "SELECT occurred_at, channel, product_id, category, amount, json_extract_string(attributes, '$.reason') "
        "FROM EV WHERE event_type = 'return' ORDER BY occurred_at DESC").fetchall()
    return ([dict(zip(("occurred_at", "channel", "topic", "text"), r)) for r in tickets],
            [dict(zip(("occurred_at", "channel", "product_id", "category", "amount", "reason"), r)) for r in returns])


def timeline(con: duckdb.DuckDBPyConnection, customer_id: str, *, channel: str | None = None, page: int = 1,
             page_size: int = PAGE_SIZE, meta=None) -> dict:
    """The customer's events, newest first, one page at a time, optionally on one channel only; with the
    metadata session `meta`, consent decisions recorded by staff and not yet in the store are among them."""
    _customer(con, customer_id)
    ids = [r[0] for r in con.execute("SELECT identifier FROM identifiers WHERE customer_id = ?", [customer_id]
                                     ).fetchall()]
    events = _Events(con, ids)
    try:
        if meta is not None:
            insert_events(con, events.name, waiting(meta, customer_id=customer_id))
        return _timeline(con, events, channel=channel, page=page, page_size=page_size)
    finally:
        events.close()


def _timeline(con, events: _Events, *, channel: str | None, page: int, page_size: int) -> dict:
    page_size = min(max(int(page_size), 1), 500)
    where, params = ("WHERE channel = ?", [channel]) if channel else ("", [])
    total = events.sql(f"SELECT count(*) FROM EV {where}", params).fetchone()[0]
    page = min(max(int(page), 1), max(math.ceil(total / page_size), 1))  # past the last page: the last page
    channels = [r[0] for r in events.sql("SELECT DISTINCT channel FROM EV ORDER BY 1").fetchall()]
    named = table_exists(con, "products")
    rows = events.sql(
        # a till line without a category of its own is shown with its product's, as genes read it
        "SELECT e.occurred_at, e.channel, e.event_type, " + ("p.name" if named else "e.product_id")
        + (", coalesce(e.category, p.category)" if named else ", e.category")
        + ", e.amount, e.store_id, e.city, e.text FROM EV e "
        + ("LEFT JOIN (SELECT product_id, any_value(name) AS name, any_value(category) AS category FROM products "
           "WHERE product_id IN (SELECT product_id FROM EV) GROUP BY product_id) p USING (product_id) "
           if named else "")
        + where.replace("channel", "e.channel")
        + " ORDER BY e.occurred_at DESC, e.event_id LIMIT ? OFFSET ?", [*params, page_size, (page - 1) * page_size]
    ).fetchall()
    return {"total": int(total), "page": page, "pages": max(math.ceil(total / page_size), 1),
            "page_size": page_size, "channel": channel, "channels": channels,
            "events": [dict(zip(EVENT_COLUMNS, r)) for r in rows]}


def segments_of(meta, customer_id: str) -> list[dict]:
    """Saved segments whose latest version holds the customer (members as they were when it was saved)."""
    from genome.segments.library import latest_version, stored_members
    from store.meta import list_segments

    found = []
    for segment in list_segments(meta):
        version = latest_version(meta, segment.name)
        if version is None:
            continue
        ids = stored_members(meta, version).column("customer_id").to_pylist()
        if customer_id in ids:
            found.append({"segment": segment.name, "version": version.version, "saved_at": version.created_at})
    return found


def customer_profile(con: duckdb.DuckDBPyConnection, customer_id: str, *, actor: str, role: str, meta,
                     channel: str | None = None, page: int = 1, page_size: int = PAGE_SIZE) -> dict:
    """Everything service staff need about `customer_id`, for a role allowed to read profiles.

    Every look is written to the audit log in the metadata session `meta`, as a profile view and, when
    e-mails and phones are shown in full, an unmasked view.
    """
    require(role, "read_profiles", doing="Reading a customer's profile")
    reveal = allowed(role, "reveal_contacts")
    _customer(con, customer_id)  # an unknown id is refused before anything is logged
    record_look(meta, actor=actor, role=role, action="profile view", target=customer_id)
    if reveal:
        record_look(meta, actor=actor, role=role, action="unmasked view", target=customer_id,
                    detail="e-mails and phones shown in full")
    profile = {"customer": _customer(con, customer_id), "contacts_masked": not reveal}
    profile["identities"], profile["refusals"], ids = _identities(con, customer_id, reveal)
    events = _Events(con, ids)
    try:
        # consent decisions recorded by staff that the store has not taken in yet: part of the history already
        insert_events(con, events.name, waiting(meta, customer_id=customer_id))
        profile |= _from_events(con, events, channel=channel, page=page, page_size=page_size)
    finally:
        events.close()
    values, profile["genes"], profile["favourite_categories"], described = _genes(con, customer_id)
    profile["life_events"] = _life_events(con, customer_id)
    profile["loyalty"] = _loyalty(con, values)
    profile["recommendations"] = _recommendations(con, customer_id)
    marketing = any(c["purpose"] == "marketing" and c["granted"] for c in profile["consent"]["now"])
    first = suggestable(profile["recommendations"])
    profile["outlook"] = {
        "expected_value_12m": values.get("clv_12m"), "chance_active": values.get("p_alive"),
        "churn_risk_90d": values.get("churn_risk_90d"), "purchase_propensity_30d":
        values.get("purchase_propensity_30d"), "value_decile": values.get("value_decile"),
        "next_best_action": next_best_action(values, marketing_allowed=marketing, first_recommendation=first),
        # how each figure is worked out, as the catalog says: a rule's $0 beside a 53% chance still active reads
        # as a contradiction until one sees the value is the last 90 days' spend
        # (the how, not why the build chose it: that is for the catalog and the model card)
        "basis": {name: described[name].split(WHY)[0] for name in ("clv_12m", "p_alive", "churn_risk_90d")
                  if name in described},
        "days_since_last_purchase": values.get("days_since_last_purchase"),
        "genome_day": f"{day:%Y-%m-%d}" if (day := built_today(con)) else None}
    profile["segments"] = segments_of(meta, customer_id)
    profile["returns_support"] = returns_support(values)
    return _plain(profile)


def _from_events(con, events: _Events, *, channel, page, page_size) -> dict:
    tickets, returns = _service(events)
    return {"consent": _consent(events), "campaigns": _campaigns(events), "tickets": tickets, "returns": returns,
            "timeline": _timeline(con, events, channel=channel, page=page, page_size=page_size)}


def _plain(value):
    """JSON-ready: NaN as None, numpy and pandas scalars as Python ones (times stay datetimes)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return _plain(value.item())
        except (ValueError, AttributeError):
            return value
    return value
