"""Typed event attributes: what `attributes` keys mean, and the SQL that checks and normalises them at ingest.

`attributes` is a JSON object. The keys below have a meaning and a type; any
other key is kept as it came. Ingestion stores the typed keys normalised, so
every later reader sees one form:

- flags (`discount`, `coupon`, `granted`) become true or false from true,
  false, "yes", "no", 1, 0, "1", "0" (case ignored);
- money (`discount_amount`, `coupon_amount`, `list_price`) becomes a number,
  its size only (retailers write discounts as negative numbers too), with a
  decimal comma read as a point;
- `discount` may be given as an amount: 0.5 is a discount of 0.5 (stored as
  `discount` true and `discount_amount` 0.5); given `discount_amount` alone,
  `discount` says whether it is above 0 (likewise `coupon` from its amount or code);
- `coupon` may be given as its code: "SAVE10" is a coupon (stored as `coupon`
  true and `coupon_code` "SAVE10"), or as its amount, like `discount`;
- `rating` is a whole number from 1 to 5; `holdout_share` a share from 0 to
  1 (a campaign's control group's planned share); ids and codes are text.

A value of a known key that cannot be read as its type quarantines the row,
naming the key and the value.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    key: str
    kind: str  # flag, money, whole, share, text
    meaning: str
    example: object


ATTRIBUTES = {a.key: a for a in (
    Attribute("discount", "flag", "the line was sold at a discount (or give the discount's amount here)", True),
    Attribute("discount_amount", "money", "how much the discount took off the line, in the line's currency", 0.5),
    Attribute("coupon", "flag", "a coupon was used on the line (or give the coupon's code here)", True),
    Attribute("coupon_code", "text", "the code of the coupon used or redeemed", "SAVE10"),
    Attribute("coupon_amount", "money", "how much the coupon took off", 1.0),
    Attribute("campaign_id", "text", "the campaign a message, receipt or coupon belongs to", "C-2017-18"),
    Attribute("variant", "text", "the creative variant a campaign's recipient got", "tv-hero-gaming"),
    Attribute("holdout_share", "share", "the planned share of a campaign's audience held out as control", 0.1),
    Attribute("basket_id", "text", "the basket (receipt) the line was bought in", "31198570044"),
    Attribute("list_price", "money", "the line's price before discounts", 2.49),
    Attribute("rating", "whole", "a review's stars, 1 to 5", 4),
    Attribute("query", "text", "what a search asked for", "running shoes"),
    Attribute("purpose", "text", "what a consent decision is about (see consent purposes)", "marketing"),
    Attribute("granted", "flag", "whether a consent decision grants (true) or refuses (false)", False),
)}

# Each typed key is read out of the JSON once per row, all keys in one pass (`typed_columns_sql`): reading them
# key by key, a dozen times over in the checks and the normalised form, took most of ingestion's time.
_KEYS = tuple(ATTRIBUTES)
_PATHS = "[" + ", ".join(f"'$.{key}'" for key in _KEYS) + "]"  # constants above, never user text
_RAW = "attribute_values[{i}]"
_PRESENT = "(attribute_types[{i}] IS NOT NULL AND attribute_types[{i}] <> 'NULL')"


def typed_columns_sql(attributes: str) -> str:
    """`attribute_values` and `attribute_types`: the typed keys' values as text and their JSON types, in
    `ATTRIBUTES` order, for a JSON object in `attributes` (NULL when it is not one)."""
    def when_object(sql: str) -> str:  # nested CASEs: JSON functions only see rows whose text is valid JSON
        return (f"CASE WHEN json_valid({attributes}) THEN CASE WHEN json_type({attributes}) = 'OBJECT' "
                f"THEN {sql} END END")

    return (f"{when_object(f'json_extract_string({attributes}, {_PATHS})')} AS attribute_values, "
            f"{when_object(f'json_type({attributes}, {_PATHS})')} AS attribute_types")


def _raw(key: str) -> str:
    return _RAW.format(i=_KEYS.index(key) + 1)  # DuckDB lists count from 1


def _flag(key: str) -> str:
    raw = f"lower(trim({_raw(key)}))"
    return f"CASE WHEN {raw} IN ('true', 'yes', '1') THEN true WHEN {raw} IN ('false', 'no', '0') THEN false END"


def _money(key: str) -> str:
    return f"abs(try_cast(replace(trim({_raw(key)}), ',', '.') AS DOUBLE))"


def _whole(key: str) -> str:
    return f"try_cast(trim({_raw(key)}) AS INTEGER)"


def _share(key: str) -> str:
    return f"try_cast(trim({_raw(key)}) AS DOUBLE)"


def _checks() -> list[tuple[str, str]]:
    """(condition over a valid JSON object, reason) for each typed key whose value is unreadable."""
    checks = []
    for a in ATTRIBUTES.values():
        present = _PRESENT.format(i=_KEYS.index(a.key) + 1)
        quoted = f"'''' || left({_raw(a.key)}, 40) || ''''"
        if a.key == "discount":  # a flag or an amount
            bad = f"{_flag(a.key)} IS NULL AND {_money(a.key)} IS NULL"
            wanted = "true, false or an amount"
        elif a.key == "coupon":  # a flag or a code: any text is a code
            continue
        elif a.kind == "flag":
            bad, wanted = f"{_flag(a.key)} IS NULL", "true or false"
        elif a.kind == "money":
            bad, wanted = f"{_money(a.key)} IS NULL", "an amount"
        elif a.kind == "share":
            bad, wanted = f"coalesce({_share(a.key)} NOT BETWEEN 0 AND 1, true)", "a share from 0 to 1"
        elif a.kind == "whole":
            bad, wanted = f"coalesce({_whole(a.key)} NOT BETWEEN 1 AND 5, true)", "a whole number from 1 to 5"
        else:
            continue
        checks.append((f"({present}) AND ({bad})",
                       f"'attributes.{a.key} ' || {quoted} || ' is not {wanted}'"))
    return checks


def reason_sql() -> str:
    """CASE branches (WHEN ... THEN reason) for unreadable typed attributes over `typed_columns_sql`'s columns;
    `attributes` is a JSON object."""
    return "\n".join(f"  WHEN attributes IS NOT NULL AND {condition} THEN {reason}" for condition, reason in _checks())


def normalised_sql() -> str:
    """The stored attributes: the object as it came with every typed key in its one form (JSON text); reads
    `attributes` and `typed_columns_sql`'s columns."""
    discount_is_amount = f"({_flag('discount')} IS NULL AND {_money('discount')} IS NOT NULL)"
    coupon_is_amount = f"({_flag('coupon')} IS NULL AND {_money('coupon')} IS NOT NULL)"
    coupon_is_code = f"({_flag('coupon')} IS NULL AND {_money('coupon')} IS NULL AND {_raw('coupon')} IS NOT NULL)"
    values = {
        "discount": f"coalesce(CASE WHEN {discount_is_amount} THEN {_money('discount')} > 0 "
                    f"ELSE {_flag('discount')} END, {_money('discount_amount')} > 0)",
        "discount_amount": f"coalesce({_money('discount_amount')}, "
                           f"CASE WHEN {discount_is_amount} THEN {_money('discount')} END)",
        "coupon": f"coalesce(CASE WHEN {coupon_is_code} THEN true WHEN {coupon_is_amount} THEN {_money('coupon')} > 0 "
                  f"ELSE {_flag('coupon')} END, {_money('coupon_amount')} > 0, "
                  f"CASE WHEN {_raw('coupon_code')} IS NOT NULL THEN true END)",
        "coupon_code": f"coalesce({_raw('coupon_code')}, CASE WHEN {coupon_is_code} THEN {_raw('coupon')} END)",
        "coupon_amount": f"coalesce({_money('coupon_amount')}, CASE WHEN {coupon_is_amount} THEN {_money('coupon')} END)",
        "list_price": _money("list_price"),
        "rating": _whole("rating"),
        "granted": _flag("granted"),
        "campaign_id": _raw("campaign_id"),
        "variant": _raw("variant"),
        "holdout_share": _share("holdout_share"),
        "basket_id": _raw("basket_id"),
    }
    # keys that are absent stay absent: json_merge_patch drops the NULLs (RFC 7396)
    pairs = ", ".join(f"'{key}', {sql}" for key, sql in values.items())
    return f"json_merge_patch(attributes, json_object({pairs}))::VARCHAR"
