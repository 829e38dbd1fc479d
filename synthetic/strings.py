"""Identifiers and event rows as strings, built last by Arrow kernels that pick pre-rendered
values by index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from synthetic import catalogue as cd
from synthetic.people import People
from synthetic.shape import (
    BAD_QUANTITY,
    DEFECTS,
    DEVICE,
    EVENT_COLUMNS,
    EVENT_SCHEMA,
    EVENT_TYPES,
    KIOSK_DEVICES,
    KIOSK_SLOT,
    LOYALTY,
    MAIL,
    MAX_QUANTITY,
    PHONE,
    REF,
    SECONDS_PER_DAY,
    SOURCES,
)
from synthetic.world import World


@dataclass(frozen=True)
class IdentityStrings:
    """Per-person identifier strings of one chunk, as raw export variants and normalised truth."""

    customer_ref: pa.Array      # n
    email_variants: pa.Array    # 4n: lower, Capitalised, UPPER domain, padded with spaces
    phone_formats: pa.Array     # 4n: (312) 555-0142, 312-555-0142, +1 312 555 0142, 3125550142
    loyalty_id: pa.Array        # n
    devices: pa.Array           # 2n + kiosks: first devices, second devices, shared kiosks
    email: pa.Array             # n, normalised
    phone_e164: pa.Array        # n
    device_list: pa.Array       # n, comma-separated


# Exchanges 201-989 without N11 service codes and the 555 fiction block.
EXCHANGES = np.array([x for x in range(201, 990) if x % 100 != 11 and x != 555], dtype=np.int64)
PHONE_SPACE = len(EXCHANGES) * 10_000


def identity_strings(world: World, people: People) -> IdentityStrings:
    pid = people.first_pid + np.arange(people.n, dtype=np.int64)
    ref = _padded("CR-", _permute(pid, 10_000_000, salt=1), 7)
    loyalty = _padded("L-", _permute(pid, 100_000_000, salt=2), 8)

    first = [_email_word(x) for x in cd.FIRST_NAMES]
    last = [_email_word(x) for x in cd.LAST_NAMES]
    # The key -> (first name, last name, number) split is a bijection, so
    # addresses are unique however the chunks are cut.
    key = _permute(pid, 10_000_000, salt=3)
    fi, li, number = key % len(first), (key // len(first)) % len(last), key // (len(first) * len(last))
    sep = pa.array([".", "_", ""]).take(pa.array(_stable_choice(pid, 3, 11)))
    dom_index = pa.array(_stable_choice(pid, len(cd.EMAIL_DOMAINS), 17, cd.EMAIL_DOMAIN_WEIGHTS))
    num = pc.if_else(pa.array(number == 0), "", pc.cast(pa.array(number), pa.string()))
    lower_local = _join(pa.array([f.lower() for f in first]).take(pa.array(fi)), sep,
                        pa.array([x.lower() for x in last]).take(pa.array(li)), num)
    cap_local = _join(pa.array(first).take(pa.array(fi)), sep, pa.array(last).take(pa.array(li)), num)
    domains = pa.array(cd.EMAIL_DOMAINS).take(dom_index)
    lower = _join(lower_local, "@", domains)
    capitalised = _join(cap_local, "@", pa.array([d.capitalize() for d in cd.EMAIL_DOMAINS]).take(dom_index))
    shouted = _join(lower_local, "@", pa.array([d.upper() for d in cd.EMAIL_DOMAINS]).take(dom_index))
    padded = _join(" ", capitalised, " ")

    area = pa.array(world.city_area_code).take(pa.array(people.home_city))
    phone_key = _permute(pid, PHONE_SPACE, salt=4)
    exchange = pc.cast(pa.array(EXCHANGES[phone_key // 10_000]), pa.string())
    line = pc.utf8_lpad(pc.cast(pa.array(phone_key % 10_000), pa.string()), 4, "0")
    digits = _join(area, exchange, line)
    phones = [_join("(", area, ") ", exchange, "-", line), _join(area, "-", exchange, "-", line),
              _join("+1 ", area, " ", exchange, " ", line), digits]

    dev0 = _device_ids(pid * 2)
    dev1 = _device_ids(pid * 2 + 1)
    device_list = pc.if_else(pa.array(people.n_devices == 2), _join(dev0, ",", dev1), dev0)
    return IdentityStrings(
        customer_ref=ref,
        email_variants=pa.concat_arrays([lower, capitalised, shouted, padded]),
        phone_formats=pa.concat_arrays(phones),
        loyalty_id=loyalty,
        devices=pa.concat_arrays([dev0, dev1, pa.array(KIOSK_DEVICES)]),
        email=null_where(lower, ~people.has_email),
        phone_e164=null_where(_join("+1", digits), ~people.has_phone),
        device_list=null_where(device_list, people.n_devices == 0),
    )


def _email_word(name: str) -> str:
    return "".join(ch for ch in name if ch.isalpha())


def _stable_choice(pid: np.ndarray, k: int, salt: int, weights=None) -> np.ndarray:
    """A choice that depends on the person id only (cosmetic e-mail parts)."""
    u = (_mix48(pid * 7 + salt) % 1_000_003) / 1_000_003
    if weights is None:
        return np.minimum((u * k).astype(np.int64), k - 1)
    cum = np.cumsum(weights) / np.sum(weights)
    return np.minimum(np.searchsorted(cum, u, side="right"), k - 1)


def _permute(x: np.ndarray, size: int, *, salt: int) -> np.ndarray:
    """A keyed bijection of [0, size): mix on the next power of two, walk the cycle until inside.

    Identifiers drawn this way are unique without coordination between
    chunks and reveal nothing about the person id.
    """
    bits = max((size - 1).bit_length(), 8)
    mask = np.uint64((1 << bits) - 1)

    def mix(v: np.ndarray) -> np.ndarray:
        v = (v * np.uint64(0x9E3779B97F4B) + np.uint64(salt * 0x632BE5AB)) & mask
        v ^= v >> np.uint64(bits // 2)
        v = (v * np.uint64(0xBF58476D1CE5)) & mask
        v ^= v >> np.uint64(bits // 3)
        return v

    y = mix(x.astype(np.uint64))
    outside = y >= size
    while outside.any():
        y[outside] = mix(y[outside])
        outside = y >= size
    return y.astype(np.int64)


def _mix48(x: np.ndarray) -> np.ndarray:
    """A bijection on 48-bit integers (odd multiplies and xor-shifts), for opaque device ids."""
    mask = np.uint64((1 << 48) - 1)
    x = x.astype(np.uint64) & mask
    x = (x * np.uint64(0x9E3779B97F4B)) & mask
    x ^= x >> np.uint64(21)
    x = (x * np.uint64(0xBF58476D1CE5)) & mask
    x ^= x >> np.uint64(19)
    return x


def _device_ids(x: np.ndarray) -> pa.Array:
    nibbles = (_mix48(x)[:, None] >> (np.uint64(4) * np.arange(11, -1, -1, dtype=np.uint64))) & np.uint64(0xF)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles.astype(np.int64)]
    hex12 = pa.array(np.ascontiguousarray(chars).view("S12").ravel()).cast(pa.string())
    return _join("dev-", hex12)


def _padded(prefix: str, values: np.ndarray, width: int) -> pa.Array:
    return _join(prefix, pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0"))


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def null_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def pick(pool: pa.Array, index: np.ndarray) -> pa.Array:
    """pool[index], null where index < 0."""
    return pool.take(pa.array(np.maximum(index, 0), mask=index < 0))


def money(cents: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(
        pc.cast(pa.array(cents // 100), pa.string()),
        pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"), ".")


def dates(world: World, day: np.ndarray) -> pa.Array:
    """Day indices as Arrow dates, null where negative."""
    return pa.array(np.datetime64(world.start, "D") + np.maximum(day, 0), mask=day < 0, type=pa.date32())


QUANTITIES = pa.array([str(q) for q in range(MAX_QUANTITY + 1)] + [BAD_QUANTITY])


def format_events(world: World, strings: IdentityStrings, events: dict[str, np.ndarray], rows: slice,
                  source: int, chunk: int) -> pa.Table:
    """The string table of one source's rows (a slice, already in output order), defects applied."""
    n_people = len(strings.customer_ref)
    m = rows.stop - rows.start
    col = {name: values[rows] for name, values in events.items()}
    defect = col["defect"]
    broken = {name: defect == code for code, name in enumerate(DEFECTS)}
    ids = np.where(broken["no_identifiers"], 0, col["ids"])
    person = col["person"].astype(np.int64)
    dev = col["dev"].astype(np.int64)
    email = col["email_var"].astype(np.int64) * n_people + person
    phone = col["phone_fmt"].astype(np.int64) * n_people + person
    day = np.where(broken["bad_timestamp"], world.n_days, col["t"] // SECONDS_PER_DAY)
    second = np.where(broken["bad_timestamp"], SECONDS_PER_DAY, col["t"] % SECONDS_PER_DAY)

    seq = pc.utf8_lpad(pc.cast(pa.array(np.arange(m)), pa.string()), 7, "0")
    out = {
        "event_id": _join(f"{SOURCES[source]}-{chunk:06d}-", seq),
        "occurred_at": _join(world.day_prefix.take(pa.array(day)), world.time_of_day.take(pa.array(second))),
        "channel": pa.array([SOURCES[source], "fax"]).take(pa.array(broken["unknown_channel"].astype(np.int8))),
        "event_type": pa.array(EVENT_TYPES).take(pa.array(col["etype"])),
        "customer_ref": pick(strings.customer_ref, np.where(ids & REF, person, -1)),
        "email": pick(strings.email_variants, np.where(ids & MAIL, email, -1)),
        "phone": pick(strings.phone_formats, np.where(ids & PHONE, phone, -1)),
        "loyalty_id": pick(strings.loyalty_id, np.where(ids & LOYALTY, person, -1)),
        "device_id": pick(strings.devices, np.where(
            ids & DEVICE, np.where(dev < KIOSK_SLOT, dev * n_people + person, 2 * n_people + dev - KIOSK_SLOT), -1)),
        "product_id": pick(world.product_ids, col["product"]),
        "category": pick(pa.array(world.categories), col["category"]),
        "amount": _amounts(col["amount"], broken["amount_not_numeric"], broken["amount_decimal_comma"]),
        "quantity": pick(QUANTITIES, np.where(broken["quantity_out_of_range"], MAX_QUANTITY + 1,
                                               np.where(col["qty"] > 0, col["qty"], -1))),
        "currency": pick(pa.array(["USD"]), np.where(col["amount"] >= 0, 0, -1)),
        "store_id": pick(pa.array(world.store_ids), col["store"]),
        "city": pick(pa.array(world.cities), col["city"]),
        "text": pick(world.text_array, col["text"]),
        "attributes": _attributes(world, col, broken["attributes_not_json"]),
    }
    return pa.table([out[name] for name in EVENT_COLUMNS], schema=EVENT_SCHEMA)


def _amounts(cents: np.ndarray, not_numeric: np.ndarray, decimal_comma: np.ndarray) -> pa.Array:
    """Amounts as "129.99"; broken rows read "N/A" or use a decimal comma ("129,99")."""
    normal = (cents >= 0) & ~not_numeric & ~decimal_comma
    commas = [f"{c // 100},{c % 100:02d}" if c >= 0 else "12,99" for c in cents[decimal_comma].tolist()]
    pool = pa.concat_arrays([money(cents[normal]), pa.array(["N/A"] + commas, pa.string())])
    index = np.full(cents.size, -1, dtype=np.int64)
    index[normal] = np.arange(int(normal.sum()))
    index[not_numeric] = int(normal.sum())
    index[decimal_comma] = int(normal.sum()) + 1 + np.arange(len(commas))
    return pick(pool, index)


def _attributes(world: World, col: dict[str, np.ndarray], not_json: np.ndarray) -> pa.Array:
    """Fixed JSON picked from the pool; purchases composed as prefix + list price + "}"."""
    fixed = pick(world.attributes, np.where(not_json, len(world.attributes) - 1, col["attr"]))
    purchase = (col["purchase_attr"] >= 0) & ~not_json
    if not purchase.any():
        return fixed
    composed = _join(world.purchase_attr_prefix.take(pa.array(col["purchase_attr"][purchase])),
                     money(col["list_price"][purchase]), "}")
    return pc.replace_with_mask(fixed, pa.array(purchase), composed)
