"""Which values in the data are sensitive: what they reveal about a person that marketing should handle with care.

A category, department or customer attribute is labelled by the words in its
name (a documented list, below): "BABY FOODS" and "INFANT FORMULA" reveal
children, "VITAMINS" health, "BEER/ALE" alcohol. Genes made from a labelled
value carry the label into the catalog, the segment builder and exports:
sensitive genes are left out of ad-platform audiences unless a person says
otherwise.
"""

import re

# Sensitivity -> words that mark it, matched as whole words (or word starts, with *) in lower case.
KEYWORDS = {
    "children": ("baby", "babies", "infant*", "toddler*", "kid", "kids", "child*", "diaper*", "nappy", "nappies",
                 "toy", "toys", "formula", "pacifier*", "nursery"),
    "pregnancy": ("pregnan*", "prenatal", "maternity", "ovulation", "fertility"),
    "health": ("health", "vitamin*", "supplement*", "medic*", "pharma*", "rx", "diabet*", "pain", "allerg*",
               "incontinence", "first aid", "antacid*", "laxative*", "cough", "smoking cessation",
               "condom*", "contracept*", "hearing aid*", "optical"),
    "alcohol_tobacco": ("beer*", "wine*", "liquor", "spirits", "vodka", "whisk*", "rum", "tequila", "gin",
                        "alcohol*", "tobacco", "cigar*", "cigarette*", "vape", "vaping", "e-cig*"),
    "religion": ("kosher", "halal", "religio*", "church", "bible", "prayer", "easter", "passover", "ramadan"),
    "financial": ("income", "salary", "credit", "debt", "loan", "wealth"),
    "demographic": ("age", "marital", "married", "household", "homeowner*", "home_ownership", "gender", "ethnic*"),
}
# Children first: "baby formula" is about a child before it is about health.
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
