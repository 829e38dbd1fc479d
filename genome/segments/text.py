"""The readable text form of a segment rule, and its parser.

    weekend_shopper AND clv_12m >= 200 AND NOT lapsed_90d
    (bargain_hunter OR coupon_user) AND home_city IN ('Chicago', 'Boston')
    clv_12m IN TOP 10% AND clv_12m BETWEEN 50 AND 500
    COUNT(purchase, category = 'running_shoes', LAST 30 DAYS) >= 2
    COUNT(purchase, 90 TO 180 DAYS AGO) = 0 AND IN SEGMENT 'Weekend shoppers'

NOT binds tighter than AND, AND tighter than OR. Keywords are read in any
case and written in capitals; text values are in single quotes ('' for a
quote inside). `to_text(parse(s))` is the canonical form of `s`, and
`parse(to_text(rule))` gives back the normalised rule. Errors name the token
and its position (also kept as `RuleError.position`, 1-based).

A rule nests at most `MAX_DEPTH` levels (brackets and NOTs): deeper text is
refused with one line instead of exhausting Python's stack.
"""

import re
from dataclasses import dataclass

from genome.segments.rules import (
    COMPARISONS,
    EVENT_FILTERS,
    EVERYONE,
    MAX_DEPTH,
    Between,
    Compare,
    EventCount,
    Flag,
    Group,
    InSegment,
    Node,
    OneOf,
    RuleError,
    TopPercent,
    between,
    compare,
    event_count,
    root,
    top_percent,
)

KEYWORDS = {"AND", "OR", "NOT", "BETWEEN", "IN", "TOP", "COUNT", "LAST", "DAYS", "DAY", "TO", "AGO", "SEGMENT"}
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>>=|<=|!=|<>|>|<|=)
  | (?P<punct>[(),%])
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, word, keyword, op, punct, end
    text: str
    value: object
    at: int

    def describe(self) -> str:
        return "the end of the rule" if self.kind == "end" else f"{self.text!r} at position {self.at + 1}"


def tokens(text: str) -> list[Token]:
    out, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            if text[at] == "'":
                raise RuleError(f"text value starting at position {at + 1} has no closing quote", position=at + 1)
            raise RuleError(f"unexpected character {text[at]!r} at position {at + 1}", position=at + 1)
        kind, raw = match.lastgroup, match.group()
        if kind == "string":
            out.append(Token("string", raw, raw[1:-1].replace("''", "'"), at))
        elif kind == "number":
            value = float(raw)
            if value != value or abs(value) == float("inf"):
                raise RuleError(f"number {raw!r} at position {at + 1} is too large", position=at + 1)
            out.append(Token("number", raw, int(value) if value.is_integer() and abs(value) < 2**53 else value, at))
        elif kind == "word" and raw.upper() in KEYWORDS:
            out.append(Token("keyword", raw, raw.upper(), at))
        elif kind == "op":
            out.append(Token("op", raw, "!=" if raw == "<>" else raw, at))
        elif kind != "space":
            out.append(Token(kind, raw, raw, at))
        at = match.end()
    out.append(Token("end", "", None, len(text)))
    return out


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokens(text)
        self.i = 0
        self.depth = 0

    def fail(self, message: str, token: Token | None = None) -> RuleError:
        token = token or self.peek
        return RuleError(message, position=token.at + 1)

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"the rule nests more than {MAX_DEPTH} levels of brackets and NOTs "
                            f"(at position {self.peek.at + 1}): simplify it")

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.peek.kind == "keyword" and self.peek.value in words

    def expect(self, kind: str, value=None, what: str | None = None) -> Token:
        token = self.peek
        if token.kind != kind or (value is not None and token.value != value):
            wanted = what or (repr(value) if value is not None else kind)
            raise self.fail(f"expected {wanted} but found {token.describe()}", token)
        return self.take()

    def rule(self) -> Node:
        if self.peek.kind == "end":
            return EVERYONE
        node = self.any_of()
        if self.peek.kind != "end":
            raise self.fail(f"unexpected {self.peek.describe()}: join conditions with AND or OR")
        return node

    def any_of(self) -> Node:
        items = [self.all_of()]
        while self.at_keyword("OR"):
            self.take()
            items.append(self.all_of())
        return items[0] if len(items) == 1 else Group("any", tuple(items))

    def all_of(self) -> Node:
        items = [self.unary()]
        while self.at_keyword("AND"):
            self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else Group("all", tuple(items))

    def unary(self) -> Node:
        if self.at_keyword("NOT"):
            self.take()
            self.deeper()
            node = Group("none", (self.unary(),))
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        token = self.peek
        if token.kind == "punct" and token.value == "(":
            self.take()
            self.deeper()
            node = self.any_of()
            self.expect("punct", ")", "')'")
            self.depth -= 1
            return node
        if self.at_keyword("IN"):
            self.take()
            self.expect("keyword", "SEGMENT", "SEGMENT after IN")
            return InSegment(self.text_value("segment name"))
        if token.kind != "word" and not self.at_keyword("COUNT"):
            raise self.fail(f"expected a gene name, COUNT(...), IN SEGMENT or '(' but found {token.describe()}")
        try:
            return self.count() if self.at_keyword("COUNT") else self.gene_condition(self.take().value)
        except RuleError as exc:  # a value the condition refuses: point at the condition
            if exc.position is None:
                exc.position = token.at + 1
            raise

    def text_value(self, what: str) -> str:
        token = self.expect("string", what=f"a {what} in single quotes")
        if not token.value:
            raise self.fail(f"the {what} at position {token.at + 1} is empty", token)
        return token.value

    def number(self, what: str) -> float | int:
        return self.expect("number", what=what).value

    def gene_condition(self, gene: str) -> Node:
        token = self.peek
        if token.kind == "op":
            op = self.take().value
            if self.peek.kind == "string":
                value = self.text_value("value")
                if op == "=":
                    return OneOf(gene, (value,))
                if op == "!=":
                    return Group("none", (OneOf(gene, (value,)),))
                raise self.fail(f"{gene} {op} '{value}': text values compare only with = or !=", token)
            return compare(gene, op, self.number(f"a number after {gene} {op}"))
        if self.at_keyword("BETWEEN"):
            self.take()
            low = self.number(f"a number after {gene} BETWEEN")
            self.expect("keyword", "AND", f"AND in {gene} BETWEEN {low} AND ...")
            return between(gene, low, self.number(f"a number after {gene} BETWEEN {low} AND"))
        negate = False
        if self.at_keyword("NOT") and self.tokens[self.i + 1].kind == "keyword" and self.tokens[self.i + 1].value == "IN":
            self.take()
            negate = True
        if self.at_keyword("IN"):
            self.take()
            if self.at_keyword("TOP") and not negate:
                self.take()
                percent = self.number(f"a share after {gene} IN TOP")
                self.expect("punct", "%", f"'%' after {gene} IN TOP {percent}")
                return top_percent(gene, percent)
            self.expect("punct", "(", f"'(' or TOP after {gene} IN")
            values = [self.text_value("value")]
            while self.peek.kind == "punct" and self.peek.value == ",":
                self.take()
                values.append(self.text_value("value"))
            self.expect("punct", ")", "')' closing the list of values")
            node = OneOf(gene, tuple(values))
            return Group("none", (node,)) if negate else node
        return Flag(gene)

    def days(self) -> None:
        if not self.at_keyword("DAYS", "DAY"):
            raise self.fail(f"expected DAYS but found {self.peek.describe()}")
        self.take()

    def count(self) -> EventCount:
        self.take()
        self.expect("punct", "(", "'(' after COUNT")
        event_type = self.expect("word", what="an event type such as purchase").value
        filters: dict[str, str] = {}
        window = None
        while self.peek.kind == "punct" and self.peek.value == ",":
            self.take()
            if self.at_keyword("LAST"):
                self.take()
                days = self.number("a number of days after LAST")
                self.days()
                window = (0, days)
            elif self.peek.kind == "number":
                start = self.take().value
                self.expect("keyword", "TO", f"TO after {start}")
                end = self.number(f"a number of days after {start} TO")
                self.days()
                self.expect("keyword", "AGO", "AGO")
                window = (start, end)
            else:
                name = self.expect("word", what="category = '...', channel = '...' or a window of days").value
                if name not in EVENT_FILTERS:
                    raise self.fail(f"COUNT({event_type}) cannot filter on {name!r}; use {', '.join(EVENT_FILTERS)}")
                self.expect("op", "=", f"= after {name}")
                filters[name] = self.text_value(name)
        if window is None:
            raise self.fail(f"COUNT({event_type}) needs a window: LAST n DAYS or a TO b DAYS AGO")
        self.expect("punct", ")", "')' closing COUNT(...)")
        op = self.expect("op", what=f"a comparison after COUNT(...), one of {' '.join(COMPARISONS)}").value
        return event_count(event_type, op, self.number("a number of events"), window[0], window[1], **filters)


