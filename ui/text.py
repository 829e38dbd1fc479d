"""Data shown as text: anything that came from the data or a person is escaped before Streamlit reads Markdown.

Streamlit renders Markdown (links, images, colours, icons, maths) in most of
what it shows: `st.markdown`, captions, alerts, metric and widget labels,
expander and tab titles. A city named `![x](http://host/beacon.png)` would
make every viewer's browser fetch that address. `md()` makes a value literal
text there; tables (`st.dataframe`) and `st.code` show text as text already.
"""

import re

import streamlit as st

from genome.errors import GenomeError

# What a table shows for a value that is not known (Streamlit shows "None" unless told otherwise).
MISSING = "–"

# Every ASCII punctuation character may be backslash-escaped in Markdown (CommonMark 2.4); escaping them all
# also disarms Streamlit's own :colour[...] and :material/icon: directives and $maths$.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def md(value) -> str:
    """`value` as literal text inside Markdown, on one line."""
    text = " ".join(str(value).split())
    return _PUNCTUATION.sub(r"\\\1", text)


def code(value) -> str:
    """`value` as a Markdown code span: shown exactly, in a fixed-width font (nothing inside is read as Markdown,
    and Streamlit's typography, which turns " >= " into "≥", leaves it alone)."""
    text = " ".join(str(value).split())
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{ticks} {text} {ticks}"


def plot_text(value) -> str:
    """`value` as literal text in a plotly chart, which reads a few HTML tags (<b>, <a href>, <br>) in labels."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def axis_text(value, limit: int = 40) -> str:
    """`value` as a chart's axis label: literal text (`plot_text`), cut to `limit` characters with an ellipsis, so a
    long label (a taste profile named by three categories) leaves room for the bars; hover shows it whole."""
    text = str(value)
    return plot_text(text if len(text) <= limit else text[:limit - 1].rstrip() + "…")


def with_commands(value) -> str:
    """`value` as literal text, except that what it quotes in backticks (a shell command such as `genome build`)
    is shown as code rather than with its backticks; nothing in it is read as Markdown either way."""
    parts = re.split(r"`([^`\n]+)`", " ".join(str(value).split()))
    return "".join(code(part) if i % 2 else _PUNCTUATION.sub(r"\\\1", part) for i, part in enumerate(parts))


def error(exc: GenomeError) -> None:
    """A domain error as a page shows it: its message, as text, the commands it names as code."""
    st.error(with_commands(exc), icon=":material/error:")
