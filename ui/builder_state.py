"""Bringing the builder up to date with what the marketer just did, before the page draws anything.

Streamlit reruns the page after every drop, threshold or pick, with the new
values already in session state. Reading them first lets the page compute
the audience before it draws a single widget, so the browser shows the
number at once instead of after every widget below it has loaded.
The widgets drawn afterwards read the same values, so nothing changes twice.
"""

import math

import streamlit as st

from genome.segments.builder import MODES, Builder, condition_from_inputs, default_condition, shown_as
from genome.segments.index import GenomeIndex
from ui import state


def shown_items(index: GenomeIndex, builder: Builder) -> dict[str, str]:
    """What the drag component shows -> the item it stands for, for every gene and every placed item."""
    labels = index.base.labels
    placed = [label for items in builder.containers.values() for label in items]
    return {shown_as(g, labels): g for g in index.base.genes} | {shown_as(label, labels): label for label in placed}


def take_drop(builder: Builder, index: GenomeIndex, dropped, shown: dict[str, str]) -> None:
    """Adopt the drag component's arrangement; genes dragged in get their default condition."""
    if not dropped:
        return
    placed = {label for items in builder.containers.values() for label in items}
    arrived = builder.arrange({c["header"]: [shown[i] for i in c["items"] if i in shown] for c in dropped},
                              known=set(index.base.genes) | placed)
    for gene in arrived:
        builder.set_condition(gene, default_condition(gene, index.base.genes[gene], index.column(gene)))


def condition_key(label: str, part: str) -> str:
    """The session key of one input of a placed condition, in the builder's current generation."""
    return state.condition_key(label, part, st.session_state.get(state.CONDITION_GENERATION, 0))


def take_inputs(builder: Builder) -> None:
    """Apply every condition's inputs (mode, comparison, threshold, range, share, values) to the builder."""
    for items in builder.containers.values():
        for label in items:
            changed = condition_from_inputs(
                builder.condition(label),
                lambda part, default, label=label: st.session_state.get(condition_key(label, part), default))
            if changed is not None:
                builder.set_condition(label, changed)


def catch_up(builder: Builder, index: GenomeIndex) -> None:
    """What the marketer did since the last run: the last drop, then every condition's inputs."""
    key = st.session_state.get(state.SEG_SORTABLES)
    reported = st.session_state.get(key) if key else None
    # only a drag since the arrangement was drawn counts: after a removal or a loaded rule the component's
    # last report is the arrangement as it was, and adopting it would undo the change
    if reported and reported != st.session_state.get(state.SEG_SORTABLES_SENT):
        take_drop(builder, index, reported, shown_items(index, builder))
    take_inputs(builder)


def draw_inputs(label: str, condition, index: GenomeIndex) -> None:
    """The inputs that set one condition; their values are read back by `condition_from_inputs`."""
    from genome.segments.rules import Between, Compare, Flag, OneOf, TopPercent
    from genome.segments.text import condition_text
    from ui.text import md

    def key(part: str) -> str:
        return condition_key(label, part)

    if isinstance(condition, (Compare, Between, TopPercent)):
        # numeric conditions are labelled by gene name ("clv_12m", "clv_12m #2"): plain text as it is
        current = {Compare: 0, Between: 1, TopPercent: 2}[type(condition)]
        mode = st.radio("mode", MODES, index=current, horizontal=True, label_visibility="collapsed", key=key("mode"))
        values = index.column(condition.gene)
        step = input_step(values)
        shown = "%.0f" if whole_numbers(values) else decimals_for(getattr(condition, "value", None))
        if mode == MODES[0]:
            a, b = st.columns([1, 2])
            a.selectbox(f"comparison for {label}", COMPARISONS, label_visibility="collapsed", key=key("op"),
                        index=COMPARISONS.index(condition.op) if isinstance(condition, Compare) else 0)
            b.number_input(f"threshold for {label}", label_visibility="collapsed", key=key("value"), step=step,
                           value=float(getattr(condition, "value", 0.0)), format=shown)
        elif mode == MODES[1]:
            a, b = st.columns(2)
            low = a.number_input("from", value=float(getattr(condition, "low", 0.0)), step=step, key=key("low"),
                                 format=shown)
            b.number_input("to", value=float(getattr(condition, "high", max(low, 0.0))), step=step, key=key("high"),
                           format=shown)
        else:
            st.number_input("top % of customers by this gene", min_value=0.1, max_value=100.0, key=key("top"),
                            step=1.0, value=float(getattr(condition, "percent", 10.0)))
    elif isinstance(condition, OneOf):
        values = [str(v) for v in index.column(condition.gene).values[:500]]
        options = sorted(set(condition.values) | set(values))
        st.multiselect("values", options, default=list(condition.values), label_visibility="collapsed",
                       key=key("values"))
    elif isinstance(condition, Flag):
        st.caption("carries this gene")
    else:
        st.caption(md(condition_text(condition)))


COMPARISONS = [">=", ">", "<=", "<", "=", "!="]


def whole_numbers(values) -> bool:
    """Whether every known value of a number gene is whole (counts, days): its inputs then show no decimals."""
    import numpy as np

    known = values[~np.isnan(values)]
    return bool(np.all(known == np.round(known)))


def decimals_for(value) -> str:
    """Two decimals, or as many as a small threshold needs to be seen (0.0043, not 0.00)."""
    if not value or abs(value) >= 0.01:
        return "%.2f"
    return f"%.{min(6, 1 - math.floor(math.log10(abs(value))))}f"


def input_step(values) -> float:
    """What the + and - of a threshold add: a tenth of the typical size of the gene's values, rounded to a power
    of ten ($10 for values in the hundreds, 0.01 for shares, 1 for counts), never less than 0.01."""
    import numpy as np

    known = np.abs(values[~np.isnan(values)])
    typical = float(np.percentile(known, 75)) if len(known) else 1.0
    if typical <= 0:
        return 1.0
    step = max(10.0 ** (np.floor(np.log10(typical)) - 1), 0.01)
    return max(step, 1.0) if whole_numbers(values) else step  # counts move by whole numbers
