"""The query language, parsed into an engine-neutral tree (no index needed to parse).

    văn bản điện tử          words: every one must match (with or without diacritics)
    "chữ ký số"              a phrase: consecutive syllables
    a OR b                   either (OR binds tighter than the implicit AND)
    -word, -"phrase", -f:v   exclude
    ( … )                    group
    from: to: agency: so: type: filename: signed:yes|no scanned:yes|no ocr:yes|no
    has:attachment
    verdict: direction:in|out|internal date:2023-01-01..2023-03-31 before: after:

Dates: ``date:2023`` (a year), ``date:2023-05`` (a month), ``date:2023-05-17`` (a day),
``date:A..B`` (inclusive, either side may be empty); ``before:D`` and ``after:D`` exclude D.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

FIELDS = {
    "from",
    "to",
    "agency",
    "so",
    "type",
    "filename",
    "signed",
    "scanned",
    "ocr",
    "has",
    "verdict",
    "direction",
    "date",
    "before",
    "after",
}
MAX_DEPTH = 32  # nested parentheses: deeper would exhaust the parser's (and engines') stack
YES_NO = {"yes": True, "no": False, "co": True, "khong": False}
DIRECTIONS = {
    "in": "in",
    "out": "out",
    "internal": "internal",
    "den": "in",
    "di": "out",
    "inbound": "in",
    "outbound": "out",
    "noibo": "internal",
}


class QuerySyntaxError(ValueError):
    """A query that cannot be read; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int, query: str):
        self.message = message
        self.position = position
        self.query = query
        super().__init__(f"{message} (at position {position + 1})")

    def pointer(self) -> str:
        """The query with a caret under the problem, for terminals."""
        return f"{self.query}\n{' ' * self.position}^"


# -- tree ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Words:
    text: str  # one word of the query (may analyse to several tokens: then a phrase)


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class FieldMatch:
    field: str
    value: str
    phrase: bool = False


@dataclass(frozen=True)
class Flag:
    field: str  # signed | scanned | ocr | has | direction | verdict
    value: str | bool


@dataclass(frozen=True)
class DateRange:
    start: date | None  # inclusive
    end: date | None  # inclusive


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Words | Phrase | FieldMatch | Flag | DateRange | Not | And | Or | MatchAll


# -- lexer --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tok:
    kind: str  # ( ) - OR WORD QUOTED FIELD
    text: str
    pos: int


_FIELD = re.compile(r"([A-Za-z]+):")


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok(ch, ch, i))
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError("unclosed quote", i, query)
            toks.append(_Tok("QUOTED", query[i + 1 : end], i))
            i = end + 1
        elif (
            ch == "-"
            and (not toks or toks[-1].kind in ("(", "OR") or query[i - 1].isspace())
            and i + 1 < n
            and not query[i + 1].isspace()
        ):
            toks.append(_Tok("-", "-", i))
            i += 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"':
                j += 1
            word = query[i:j]
            m = _FIELD.match(word)
            if m and not word[m.end() :].startswith("//"):
                name = m.group(1).lower()
                if name not in FIELDS:
                    raise QuerySyntaxError(
                        f"unknown field '{m.group(1)}:' (known: {', '.join(sorted(FIELDS))})",
                        i,
                        query,
                    )
                toks.append(_Tok("FIELD", name, i))
                rest = word[m.end() :]
                if rest:
                    toks.append(_Tok("WORD", rest, i + m.end()))
                elif j < n and query[j] == '"':
                    pass  # the quoted value follows
                else:
                    raise QuerySyntaxError(f"'{name}:' needs a value", i, query)
            elif word == "OR":
                toks.append(_Tok("OR", word, i))
            else:
                toks.append(_Tok("WORD", word, i))
            i = j
    return toks


