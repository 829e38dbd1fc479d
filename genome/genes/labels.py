"""Labels for people: "Valuable but lapsing", "Expected 12-month value", beside each gene's technical name.

A family that fans out over values found in the data (categories, stores,
cities, channels) writes its labels with the value itself ("Bought running
shoes, last 90 days"). Every other gene is labelled here by name: a fixed
label where words matter, otherwise the name read as words, with the usual
abbreviations spelled out and windows said in days. Model genes, stored by
name only, get the same label on every build.
"""

import re

LABELS = {
    "clv_12m": "Expected 12-month value",
    "clv_fallback": "Expected value is an estimate (no model score)",
    "clv_tier": "Value tier",
    "p_alive": "Chance still active",
    "expected_purchases_90d": "Expected purchase days, next 90 days",
    "historical_value": "Spent so far",
    "historical_value_rank": "Rank by spend so far",
    "value_decile": "Value decile (10 = top tenth)",
    "high_value": "High value (top 20%)",
    "vip": "VIP (top 10%, still active)",
    "valuable_at_risk": "Valuable but lapsing",
    "avg_order_value": "Average spend per shopping day",
    "avg_item_price": "Average price per item",
    "max_item_price": "Highest price paid for one item",
    "purchase_days": "Days with a purchase",
    "purchases_total": "Purchases, all time",
    "spend_total": "Spend, all time",
    "returns_total": "Returns, all time",
    "events_total": "Activity, all time",
    "events_30d": "Activity, last 30 days",
    "events_90d": "Activity, last 90 days",
    "events_365d": "Activity, last 365 days",
    "days_since_last_event": "Days since last activity",
    "tickets_365d": "Service tickets, last 365 days",
    "tickets_total": "Service tickets, all time",
    "posts_total": "Social posts, all time",
    "one_time_buyer": "One-time buyer",
    "repeat_buyer": "Repeat buyer",
    "frequent_buyer": "Frequent buyer",
    "never_returns": "Never returns",
    "serial_returner": "Serial returner",
    "return_rate": "Returns per purchase",
    "active_30d": "Bought in the last 30 days",
    "active_90d": "Bought in the last 90 days",
    "lapsed_90d": "Lapsed: no purchase in 90 days",
    "lapsed_180d": "Lapsed: no purchase in 180 days",
    "dormant_180d": "Dormant: no activity in 180 days",
    "new_customer_90d": "New customer (first seen in 90 days)",
    "tenure_days": "Days since first seen",
    "active_days": "Days with any activity",
    "window_shopper": "Window shopper",
    "views_per_purchase": "Views per purchase",
    "cart_to_purchase_rate": "Purchases per add-to-cart",
    "carts_90d": "Add-to-carts, last 90 days",
    "reviewer": "Reviewer",
    "reviews_written": "Reviews written",
    "avg_rating_given": "Average star rating given",
    "frequent_complainer": "Frequent complainer",
    "days_since_ticket": "Days since last service ticket",
    "email_engaged": "Engaged with e-mail",
    "email_click_rate": "E-mail click rate",
    "email_clicks_90d": "E-mail clicks, last 90 days",
    "email_opens_90d": "E-mail opens, last 90 days",
    "social_poster": "Posts on social media",
    "wholesale_buyer": "Wholesale buyer",
    "wholesale_spend_365d": "Wholesale spend, last 365 days",
    "avg_wholesale_quantity": "Average wholesale quantity per line",
    "weekend_shopper": "Weekend shopper",
    "weekday_shopper": "Weekday shopper",
    "night_owl": "Night owl",
    "early_bird": "Early bird",
    "preferred_day": "Preferred shopping day",
    "preferred_daypart": "Preferred time of day",
    "premium_share": "Share bought at premium prices",
    "budget_share": "Share bought at budget prices",
    "price_band": "Usual price band",
    "discount_share": "Share bought on discount",
    "coupon_share": "Share bought with a coupon",
    "coupon_user": "Coupon user",
    "full_price_only": "Buys at full price only",
    "weekend_coupon_only": "Redeems coupons only at weekends",
    "consent_marketing": "Consented to marketing (at last build)",
    "consent_marketing_withdrawn": "Withdrew marketing consent",
    "consent_profiling": "Consented to profiling (at last build)",
    "consent_profiling_withdrawn": "Withdrew profiling consent",
    "favourite_category": "Favourite category",
    "category_interest_total": "Category activity, all time",
    "categories_bought": "Categories bought",
    "category_explorer": "Category explorer (8+ categories)",
    "channels_used": "Channels used",
    "omnichannel": "Omnichannel (3+ channels)",
    "preferred_channel": "Preferred channel",
    "favourite_store": "Favourite store",
    "stores_visited": "Stores visited",
    "store_visits_total": "Store visits, all time",
    "home_city": "Home city",
    "cities_seen": "Cities seen",
    "multi_city_shopper": "Shops in 3+ cities",
    "bargain_hunter": "Bargain hunter",
    "premium_buyer": "Premium buyer",
    "purchase_propensity_30d": "Chance of buying, next 30 days",
    "purchase_propensity_30d_pct": "Purchase propensity percentile",
    "purchase_propensity_30d_fallback": "Purchase propensity is a fallback",
    "churn_risk_90d": "Churn risk, next 90 days",
    "churn_risk_90d_pct": "Churn risk percentile",
    "churn_risk_90d_fallback": "Churn risk is a fallback",
    "coupon_response_90d": "Chance of redeeming a coupon, next 90 days",
    "coupon_response_90d_pct": "Coupon response percentile",
    "coupon_response_90d_fallback": "Coupon response is a fallback",
    "discount_sensitivity": "Discount sensitivity",
    "discount_sensitivity_pct": "Discount sensitivity percentile",
    "discount_sensitivity_fallback": "Discount sensitivity is a fallback",
    "predicted_channel": "Predicted channel",
    "predicted_channel_confidence": "Predicted channel: confidence",
    "predicted_channel_fallback": "Predicted channel is a fallback",
    "best_contact_time": "Best contact time",
    "best_contact_time_confidence": "Best contact time: confidence",
    "best_contact_time_fallback": "Best contact time is a fallback",
    "next_category": "Next likely category",
    "next_category_confidence": "Next likely category: confidence",
    "next_category_fallback": "Next likely category is a fallback",
    "top_recommendation": "Top recommended product",
    "top_recommendation_category": "Category of the top recommendation",
    "recommendations_fallback": "Recommendations are the most popular products",
    "loyalty_tier": "Loyalty tier",
    "life_events_fallback": "No own posts to read life events from",
    "life_event_latest": "Latest life event",
    "life_event_latest_days_ago": "Days since the latest life event",
    "life_event_latest_recurs": "Latest life event recurs yearly",
}

