"""Sensitive values are found by their words and, where the words say nothing, by their meaning."""

import pytest

from genome.sensitivity import EXAMPLES, meaning_sensitivities, sensitivities, sensitivity_of

# Category names written apart from the examples in genome.sensitivity, none of them caught by its word list:
# the meaning match is measured here and was chosen on the examples alone.
HELD_OUT = {
    "children": ("Teething rings", "Onesies", "Sippy cups", "Strollers", "Crib sheets", "Bottle nipples",
                 "Wet wipes for newborns", "School backpacks", "Stuffed animals", "Car seats"),
    "health": ("Cold and flu remedies", "Bandages", "Thermometers", "Prescription refills", "Antiseptic cream",
               "Eye drops", "Blood pressure monitors", "Sleep aids", "Heartburn relief", "Digestive aids"),
    "alcohol_tobacco": ("Lager", "Cider", "Prosecco", "Hard seltzer", "Bourbon", "Champagne", "Rolling papers",
                        "Malt beverages", "Sake", "Nicotine pouches"),
    "pregnancy": ("Nursing bras", "Breast pumps", "Stretch mark cream"),
    "religion": ("Rosaries", "Menorahs", "Communion wafers"),
    None: ("Bread", "Canned vegetables", "Garden tools", "Laptops", "Dog food", "Popcorn", "Soft drinks", "Coffee",
           "Frozen pizza", "Shampoo", "Paper towels", "Extension cords", "Yogurt", "Cereal", "Lamps", "Sour cream",
           "Apples", "Pasta", "Laundry detergent", "Frozen yogurt", "Chips", "Socks", "Mobile phones", "Cat litter",
           "Greeting cards", "Frozen vegetables", "Salad dressing", "Mineral water", "Juice", "Tea", "Biscuits",
           "Charcoal", "Deli meat", "Bacon", "Flowers", "Newspapers", "Kitchen gadgets", "Toothpaste", "Deodorant",
           "Sunglasses"),
}


@pytest.mark.parametrize("value, kind", [
    ("BABY FOODS", "children"), ("INFANT FORMULA", "children"), ("VITAMINS", "health"), ("BEER/ALE", "alcohol_tobacco"),
    ("baby_food_organic", "children"), ("KOSHER", "religion"), ("BREAD", None), ("luggage", None),
    ("FEMININE HYGIENE", "health"), ("DIETARY AID PRODUCTS", "health"),
])
def test_listed_words_label_a_value_in_any_spelling(value, kind):
    assert sensitivity_of(value) == kind


def test_the_held_out_names_escape_the_word_list():
    assert all(sensitivity_of(name) is None for names in HELD_OUT.values() for name in names)
    examples = {name for names in EXAMPLES.values() for name in names}
    assert not examples & {name.lower() for names in HELD_OUT.values() for name in names}


def test_meaning_labels_names_no_listed_word_catches_mostly_right():
    names = [name for names in HELD_OUT.values() for name in names]
    found = meaning_sensitivities(names)
    truth = {name: kind for kind, group in HELD_OUT.items() for name in group}
    labelled = [n for n in names if found[n] is not None]
    right = [n for n in labelled if found[n] == truth[n]]
    sensitive = [n for n in names if truth[n] is not None]
    precision, recall = len(right) / len(labelled), len(right) / len(sensitive)
    assert precision >= 0.8, f"precision {precision:.2f}: {[(n, found[n]) for n in labelled if n not in right]}"
    assert recall >= 0.5, f"recall {recall:.2f}"


def test_words_come_first_and_meaning_fills_in_the_rest():
    marked = sensitivities(["INFANT FORMULA", "Bourbon", "Bread", "Cold and flu remedies"])
    assert marked == {"INFANT FORMULA": "children", "Bourbon": "alcohol_tobacco", "Bread": None,
                      "Cold and flu remedies": "health"}