# -- parser -------------------------------------------------------------------------
class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.toks = _lex(query)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, pos: int | None = None) -> QuerySyntaxError:
        return QuerySyntaxError(message, len(self.query) if pos is None else pos, self.query)

    def parse(self) -> Node:
        node = self.sequence(top=True)
        if self.peek() is not None:
            raise self.error("unexpected ')'", self.peek().pos)
        return node

    def sequence(self, top: bool) -> Node:
        nodes = []
        while (tok := self.peek()) is not None and tok.kind != ")":
            nodes.append(self.or_expr())
        if not nodes:
            if top:
                return MatchAll()
            raise self.error("empty parentheses", self.peek().pos if self.peek() else None)
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def or_expr(self) -> Node:
        nodes = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            if self.peek() is None or self.peek().kind in (")", "OR"):
                raise self.error("OR needs something after it", tok.pos)
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "OR":
            raise self.error("OR needs something before it", tok.pos)
        if tok.kind == "-":
            self.take()
            if self.peek() is None:
                raise self.error("'-' needs a word after it", tok.pos)
            return Not(self.primary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(f"too many nested '(' (at most {MAX_DEPTH})", tok.pos)
            node = self.sequence(top=False)
            self.depth -= 1
            if self.peek() is None:
                raise self.error("unclosed '('", tok.pos)
            self.take()
            return node
        if tok.kind == ")":
            raise self.error("unexpected ')'", tok.pos)
        if tok.kind == "QUOTED":
            if not tok.text.strip():
                raise self.error("empty phrase", tok.pos)
            return Phrase(tok.text)
        if tok.kind == "FIELD":
            value = self.peek()
            if value is None or value.kind not in ("WORD", "QUOTED"):
                raise self.error(f"'{tok.text}:' needs a value", tok.pos)
            self.take()
            return _field(tok.text, value.text, value.kind == "QUOTED", value.pos, self.query)
        if tok.kind in ("WORD",):
            return Words(tok.text)
        raise self.error(f"unexpected '{tok.text}'", tok.pos)


def parse(query: str) -> Node:
    """The tree of ``query``; raises QuerySyntaxError with the position of a problem."""
    return _Parser(query).parse()


# -- field values -------------------------------------------------------------------
def _field(name: str, value: str, quoted: bool, pos: int, query: str) -> Node:
    def bad(message: str) -> QuerySyntaxError:
        return QuerySyntaxError(message, pos, query)

    plain = value.strip().lower()
    if name in ("signed", "scanned", "ocr"):
        key = _ascii(plain)
        if key not in YES_NO:
            raise bad(f"{name}: takes yes or no")
        return Flag(name, YES_NO[key])
    if name == "has":
        if _ascii(plain) not in ("attachment", "attachments", "tepdinhkem", "dinhkem"):
            raise bad("has: takes 'attachment'")
        return Flag("has", True)
    if name == "direction":
        key = _ascii(plain).replace(" ", "")
        if key not in DIRECTIONS:
            raise bad("direction: takes in, out or internal")
        return Flag("direction", DIRECTIONS[key])
    if name == "verdict":
        return Flag("verdict", plain)
    if name == "date":
        return _date_range(plain, bad)
    if name in ("before", "after"):
        day = _day(plain, bad, name)
        try:
            if name == "before":
                return DateRange(None, day - timedelta(days=1))
            return DateRange(day + timedelta(days=1), None)
        except OverflowError:  # before:0001-01-01, after:9999-12-31
            raise bad(f"{name}: no day {name} {plain}") from None
    if not plain:
        raise bad(f"{name}: needs a value")
    return FieldMatch(name, value.strip(), quoted)


def _ascii(text: str) -> str:
    from search.vietnamese import fold

    return fold(text)


def _date_range(value: str, bad) -> DateRange:
    if ".." in value:
        lo, _, hi = value.partition("..")
        start = _period(lo, bad)[0] if lo else None
        end = _period(hi, bad)[1] if hi else None
        if start is None and end is None:
            raise bad("date: needs at least one side of '..'")
        if start and end and start > end:
            raise bad("date: the range ends before it starts")
        return DateRange(start, end)
    start, end = _period(value, bad)
    return DateRange(start, end)


def _period(value: str, bad) -> tuple[date, date]:
    """A year, a month or a day as (first day, last day)."""
    try:
        if re.fullmatch(r"\d{4}", value):
            year = int(value)
            return date(year, 1, 1), date(year, 12, 31)
        if re.fullmatch(r"\d{4}-\d{1,2}", value):
            year, month = (int(x) for x in value.split("-"))
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        day = _day(value, bad, "date")
        return day, day
    except ValueError:
        raise bad(f"not a date: '{value}' (use 2023, 2023-05 or 2023-05-17)") from None


def _day(value: str, bad, name: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
            return date(*(int(x) for x in value.split("-")))
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
            d, m, y = (int(x) for x in value.split("/"))
            return date(y, m, d)
    except ValueError:
        pass
    raise bad(f"{name}: not a date: '{value}' (use 2023-05-17 or 17/05/2023)")
