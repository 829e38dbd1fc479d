"""The synthetic generator: customers, their events on every channel, and the latent truth.

One small data set (2,000 customers in three chunks) is generated once for the
module; a larger one (20,000) only where a statistic needs it.
"""

import json
import re
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

import synthetic
from genome.normalise import normalise_email, normalise_phone
from synthetic import catalogue as cd
from synthetic.texts import LIFE_EVENTS, POST_TEMPLATES

CUSTOMERS = 2_000
CHUNK = 800
START, END = date(2025, 3, 1), date(2026, 9, 30)
PLAUSIBLE = {
    "web": {"view", "search", "cart", "purchase", "review", "consent"},
    "app": {"view", "search", "cart", "purchase", "review", "consent"},
    "store": {"store_visit", "purchase", "return", "consent"},
    "wholesale": {"purchase", "return"},
    "service": {"ticket", "return"},
    "email": {"email_open", "email_click", "consent"},
    "social": {"post"},
}
IDENTIFIERS = ["customer_ref", "email", "phone", "loyalty_id", "device_id"]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    calls = []
    manifest = synthetic.generate(tmp_path_factory.mktemp("synth"), customers=CUSTOMERS, seed=7,
                              chunk_customers=CHUNK, progress=lambda done, total: calls.append((done, total)))
    return manifest, calls


@pytest.fixture(scope="module")
def manifest(generated) -> synthetic.SynthManifest:
    return generated[0]


@pytest.fixture(scope="module")
def events(manifest) -> pd.DataFrame:
    frames = []
    for source, paths in manifest.event_files.items():
        for path in paths:
            frame = pd.read_parquet(path)
            frame.insert(0, "source", source)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def truth(manifest) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(path) for name, path in manifest.truth_files.items()}


@pytest.fixture(scope="module")
def corrupt_ids(truth) -> set[str]:
    return set(truth["truth_corrupt_rows"].event_id)


@pytest.fixture(scope="module")
def clean(events, corrupt_ids) -> pd.DataFrame:
    return events[~events.event_id.isin(corrupt_ids)].copy()


@pytest.fixture(scope="module")
def normalised_ids(clean) -> pd.DataFrame:
    """The identifiers of clean rows as identity resolution would key them; kiosks left out."""
    phones = {raw: normalise_phone(raw) for raw in clean.phone.dropna().unique()}
    return pd.DataFrame({
        "customer_ref": clean.customer_ref,
        "email": clean.email.map(normalise_email, na_action="ignore"),
        "phone": clean.phone.map(phones),
        "loyalty_id": clean.loyalty_id,
        "device_id": clean.device_id.where(~clean.device_id.fillna("").str.startswith("dev-kiosk")),
    }, index=clean.index)


@pytest.fixture(scope="module")
def owner_of(truth) -> dict[str, int]:
    """'kind:value' -> person_id, from the truth."""
    customers = truth["truth_customers"]
    owner = {}
    for kind, column in [("customer_ref", "customer_ref"), ("email", "email"), ("phone", "phone_e164"),
                         ("loyalty_id", "loyalty_id")]:
        known = customers[customers[column].notna()]
        owner.update(dict(zip(kind + ":" + known[column], known.person_id)))
    devices = customers[["person_id", "device_ids"]].dropna().assign(device=lambda d: d.device_ids.str.split(","))
    devices = devices.explode("device")
    owner.update(dict(zip("device_id:" + devices.device, devices.person_id)))
    return owner


@pytest.fixture(scope="module")
def with_person(clean, normalised_ids, owner_of, truth) -> pd.DataFrame:
    """Clean events with the true person_id (through any of their identifiers) and that person's truth."""
    keys = pd.Series(pd.NA, index=clean.index, dtype="object")
    for kind in reversed(IDENTIFIERS):
        values = normalised_ids[kind]
        keys = keys.where(values.isna(), kind + ":" + values.astype("object"))
    frame = clean.assign(person_id=keys.map(owner_of))
    frame = frame.merge(truth["truth_customers"], on="person_id", how="left", suffixes=("", "_truth"))
    frame["ts"] = pd.to_datetime(frame.occurred_at, format="%Y-%m-%dT%H:%M:%S")
    return frame


