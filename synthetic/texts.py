"""Wording for synthetic social posts, product reviews and service tickets.

Posts are written from the life-event reader's own training corpus
(`genome.models.post_corpus`), so the truth can record each post's template id
and the reader's scores on the demo can hold whole templates out; reviews and
tickets are the generator's own. Templates are filled once into a
pool of rendered variants (`build_text_pool`); the generator then picks texts
from the pool by index, which keeps text generation out of the per-event path.

Texts are data: some contain quotes, apostrophes, ampersands, emoji, HTML and
strings that look like SQL, because real exports do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genome.models.post_corpus import LIFE_EVENTS, POST_TEMPLATES, SLOTS, fill_template, post_template_id

__all__ = ["LIFE_EVENTS", "POST_TEMPLATES", "SLOTS", "TextPool", "build_text_pool", "post_template_id"]

REVIEW_TEMPLATES: dict[int, tuple[str, ...]] = {
    5: ("Absolutely love it, exactly as described.", "Best purchase I've made this year!", "Great quality & fast shipping {e_none}",
        "Bought a second one for my {relation}.", "5 stars. Would buy again in a heartbeat.", "Exceeded my expectations, <b>highly</b> recommend.",
        "My {kid} loves it, no complaints at all."),
    4: ("Really good, just a bit pricey.", "Works well, took a few days to arrive.", "Solid product, the color is slightly different from the photo.",
        "Happy with it overall. Instructions could be clearer.", "Good value & looks great in person.", "Does what it says. \"Premium\" feel is real."),
    3: ("It's okay. Does the job.", "Average quality for the price.", "Decent but I expected more.", "Fine, nothing special.",
        "Fits a little small, order a size up.", "Not bad, not great. 3/5"),
    2: ("Disappointed, it stopped working after two weeks.", "Cheap feel, wouldn't buy again.", "Arrived scratched & the box was crushed.",
        "Smaller than it looks in the pictures.", "Customer service didn't help much.", "Meh. Returned it."),
    1: ("Broke on the first day. Terrible.", "Don't waste your money!!!", "Arrived damaged and nobody answers my emails.",
        "Worst purchase ever '; DROP TABLE events; --", "Completely useless. 1 star because I can't give 0.", "<script>alert('bad')</script> junk"),
}

TICKET_TEMPLATES: dict[str, tuple[str, ...]] = {
    "delivery": ("Where is my order {order}? It's been {days} days.", "Package marked delivered but I never got it.",
                 "My order {order} arrived with a missing item.", "Tracking hasn't updated in {days} days, please help",
                 "Delivery driver left the box in the rain & it's soaked"),
    "refund": ("I returned an item {days} days ago and still no refund.", "Please cancel order {order} and refund me.",
               "Was charged twice for order {order}!!", "How long does a refund take to show up on my card?",
               "Refund amount is wrong, I paid $49.99 not $39.99"),
    "account": ("I can't log in to my account, password reset email never arrives.", "Please update my email address on file.",
                "How do I delete my account and my data?", "My loyalty points disappeared after the app update",
                "Please stop sending me marketing emails", "Can you merge my two accounts? I used my work email by mistake"),
    "product": ("The item I received is broken, what are my options?", "Does the {thing} come with a warranty?",
                "Is the {thing} compatible with my old model?", "Product doesn't match the description \"waterproof\"",
                "Received the wrong size, need an exchange"),
    "store": ("The staff at the {city} store were super helpful, thank you!", "Waited 30 minutes at checkout in {city} store.",
              "Price at the till didn't match the shelf tag", "Can I return an online order at the {city} store?",
              "Lost my loyalty card, can you send a new one?"),
    "billing": ("Coupon SAVE10 didn't apply at checkout", "Why was I charged tax on a gift card?",
                "Invoice for our business account is missing the PO number", "Payment failed but money left my account",
                "<b>URGENT</b>: double charge on my card"),
}
TICKET_SLOTS: dict[str, tuple[str, ...]] = {
    "order": ("#A10482", "#B22917", "#C31005", "#A99120", "#D40477", "#B57733", "order 8841-2231"),
    "days": ("3", "5", "7", "10", "12", "14", "21"),
    "thing": ("charger", "tent", "console", "stroller", "coffee maker", "watch", "laptop", "suitcase"),
    "city": ("Chicago", "New York", "Boston", "Seattle", "Austin", "Miami", "Denver", "Phoenix"),
}


@dataclass(frozen=True)
class TextGroup:
    """A block of rendered texts: `variants` per template, contiguous."""

    start: int
    n_templates: int
    variants: int
    template_ids: tuple[str, ...]


@dataclass(frozen=True)
class TextPool:
    """All rendered texts, addressed as group start + template * variants + variant."""

    texts: tuple[str, ...]
    groups: dict[tuple, TextGroup]


def build_text_pool(rng: np.random.Generator, *, variants: int = 40) -> TextPool:
    """Render every template `variants` times with random slot fills."""
    texts: list[str] = []
    groups: dict[tuple, TextGroup] = {}

    def add_group(key: tuple, templates: tuple[str, ...], ids: tuple[str, ...], slots: dict, decorate: bool) -> None:
        groups[key] = TextGroup(len(texts), len(templates), variants, ids)
        for template in templates:
            for _ in range(variants):
                text = fill_template(template, slots, rng)
                texts.append(_decorate(text, rng) if decorate else text)

    for (event, side), templates in POST_TEMPLATES.items():
        ids = tuple(post_template_id(event, side, i) for i in range(len(templates)))
        add_group(("post", event, side), templates, ids, SLOTS, decorate=False)
    for rating, templates in REVIEW_TEMPLATES.items():
        ids = tuple(f"review.{rating}.{i:02d}" for i in range(len(templates)))
        add_group(("review", rating), templates, ids, SLOTS, decorate=True)
    for topic, templates in TICKET_TEMPLATES.items():
        ids = tuple(f"ticket.{topic}.{i:02d}" for i in range(len(templates)))
        add_group(("ticket", topic), templates, ids, TICKET_SLOTS, decorate=True)
    return TextPool(tuple(texts), groups)


def _decorate(text: str, rng: np.random.Generator) -> str:
    """Occasional noise found in real free text: emphasis, emoji, shouting, quotes."""
    roll = rng.random()
    if roll < 0.04:
        return text + " 🙄"
    if roll < 0.07:
        return text.upper()
    if roll < 0.09:
        return f'"{text}"'
    if roll < 0.10:
        return text + " <br/>Sent from my iPhone"
    return text
