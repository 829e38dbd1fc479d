"""Money reads the same everywhere, and the short form is never off by more than its last digit."""

import pytest

from genome.formatting import counted, money, money_short


@pytest.mark.parametrize("amount, shown", [
    (0, "$0"), (950, "$950"), (999.4, "$999"), (999.6, "$1.0k"), (12_345, "$12.3k"), (61_400, "$61.4k"),
    (613_759, "$613.8k"), (999_960, "$1.0M"), (3_140_000, "$3.1M"), (2.5e9, "$2.5B"), (-12_345, "-$12.3k"),
])
def test_short_money_uses_thousands_for_k(amount, shown):
    assert money_short(amount) == shown


def test_491_customers_at_1250_dollars_read_as_about_614_thousand():
    assert money_short(491 * 1250) == "$613.8k"
    assert money(491 * 1250) == "$613,750" and money(1250.0, cents=True) == "$1,250.00"


@pytest.mark.parametrize("value, shown", [(0, "0 customers"), (1, "1 customer"), (2_140, "2,140 customers")])
def test_a_count_of_one_names_its_noun_in_the_singular(value, shown):
    assert counted(value, "customer") == shown