@pytest.fixture(scope="module")
def large_posts(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("synth_large")
    manifest = synthetic.generate(out, customers=20_000, seed=5)
    return pd.read_parquet(manifest.truth_files["truth_posts"])


def _read_all(manifest: synthetic.SynthManifest) -> dict[str, pd.DataFrame]:
    tables = {f"{s}/{p.name}": pd.read_parquet(p) for s, paths in manifest.event_files.items() for p in paths}
    tables.update({name: pd.read_parquet(path) for name, path in manifest.truth_files.items()})
    return tables


# --------------------------------------------------------------------------- the file contract


def test_the_same_seed_gives_identical_data_and_another_seed_different_data(tmp_path):
    first = _read_all(synthetic.generate(tmp_path / "a", customers=300, seed=3, chunk_customers=120))
    again = _read_all(synthetic.generate(tmp_path / "b", customers=300, seed=3, chunk_customers=120))
    other = _read_all(synthetic.generate(tmp_path / "c", customers=300, seed=4, chunk_customers=120))
    assert first.keys() == again.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name], obj=name)
    assert not first["web/part-0000.parquet"].equals(other["web/part-0000.parquet"])
    assert not first["truth_customers"].equals(other["truth_customers"])


def test_each_source_gets_one_string_only_file_per_chunk_with_the_contract_columns_in_order(manifest):
    assert set(manifest.event_files) == set(synthetic.SOURCES)
    for source, paths in manifest.event_files.items():
        assert [p.name for p in paths] == ["part-0000.parquet", "part-0001.parquet", "part-0002.parquet"]
        for path in paths:
            assert path.parent.name == source and path.parent.parent.name == "events"
            schema = pq.read_schema(path)
            assert schema.names == list(synthetic.EVENT_COLUMNS)
            assert all(field.type == pa.string() for field in schema)


def test_the_manifest_counts_every_customer_and_every_row(manifest, events, truth):
    assert manifest.customers == CUSTOMERS
    assert manifest.events == len(events)
    assert sorted(truth["truth_customers"].person_id) == list(range(CUSTOMERS))
    assert all(path.exists() for path in manifest.truth_files.values())


def test_progress_is_reported_after_each_chunk(generated):
    assert generated[1] == [(800, 2000), (1600, 2000), (2000, 2000)]


def test_bad_arguments_are_refused_with_the_field_named(tmp_path):
    with pytest.raises(ValueError, match="customers"):
        synthetic.generate(tmp_path, customers=0)
    with pytest.raises(ValueError, match="chunk_customers"):
        synthetic.generate(tmp_path, customers=10, chunk_customers=0)
    with pytest.raises(ValueError, match="end"):
        synthetic.generate(tmp_path, customers=10, start=date(2025, 3, 1), end=date(2025, 3, 20))


def test_event_ids_are_unique_across_chunks_and_name_their_source(events):
    assert events.event_id.is_unique
    assert events.event_id.str.fullmatch(r"[a-z]+-\d{6}-\d{7}").all()
    assert (events.event_id.str.split("-").str[0] == events.source).all()


def test_every_channel_and_event_type_appears_and_only_where_plausible(clean):
    assert set(clean.channel) == set(synthetic.SOURCES)
    assert set(clean.event_type) == set(synthetic.EVENT_TYPES)
    assert (clean.channel == clean.source).all()
    for channel, types in clean.groupby("channel").event_type.unique().items():
        assert set(types) <= PLAUSIBLE[channel], channel


def test_timestamps_are_iso_and_cover_the_whole_window(clean):
    assert clean.occurred_at.str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").all()
    ts = pd.to_datetime(clean.occurred_at, format="%Y-%m-%dT%H:%M:%S")
    assert ts.min() >= pd.Timestamp(START) and ts.max() < pd.Timestamp(END) + pd.Timedelta(days=1)
    assert (ts.max() - ts.min()).days >= 540


def test_every_row_has_an_identifier_except_the_listed_corrupt_ones(events, truth):
    no_id = events[events[IDENTIFIERS].isna().all(axis=1)]
    listed = truth["truth_corrupt_rows"].set_index("event_id").defect
    assert len(no_id) > 0
    assert (no_id.event_id.map(listed) == "no_identifiers").all()


def test_values_are_well_formed_on_clean_rows(clean):
    amounts = clean.amount.dropna()
    assert amounts.str.fullmatch(r"\d+\.\d{2}").all()
    assert set(clean.currency.dropna()) == {"USD"}
    assert (clean.amount.notna() == clean.currency.notna()).all()
    quantities = clean.quantity.dropna().astype(int)
    assert quantities.between(1, 10_000).all()
    assert clean.attributes.dropna().map(lambda s: isinstance(json.loads(s), dict)).all()
    assert clean.customer_ref.dropna().str.fullmatch(r"CR-\d{7}").all()
    assert clean.loyalty_id.dropna().str.fullmatch(r"L-\d{8}").all()
    assert clean.device_id.dropna().str.fullmatch(r"dev-([0-9a-f]{12}|kiosk-[123])").all()
    assert clean.store_id.dropna().str.fullmatch(r"S-[A-Z]{3}-0[1-4]").all()
    assert set(clean.city.dropna()) <= set(cd.CITIES)


