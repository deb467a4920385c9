"""Compile a parsed query (and a scope) into an engine-neutral plan of term, phrase and
range clauses. Each engine turns the same plan into its own query objects."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.addresses import normalise_address, normalise_domain
from search import fields as F
from search import query as Q
from search.scope import Scope
from search.vietnamese import analyse, document_number, keyword


@dataclass(frozen=True)
class Term:
    field: str
    token: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    field: str
    tokens: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Range:
    field: str
    low: int | None  # inclusive
    high: int | None  # inclusive


@dataclass(frozen=True)
class All:
    pass


@dataclass(frozen=True)
class Nothing:
    pass


@dataclass(frozen=True)
class Bool:
    must: tuple = ()
    should: tuple = ()  # at least one must match when there is no ``must``
    must_not: tuple = ()


Clause = Term | Phrase | Range | All | Nothing | Bool


@dataclass
class Plan:
    clause: Clause
    terms: list[str] = field(default_factory=list)  # positive tokens, for snippets


def compile_query(tree: Q.Node, scope: Scope) -> Plan:
    terms: list[str] = []
    clause = _compile(tree, terms, positive=True)
    if not scope.everything:
        visible = tuple(Term("scope", tok) for tok in scope.tokens())
        gate = Bool(should=visible) if visible else Nothing()
        clause = Bool(must=(clause, gate))
    return Plan(clause, terms)


def _compile(node: Q.Node, terms: list[str], positive: bool) -> Clause:
    if isinstance(node, Q.MatchAll):
        return All()
    if isinstance(node, Q.And):
        must, must_not = [], []
        for child in node.nodes:
            if isinstance(child, Q.Not):
                must_not.append(_compile(child.node, terms, positive=False))
            else:
                must.append(_compile(child, terms, positive))
        return Bool(must=tuple(must) or (All(),), must_not=tuple(must_not))
    if isinstance(node, Q.Or):
        return Bool(should=tuple(_compile(c, terms, positive) for c in node.nodes))
    if isinstance(node, Q.Not):
        return Bool(must=(All(),), must_not=(_compile(node.node, terms, positive=False),))
    if isinstance(node, Q.Words | Q.Phrase):
        return _free_text(node.text, terms if positive else [], exclude=not positive)
    if isinstance(node, Q.FieldMatch):
        return _field(node, terms if positive else [])
    if isinstance(node, Q.Flag):
        return _flag(node)
    if isinstance(node, Q.DateRange):
        low = _day(node.start) if node.start else None
        high = _day(node.end) if node.end else None
        return Range(F.DAY, low, high)
    raise TypeError(f"unknown query node {node!r}")


def _day(value) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _text_clause(
    text: str, field_boosts: dict[str, float], terms: list[str], exclude: bool = False
) -> Clause:
    """Match ``text`` in the fields. Typed without diacritics, every form matches; typed
    with them, the exact form scores far above folded ones, and an exclusion (``-bàn``)
    removes only the exact form (not ``bán``)."""
    exact, folded = analyse(text)
    if not exact:
        return Nothing() if exclude else All()
    terms.extend(exact)
    if exact == folded:
        streams = [(F.folded, folded, 1.0)]
    elif exclude:
        streams = [(F.exact, exact, 1.0)]
    else:
        streams = [(F.exact, exact, F.EXACT_FACTOR), (F.folded, folded, F.FOLDED_FACTOR)]
    clauses = []
    for name, boost in field_boosts.items():
        for field_of, toks, factor in streams:
            if len(toks) == 1:
                clauses.append(Term(field_of(name), toks[0], boost * factor))
            else:
                clauses.append(Phrase(field_of(name), tuple(toks), boost * factor))
    return Bool(should=tuple(clauses))


def _free_text(text: str, terms: list[str], exclude: bool = False) -> Clause:
    clause = _text_clause(text, F.FREE_TEXT_BOOSTS, terms, exclude)
    number = document_number(text)
    if number and isinstance(clause, Bool):  # a số/ký hiệu typed as a word: the field too
        clause = Bool(should=(*clause.should, Term("so", number, 4.0)))
    return clause


def _field(node: Q.FieldMatch, terms: list[str]) -> Clause:
    value = node.value
    name = node.field
    if name in ("from", "to"):
        if "@" in value and not value.startswith("@"):
            return Term(f"{name}_addr", normalise_address(value))
        if value.startswith("@") or ("." in value and " " not in value):
            return Term(f"{name}_dom", normalise_domain(value.lstrip("@")))
        return _text_clause(value, {f"{name}_name": 1.0}, terms)
    if name == "filename":
        return _text_clause(value, {"filename": 1.0}, terms)
    if name == "so":
        terms.append(value.lower())
        return Term("so", document_number(value) or keyword(value))
    if name == "type":
        return Term("type", keyword(value))
    if name == "agency":
        value = value.strip().lower()
        return Bool(should=(Term("agency", value), Term("agency", normalise_domain(value))))
    raise ValueError(f"field {name}: not searchable")


def _flag(node: Q.Flag) -> Clause:
    if node.field in ("signed", "scanned"):
        return Term(node.field, "yes" if node.value else "no")
    if node.field == "ocr":  # only messages with OCR text carry the keyword
        yes = Term("ocr", "yes")
        return yes if node.value else Bool(must=(All(),), must_not=(yes,))
    if node.field == "has":
        return Term("has", "attachment")
    if node.field == "direction":
        return Term("direction", str(node.value))
    if node.field == "verdict":
        return Term("verdict", keyword(str(node.value)))
    raise ValueError(f"flag {node.field}: not searchable")
