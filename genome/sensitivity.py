"""Which values in the data are sensitive: what they reveal about a person that marketing should handle with care.

A category, department or customer attribute is labelled by the words in its
name (a documented list, below): "BABY FOODS" and "INFANT FORMULA" reveal
children, "VITAMINS" health, "BEER/ALE" alcohol. Names no listed word
catches ("Strollers", "Bourbon", "Cold and flu remedies") are matched by
meaning: the sentence encoder places the name beside labelled example names
(`EXAMPLES`, which include ordinary goods), and the name takes the kind of
the nearest sensitive example when that is alike enough and clearly nearer
than any ordinary one. On 76 category names written apart from the examples
(tests/genome/test_sensitivity.py) meaning labels are right 83% of the time
and find 53% of the sensitive names the words miss. On Complete Journey's
302 categories the words label 32 and meaning 9 more, 6 of them rightly
(analgesics, baby food, cold and flu, eye and ear care, vision aids, smoking
cessation) and 3 not (candles as religious, grapes as alcohol, paper towels
as children's): mistakes mark an ordinary category sensitive, the safer side.

Genes made from a labelled value carry the label into the catalog, the
segment builder and exports: sensitive genes are left out of ad-platform
audiences unless a person says otherwise.
"""

import re
from collections.abc import Iterable

import numpy as np

from genome.genes.definition import spelling_key

# Sensitivity -> words that mark it, matched as whole words (or word starts, with *) in lower case.
KEYWORDS = {
    "children": ("baby", "babies", "infant*", "toddler*", "kid", "kids", "child*", "diaper*", "nappy", "nappies",
                 "toy", "toys", "formula", "pacifier*", "nursery"),
    "pregnancy": ("pregnan*", "prenatal", "maternity", "ovulation", "fertility", "family planning"),
    "health": ("health", "vitamin*", "supplement*", "medic*", "pharma*", "rx", "diabet*", "pain", "allerg*",
               "incontinence", "first aid", "antacid*", "laxative*", "cough", "smoking cessation",
               "condom*", "prophylactic*", "contracept*", "hearing aid*", "optical", "feminine hygiene",
               "dietary aid*", "diet aid*", "weight loss"),
    "alcohol_tobacco": ("beer*", "wine*", "liquor", "spirits", "vodka", "whisk*", "rum", "tequila", "gin",
                        "alcohol*", "tobacco", "cigar*", "cigarette*", "vape", "vaping", "e-cig*"),
    "religion": ("kosher", "halal", "religio*", "church", "bible", "prayer", "easter", "passover", "ramadan"),
    "financial": ("income", "salary", "credit", "debt", "loan", "wealth"),
    "demographic": ("age", "marital", "married", "household", "homeowner*", "home_ownership", "gender", "ethnic*"),
}
# Children first: "baby formula" is about a child before it is about health.
# The kinds that keep a segment off ad platforms and a product out of suggested actions by default (predictions,
# `inferred`, and the financial and demographic kinds do not by themselves).
SPECIAL_CATEGORIES = ("children", "pregnancy", "health", "alcohol_tobacco", "religion", "life_event")
ORDER = ("children", "pregnancy", "alcohol_tobacco", "health", "religion", "financial", "demographic")


def _pattern(word: str) -> str:
    core = re.escape(word.rstrip("*")).replace(r"\ ", r"[\s_]+")
    return rf"\b{core}\w*" if word.endswith("*") else rf"\b{core}\b"


_PATTERNS = {kind: re.compile("|".join(_pattern(w) for w in words)) for kind, words in KEYWORDS.items()}


def sensitivity_of(*texts: str | None) -> str | None:
    """The first sensitivity whose words appear in any of `texts` (a value, its department...), else None."""
    words = " ".join(re.sub(r"[^a-z0-9]+", " ", str(t).lower()) for t in texts if t)
    for kind in ORDER:
        if _PATTERNS[kind].search(words):
            return kind
    return None