def test_purchases_carry_discount_coupon_and_list_price(clean):
    purchases = clean[clean.event_type == "purchase"]
    attributes = purchases.attributes.map(json.loads)
    assert attributes.map(lambda a: set(a) == {"discount", "coupon", "list_price"}).all()
    assert attributes.map(lambda a: a["coupon"] is None or a["discount"]).all()
    assert purchases.product_id.notna().all() and purchases.category.notna().all()
    searches = clean[clean.event_type == "search"].attributes.map(json.loads)
    assert searches.map(lambda a: bool(a["query"])).all()
    assert clean[clean.event_type == "email_open"].attributes.map(lambda s: "campaign" in json.loads(s)).all()


def test_the_catalogue_has_about_2000_products_in_40_categories(manifest, clean):
    products = pd.read_parquet(manifest.reference_files["products"])
    assert len(products) == 2_000 and products.product_id.is_unique
    assert products.category.nunique() == 40
    assert set(clean.category.dropna()) <= set(products.category)
    bought = clean[clean.event_type == "purchase"].merge(products, on="product_id", suffixes=("", "_catalogue"))
    assert (bought.category == bought.category_catalogue).all()


def test_wholesale_buyers_are_few_business_accounts_buying_in_bulk(clean, truth, with_person):
    assert 0.015 <= truth["truth_customers"].is_wholesale.mean() <= 0.05
    trade = with_person[with_person.channel == "wholesale"]
    assert trade.customer_ref.notna().all() and trade.is_wholesale.all()
    bought = trade[trade.event_type == "purchase"].quantity.astype(int)
    assert bought.between(10, 200).all()


# --------------------------------------------------------------------------- identities


def test_phones_are_valid_us_numbers_in_varied_formats_and_emails_vary_in_case_and_spacing(clean, truth):
    phones = clean.phone.dropna()
    assert all(normalise_phone(p) is not None for p in phones.unique())
    assert phones.str.startswith("(").any() and phones.str.startswith("+1 ").any()
    assert phones.str.fullmatch(r"\d{10}").any() and phones.str.fullmatch(r"\d{3}-\d{3}-\d{4}").any()
    emails = clean.email.dropna()
    assert (emails != emails.str.strip()).any()
    assert (emails.str.strip() != emails.str.strip().str.lower()).any()
    customers = truth["truth_customers"]
    assert customers.email.dropna().is_unique and customers.phone_e164.dropna().is_unique
    assert set(emails.map(normalise_email)) <= set(customers.email)


def test_identifier_ownership_matches_the_brief(truth):
    customers = truth["truth_customers"]
    assert 0.55 <= customers.device_ids.notna().mean() <= 0.65
    assert 0.05 <= customers.device_ids.str.contains(",").mean() <= 0.12
    assert 0.62 <= customers.loyalty_id.notna().mean() <= 0.78
    assert 0.75 <= customers.phone_e164.notna().mean() <= 0.92


def _identity_components(normalised_ids: pd.DataFrame, owner_of: dict[str, int]) -> pd.DataFrame:
    """Connected components of identifiers that share an event, with each identifier's true owner."""
    long = normalised_ids.reset_index(drop=True).stack().dropna()
    keys = long.index.get_level_values(1) + ":" + long.astype(str).values
    node, uniques = pd.factorize(pd.Series(keys))
    row = long.index.get_level_values(0)
    first = pd.Series(node).groupby(row).transform("first").to_numpy()
    graph = coo_matrix((np.ones(len(node)), (first, node)), shape=(len(uniques), len(uniques)))
    _, component = connected_components(graph, directed=False)
    return pd.DataFrame({"component": component, "person_id": pd.Series(uniques).map(owner_of)})


def test_shared_events_never_link_two_persons_and_about_97_percent_are_fully_linkable(normalised_ids, owner_of, truth):
    nodes = _identity_components(normalised_ids, owner_of)
    assert nodes.person_id.notna().all()
    assert (nodes.groupby("component").person_id.nunique() == 1).all()
    one_group = nodes.groupby("person_id").component.nunique() == 1
    customers = truth["truth_customers"].set_index("person_id")
    assert (one_group.reindex(customers.index, fill_value=True) == customers.fully_linkable).all()
    assert 0.965 <= customers.fully_linkable.mean() <= 0.99