# Families as people say them.
FAMILY_LABELS = {
    "recency_frequency_monetary": "Purchases and spend",
    "engagement": "Engagement",
    "category": "Product categories",
    "channel": "Channels",
    "persona": "Personas",
    "predictions": "Predictions",
    "loyalty": "Loyalty tiers",
    "habits": "Habits",
    "price_and_discount": "Price and discounts",
    "consent": "Consent",
    "store": "Stores",
    "city": "Cities",
    "lifetime_value": "Lifetime value",
    "value": "Value tiers",
    "combination": "Persona combinations",
    "life_events": "Life events",
    "recommendations": "Recommendations",
    "profile": "Customer profile",
}


def family_label(family: str) -> str:
    return FAMILY_LABELS.get(family) or sentence(words(family))


# Name parts read as words.
WORDS = {"avg": "average", "clv": "expected value", "pct": "percentile", "dow": "weekday", "qty": "quantity",
         "email": "e-mail", "sms": "SMS", "carts": "add-to-carts", "tvs": "TVs", "id": "ID"}
_WINDOW = re.compile(r"_(\d+)d$")
_APPROACHING = re.compile(r"^(.*)_approaching_(\d+)d$")


def words(name: str) -> str:
    """A snake_case fragment as lower-case words, abbreviations spelled out."""
    return " ".join(WORDS.get(part, part) for part in name.split("_") if part)


def sentence(text: str) -> str:
    """Upper-case the first letter only (a value such as "iPhone cases" keeps its own case after it)."""
    return text[:1].upper() + text[1:] if text else text


def label_for(name: str) -> str:
    """The label of a gene named `name`, when its family gave none."""
    if name in LABELS:
        return LABELS[name]
    if (match := _APPROACHING.match(name)) is not None:
        return sentence(f"{words(match.group(1))} in the next {match.group(2)} days")
    if name.startswith("loyalty_tier_"):
        return f"Loyalty tier in {words(name.removeprefix('loyalty_tier_'))}"
    if name.startswith("life_event_") and name.endswith("_days_ago"):
        return f"Days since {words(name[len('life_event_'):-len('_days_ago')])}"
    if name.startswith("life_event_"):
        return sentence(f"{words(name.removeprefix('life_event_'))} (from posts)")
    if name.startswith("days_to_"):
        return f"Days to next {words(name.removeprefix('days_to_'))}"
    if (match := _WINDOW.search(name)) is not None:
        return sentence(f"{words(name[:match.start()])}, last {match.group(1)} days")
    return sentence(words(name))