# Example names per kind for the meaning match; "none" holds ordinary goods so that a name is not called
# sensitive only because it is some kind of product.
EXAMPLES = {
    "children": ("baby food", "infant formula", "diapers", "baby wipes", "toddler snacks", "kids' clothing", "toys",
                 "baby bottles", "pacifiers", "children's books", "baby lotion", "cribs", "kids' shoes",
                 "baby monitors", "school supplies for kids", "teething gel", "baby carriers", "bibs"),
    "pregnancy": ("pregnancy tests", "prenatal vitamins", "maternity clothes", "ovulation kits",
                  "fertility supplements", "nursing pads"),
    "health": ("pain relievers", "vitamins", "allergy medicine", "cough syrup", "first aid", "antacids", "pharmacy",
               "diabetes care", "incontinence pads", "laxatives", "hearing aids", "contact lenses",
               "medical supplies", "smoking cessation", "condoms", "bandages and plasters"),
    "alcohol_tobacco": ("beer", "wine", "liquor", "vodka", "whiskey", "rum", "tequila", "gin", "spirits",
                        "cigarettes", "cigars", "tobacco", "vapes", "e-cigarettes", "ale", "sparkling wine",
                        "hard cider"),
    "religion": ("kosher foods", "halal meat", "bibles", "prayer books", "church candles", "religious gifts",
                 "passover foods", "ramadan dates"),
    "none": ("fresh fruit", "vegetables", "milk", "butter", "soda", "sparkling water", "fruit juice", "coffee beans",
             "tea bags", "snack chips", "crackers", "chocolate", "breakfast cereal", "bakery bread", "frozen meals",
             "canned soup", "rice", "pasta sauce", "condiments", "spices", "cleaning supplies", "dish soap",
             "trash bags", "pet food", "cat treats", "hair care", "skin care", "makeup", "razors", "oral care",
             "kitchenware", "home decor", "garden supplies", "hardware", "electronics", "video games", "books",
             "stationery", "party supplies", "seasonal decorations", "meat", "seafood", "poultry", "cheese", "eggs",
             "ice cream", "frozen desserts", "energy drinks", "sports drinks", "bottled water", "candy", "cookies",
             "nuts", "deli", "floral", "magazines", "batteries", "light bulbs", "clothing", "shoes", "jewelry",
             "luggage", "outdoor furniture", "automotive", "fuel", "tools"),
}
# Chosen on the examples alone (each left out in turn, the most labels found while three in four are right):
# the nearest sensitive example must be this alike, and this much nearer than the nearest ordinary one. The
# held-out list in the tests only measures the choice.
MEANING_THRESHOLD, MEANING_MARGIN = 0.4, 0.1


def sensitivities(values: Iterable[str]) -> dict[str, str | None]:
    """Each value's sensitivity: by its words, else by its meaning (when the sentence encoder is installed)."""
    values = list(dict.fromkeys(str(v) for v in values))
    out = {v: sensitivity_of(v) for v in values}
    unlabelled = [v for v in values if out[v] is None]
    if unlabelled:
        out.update(meaning_sensitivities(unlabelled))
    # spellings of one value ("BABY FOODS", "BABYFOOD") are one value: one sensitive spelling marks them all
    kinds: dict[str, str] = {}
    for v in sorted(values):
        if out[v] is not None:
            kinds.setdefault(spelling_key(v), out[v])
    return {v: out[v] or kinds.get(spelling_key(v)) for v in values}


def meaning_sensitivities(values: list[str]) -> dict[str, str | None]:
    """The kind of the nearest sensitive example name when it is alike enough and clearly nearer than every
    ordinary example, else None."""
    from genome.models.sentence_encoder import EncoderMissing, shared_encoder

    try:
        encoder = shared_encoder()
    except EncoderMissing:  # without the encoder's weights, the word list alone labels values
        return dict.fromkeys(values)
    kinds = np.array([kind for kind, names in EXAMPLES.items() for _ in names])
    examples = encoder.encode([name for names in EXAMPLES.values() for name in names])
    readable = [re.sub(r"[_/&]+", " ", v).strip().lower() for v in values]
    similarity = encoder.encode(readable) @ examples.T
    sensitive = np.flatnonzero(kinds != "none")
    nearest = sensitive[similarity[:, sensitive].argmax(axis=1)]
    alike = similarity[np.arange(len(values)), nearest]
    ordinary = similarity[:, kinds == "none"].max(axis=1)
    labelled = (alike >= MEANING_THRESHOLD) & (alike >= ordinary + MEANING_MARGIN)
    return {v: str(kinds[i]) if ok else None for v, i, ok in zip(values, nearest, labelled)}