def test_kiosk_devices_appear_with_many_different_loyalty_cards(clean):
    kiosk = clean[clean.device_id.fillna("").str.startswith("dev-kiosk")]
    assert set(kiosk.device_id) == {"dev-kiosk-1", "dev-kiosk-2", "dev-kiosk-3"}
    assert (kiosk.event_type == "store_visit").all() and kiosk.loyalty_id.notna().all()
    assert kiosk.loyalty_id.nunique() >= 30
    visits = clean[clean.event_type == "store_visit"]
    assert 0.003 <= len(kiosk) / len(visits) <= 0.03


# --------------------------------------------------------------------------- behaviour drawn from the truth


def test_events_per_person_are_in_range_and_everyone_has_some(with_person):
    assert with_person.person_id.notna().all()
    per_person = with_person.groupby("person_id").size()
    assert len(per_person) == CUSTOMERS
    assert 45 <= per_person.mean() <= 75
    occasions = with_person[with_person.event_type == "purchase"].groupby("person_id").occurred_at.nunique()
    assert 2 <= occasions.median() <= 6


def test_first_activity_is_the_acquisition_date_and_churn_comes_after_it(with_person, truth):
    first = with_person.groupby("person_id").ts.min().dt.date
    customers = truth["truth_customers"].set_index("person_id")
    acquired = pd.to_datetime(customers.acquired_at).dt.date
    assert (first >= acquired.reindex(first.index)).all()
    assert (first == acquired.reindex(first.index)).mean() >= 0.99
    churned = customers.dropna(subset=["churned_at"])
    assert (pd.to_datetime(churned.churned_at) >= pd.to_datetime(churned.acquired_at)).all()
    assert 0.15 <= customers.churned_at.notna().mean() <= 0.6
    assert 0.06 <= customers.purchase_rate.mean() <= 0.15 and 0.1 <= customers.dropout_p.mean() <= 0.2


def test_churned_customers_stop_buying_at_their_churn_date(with_person):
    bought = with_person[(with_person.event_type == "purchase") & with_person.churned_at.notna()]
    last = bought.groupby("person_id").ts.max().dt.date
    churned = pd.to_datetime(bought.groupby("person_id").churned_at.first()).dt.date
    assert (last == churned).all()


def _category_share(frame: pd.DataFrame, trait: str, categories) -> tuple[float, float]:
    hit = frame.category.isin(categories)
    by_trait = hit.groupby(frame[trait]).mean()
    return by_trait[True], by_trait[False]


@pytest.mark.parametrize("trait, categories", [
    ("is_runner", cd.RUNNING), ("is_gamer", cd.GAMING), ("is_parent", cd.PARENTING), ("is_traveller", cd.TRAVEL),
])
def test_trait_holders_buy_their_categories_far_more_than_others(with_person, trait, categories):
    purchases = with_person[(with_person.event_type == "purchase") & (with_person.channel != "wholesale")]
    holders, others = _category_share(purchases, trait, categories)
    assert holders >= 0.25 and others <= 0.03


@pytest.mark.parametrize("trait, categories", [
    ("is_runner", cd.RUNNING), ("is_gamer", cd.GAMING), ("is_parent", cd.PARENTING), ("is_traveller", cd.TRAVEL),
])
def test_a_simple_gene_recovers_each_trait_with_precision_and_recall_of_at_least_0_8(
        with_person, truth, trait, categories):
    shown = with_person[with_person.category.notna()]
    hits = shown.category.isin(categories).groupby(shown.person_id).agg(["sum", "mean"])
    predicted = (hits["sum"] >= 2) & (hits["mean"] >= 0.15)
    actual = truth["truth_customers"].set_index("person_id")[trait].reindex(hits.index)
    true_positives = (predicted & actual).sum()
    assert true_positives / predicted.sum() >= 0.8
    assert true_positives / actual.sum() >= 0.8


def test_runners_buy_running_gear_mostly_at_weekends(with_person):
    running = with_person[(with_person.event_type == "purchase") & with_person.category.isin(cd.RUNNING)]
    weekend = running.ts.dt.day_of_week >= 5
    assert weekend[running.is_runner].mean() >= 0.6
    assert weekend[~running.is_runner].mean() <= 0.4


