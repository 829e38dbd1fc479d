"""The canonical event vocabulary: columns, channels, event types, identifiers.

Every source file is mapped onto these names before validation, so the rest of
the product only ever sees one shape of event.
"""

CHANNELS = ("store", "wholesale", "web", "app", "service", "email", "social")

EVENT_TYPES = (
    "view", "search", "cart", "purchase", "return", "store_visit", "review",
    "ticket", "email_open", "email_click", "post", "consent", "campaign_receipt", "coupon_redemption",
    "campaign_holdout",
)
EVENT_MEANINGS = {
    "view": "looked at a product (product_id, category)",
    "search": "searched (attributes.query)",
    "cart": "added a product to the cart",
    "purchase": "bought a line: amount is what was paid for it, quantity how many; a negative amount is a refund "
                "and is stored as a return of that size",
    "return": "returned a line: amount is what was refunded, as a positive number",
    "store_visit": "was seen in a store (store_id)",
    "review": "wrote a review (attributes.rating, text)",
    "ticket": "opened a service ticket (text)",
    "email_open": "opened a marketing e-mail (attributes.campaign_id)",
    "email_click": "clicked in a marketing e-mail (attributes.campaign_id)",
    "post": "posted on social media (text)",
    "consent": "decided about a consent purpose (attributes.purpose, attributes.granted)",
    "campaign_receipt": "received a campaign: a mailer, an e-mail, a coupon booklet (attributes.campaign_id)",
    "coupon_redemption": "redeemed a coupon (attributes.coupon_code, campaign_id, coupon_amount)",
    "campaign_holdout": "was held out of a campaign as its control group, so its effect can be measured "
                        "(attributes.campaign_id, holdout_share)",
}

# What a consent event may be about (attributes.purpose), as ingestion normalises it ("Marketing",
# " marketing" -> marketing); any other purpose is quarantined. Channel purposes narrow marketing
# consent for one channel: a customer who granted marketing but refused "sms" gets no text messages.
CONSENT_PURPOSES = {
    "marketing": "marketing messages on any channel (the general opt-in)",
    "profiling": "using the customer's data for predictions and inferred genes",
    "email": "marketing e-mails",
    "sms": "marketing text messages",
    "push": "app push notifications",
    "ads": "matching hashed e-mails and phones on ad platforms",
}

# Order matters: the first identifier present on an event is its anchor, the
# identifier through which the event reaches its customer. Stable identifiers
# come first so a shared device never decides whose event it is.
IDENTIFIER_COLUMNS = ("customer_ref", "loyalty_id", "email", "phone", "device_id")

REQUIRED_COLUMNS = ("occurred_at", "channel", "event_type")

# The landing shape every reader produces: all text, validated afterwards.
INPUT_COLUMNS = (
    "event_id", "occurred_at", "channel", "event_type", *IDENTIFIER_COLUMNS,
    "product_id", "category", "amount", "quantity", "currency", "store_id",
    "city", "text", "attributes",
)

# Default limits beyond which a value is taken as a data error rather than a fact; GENOME_MAX_AMOUNT and
# GENOME_MAX_QUANTITY set others (fuel sold by the hundredth of a gallon runs into the tens of thousands).
MAX_AMOUNT = 1_000_000
MAX_QUANTITY = 100_000
MAX_TEXT_CHARS = 1_000_000
MAX_IDENTIFIER_CHARS = 256
EARLIEST_EVENT = "1990-01-01"
