"""The canonical event vocabulary: columns, channels, event types, identifiers.

Every source file is mapped onto these names before validation, so the rest of
the product only ever sees one shape of event.
"""

CHANNELS = ("store", "wholesale", "web", "app", "service", "email", "social")

EVENT_TYPES = (
    "view", "search", "cart", "purchase", "return", "store_visit", "review",
    "ticket", "email_open", "email_click", "post", "consent",
)

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

# Limits beyond which a value is taken as a data error rather than a fact.
MAX_AMOUNT = 1_000_000
MAX_QUANTITY = 10_000
MAX_TEXT_CHARS = 1_000_000
MAX_IDENTIFIER_CHARS = 256
EARLIEST_EVENT = "1990-01-01"