def test_gamers_view_gaming_pages_at_night(with_person):
    views = with_person[(with_person.event_type == "view") & with_person.category.isin(cd.GAMING)]
    night = (views.ts.dt.hour >= 21) | (views.ts.dt.hour < 3)
    assert night[views.is_gamer].mean() >= night[~views.is_gamer].mean() + 0.2


def test_bargain_hunters_buy_with_discounts_and_coupons_far_more_often(with_person):
    purchases = with_person[with_person.event_type == "purchase"]
    attributes = purchases.attributes.map(json.loads)
    discount = attributes.map(lambda a: a["discount"])
    coupon = attributes.map(lambda a: a["coupon"] is not None)
    assert discount[purchases.is_bargain_hunter].mean() >= 0.6
    assert discount[~purchases.is_bargain_hunter].mean() <= 0.2
    assert coupon[purchases.is_bargain_hunter].mean() >= 3 * coupon[~purchases.is_bargain_hunter].mean()


def test_premium_buyers_buy_the_top_price_band(with_person):
    retail = with_person[(with_person.event_type == "purchase") & (with_person.channel != "wholesale")]
    list_price = retail.attributes.map(lambda s: json.loads(s)["list_price"])
    assert list_price[retail.is_premium_buyer].median() >= 3 * list_price[~retail.is_premium_buyer].median()


def test_traits_have_the_intended_prevalence_and_correlation(truth):
    customers = truth["truth_customers"]
    for trait in synthetic.TRAITS:
        assert 0.08 <= customers[trait].mean() <= 0.3, trait
    premium = customers.is_premium_buyer
    assert customers.is_bargain_hunter[premium].mean() < 0.5 * customers.is_bargain_hunter[~premium].mean()


def test_movers_shop_in_their_new_city_after_the_move(with_person, truth):
    moves = truth["truth_life_events"].query("event == 'moving_house'")[["person_id", "event_date"]]
    visits = with_person[with_person.channel == "store"].merge(moves, on="person_id")
    after = visits[visits.ts.dt.date > visits.event_date]
    assert len(after) > 20
    assert (after.city == after.moved_to_city).mean() >= 0.6


def test_consent_is_recorded_where_given_and_mail_only_reaches_consenting_people(with_person, truth):
    consent = with_person[with_person.event_type == "consent"]
    assert set(consent.channel) == {"web", "app", "email", "store"}
    attributes = consent.attributes.map(json.loads)
    assert attributes.map(lambda a: a["purpose"] in ("marketing", "profiling") and isinstance(a["granted"], bool)).all()
    assert 0.76 <= truth["truth_customers"].consent_marketing.mean() <= 0.88

    marketing = consent[attributes.map(lambda a: a["purpose"] == "marketing")].sort_values("ts")
    granted = marketing.attributes.str.contains('"granted": true')
    first_answer = granted.groupby(marketing.person_id).first()
    mail = with_person[with_person.channel.eq("email") & with_person.event_type.ne("consent")]
    assert not set(mail.person_id) & set(first_answer.index[~first_answer])

    withdrawals = marketing[~granted & marketing.person_id.isin(first_answer.index[first_answer])]
    assert withdrawals.person_id.nunique() >= 10
    last_mail = mail.groupby("person_id").ts.max()
    withdrawn_at = withdrawals.groupby("person_id").ts.min()
    both = withdrawn_at.index.intersection(last_mail.index)
    assert (last_mail[both] < withdrawn_at[both]).all()


def test_returns_reviews_tickets_and_clicks_come_in_plausible_proportions(clean):
    counts = clean.event_type.value_counts()
    assert 0.04 <= counts["return"] / counts["purchase"] <= 0.15
    assert 0.03 <= counts["review"] / counts["purchase"] <= 0.08
    assert 0.1 <= counts["email_click"] / counts["email_open"] <= 0.2
    assert 0.2 <= counts["ticket"] / CUSTOMERS <= 0.4


def test_free_text_is_data_with_quotes_html_emoji_and_sql_lookalikes(clean):
    texts = clean.text.dropna()
    assert set(clean[clean.text.notna()].event_type) == {"post", "review", "ticket"}
    assert texts.str.contains("'").any() and texts.str.contains('"').any()
    assert texts.str.contains("<b>").any() and texts.str.contains("&").any()
    assert texts.str.contains("DROP TABLE").any()
    assert texts.str.contains("[\U0001F300-\U0001FAFF]").any()


# --------------------------------------------------------------------------- posts and life events