def parse(text: str) -> Group:
    """The normalised rule for a text form; a RuleError names what is wrong and where."""
    if not isinstance(text, str):
        raise RuleError("a rule is text")
    return root(_Parser(text).rule())


# --- writing --------------------------------------------------------------------------------------------------

def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _num(value) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))


def condition_text(node) -> str:
    if isinstance(node, Flag):
        return node.gene
    if isinstance(node, Compare):
        return f"{node.gene} {node.op} {_num(node.value)}"
    if isinstance(node, Between):
        return f"{node.gene} BETWEEN {_num(node.low)} AND {_num(node.high)}"
    if isinstance(node, TopPercent):
        return f"{node.gene} IN TOP {_num(node.percent)}%"
    if isinstance(node, OneOf):
        if len(node.values) == 1:
            return f"{node.gene} = {_quoted(node.values[0])}"
        return f"{node.gene} IN ({', '.join(_quoted(v) for v in node.values)})"
    if isinstance(node, EventCount):
        parts = [node.event_type]
        parts += [f"{f} = {_quoted(getattr(node, f))}" for f in EVENT_FILTERS if getattr(node, f) is not None]
        parts.append(f"LAST {node.days_to} DAYS" if node.days_from == 0
                     else f"{node.days_from} TO {node.days_to} DAYS AGO")
        return f"COUNT({', '.join(parts)}) {node.op} {node.count}"
    if isinstance(node, InSegment):
        return f"IN SEGMENT {_quoted(node.segment)}"
    raise RuleError(f"not a rule node: {node!r}")


def item_text(node: Node) -> str:
    if not isinstance(node, Group):
        return condition_text(node)
    if node.kind == "none":
        if len(node.items) == 1:
            return "NOT " + item_text(node.items[0])
        return "NOT (" + " OR ".join(item_text(i) for i in node.items) + ")"
    return "(" + _joined(node) + ")"


def _joined(group: Group) -> str:
    return (" AND " if group.kind == "all" else " OR ").join(item_text(i) for i in group.items)


def to_text(node: Node) -> str:
    """The canonical text form; the empty rule (everyone) is the empty string."""
    top = root(node)
    return item_text(top) if top.kind == "none" else _joined(top)