def test_posts_carry_every_label_about_self_and_others(events, truth):
    posts = truth["truth_posts"]
    assert set(posts.event_id) == set(events[events.event_type == "post"].event_id)
    own = posts[posts.about_self]
    assert set(own.event) == set(LIFE_EVENTS)
    assert set(posts[~posts.about_self].event) == set(LIFE_EVENTS) | {"none"}
    assert posts.template_id.str.fullmatch(r"(\w+\.(self|other)|none)\.\d{2}").all()
    assert (posts.template_id.str.split(".").str[0] == posts.event).all()
    assert 0.25 <= posts.person_id.nunique() / CUSTOMERS <= 0.35


def test_own_life_event_posts_fall_within_ten_days_of_an_event_marked_posted(clean, truth):
    posts = truth["truth_posts"].query("about_self").merge(clean[["event_id", "occurred_at"]], on="event_id")
    occurrences = truth["truth_life_events"]
    paired = posts.merge(occurrences, on=["person_id", "event"])
    posted_day = pd.to_datetime(paired.occurred_at).dt.normalize()
    paired["near"] = (posted_day - pd.to_datetime(paired.event_date)).dt.days.abs() <= 10
    assert paired.groupby("event_id").near.any().reindex(posts.event_id, fill_value=False).all()
    near = paired[paired.near]
    assert near.posted.all()
    assert occurrences.posted.sum() >= len(near[["person_id", "event", "event_date"]].drop_duplicates()) > 0


def test_every_person_has_a_birthday_and_new_parents_become_parents(truth):
    events = truth["truth_life_events"]
    assert set(events.query("event == 'birthday'").person_id) == set(range(CUSTOMERS))
    babies = set(events.query("event == 'new_baby'").person_id)
    customers = truth["truth_customers"].set_index("person_id")
    assert babies and customers.is_parent[list(babies)].all()
    moved = customers.moved_to_city.notna()
    assert set(customers.index[moved]) == set(events.query("event == 'moving_house'").person_id)
    assert (customers.moved_to_city[moved] != customers.home_city[moved]).all()


def test_the_post_wording_is_varied(tmp_path):
    for event in LIFE_EVENTS:
        assert len(set(POST_TEMPLATES[(event, "self")])) >= 12, event
        assert len(set(POST_TEMPLATES[(event, "other")])) >= 8, event
    assert len(set(POST_TEMPLATES[("none", "none")])) >= 30


def test_generated_posts_use_at_least_12_own_templates_per_life_event(large_posts):
    own = large_posts[large_posts.about_self]
    distinct = own.groupby("event").template_id.nunique()
    assert (distinct.reindex(list(LIFE_EVENTS)) >= 12).all(), distinct.to_dict()
    assert large_posts.query("not about_self and event != 'none'").groupby("event").template_id.nunique().min() >= 8


# --------------------------------------------------------------------------- corrupt rows


def test_about_0_05_percent_of_rows_are_corrupt_and_each_listed_with_its_defect(events, truth):
    corrupt = truth["truth_corrupt_rows"]
    assert corrupt.event_id.is_unique
    assert 0.0002 <= len(corrupt) / len(events) <= 0.001
    rows = corrupt.merge(events, on="event_id", suffixes=("_listed", ""))
    assert len(rows) == len(corrupt) and (rows.source_listed == rows.source).all()
    broken = {
        "amount_not_numeric": lambda r: r.amount == "N/A",
        "amount_decimal_comma": lambda r: bool(re.fullmatch(r"\d+,\d{2}", r.amount or "")),
        "unknown_channel": lambda r: r.channel == "fax",
        "bad_timestamp": lambda r: r.occurred_at == "31/02/2026 25:61",
        "no_identifiers": lambda r: all(pd.isna(r[c]) for c in IDENTIFIERS),
        "attributes_not_json": lambda r: r.attributes == "{discount: yes",
        "quantity_out_of_range": lambda r: r.quantity == "-5000000",
    }
    for _, row in rows.iterrows():
        assert broken[row.defect](row), (row.defect, row.event_id)


def test_more_customers_in_smaller_chunks_still_get_unique_identifiers(tmp_path):
    manifest = synthetic.generate(tmp_path, customers=500, seed=1, chunk_customers=97)
    customers = pd.read_parquet(manifest.truth_files["truth_customers"])
    assert len(manifest.event_files["web"]) == 6
    for column in ("customer_ref", "email", "phone_e164", "loyalty_id"):
        assert customers[column].dropna().is_unique, column
    devices = customers.device_ids.dropna().str.split(",").explode()
    assert devices.is_unique
