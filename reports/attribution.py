"""Which agency a mail address belongs to: the most specific match wins.

First the address itself (a registered mailbox), then the longest registered domain that
the address's domain equals or is a subdomain of: ``vanthu@stttt.ninhthuan.gov.vn`` goes to
the agency of ``stttt.ninhthuan.gov.vn`` before the one of ``ninhthuan.gov.vn``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from archive.addresses import normalise_address


@dataclass(frozen=True)
class Match:
    agency_id: int
    kind: str  # address | domain | parent-domain
    key: str  # the registered address or domain that matched


@dataclass(frozen=True)
class CodeSpan:
    code: str
    valid_from: date | None
    valid_to: date | None

    def covers(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass
class Directory:
    """An in-memory copy of the directory: small (hundreds of agencies), read per batch."""

    addresses: dict[str, int] = field(default_factory=dict)
    domains: dict[str, int] = field(default_factory=dict)
    codes: dict[int, list[CodeSpan]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    levels: dict[int, str] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)
    notations: dict[int, str | None] = field(default_factory=dict)

    def match(self, address: str) -> Match | None:
        address = normalise_address(address)
        agency = self.addresses.get(address)
        if agency is not None:
            return Match(agency, "address", address)
        _local, at, domain = address.rpartition("@")
        if not at:
            return None
        labels = domain.split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            agency = self.domains.get(candidate)
            if agency is not None:
                return Match(agency, "domain" if start == 0 else "parent-domain", candidate)
        return None

    def agency_of(self, address: str) -> int | None:
        found = self.match(address)
        return found.agency_id if found else None

    def code_at(self, agency_id: int, day: date | None = None) -> str:
        """The code valid on ``day`` (else the latest one); '' for an agency without codes."""
        spans = self.codes.get(agency_id, [])
        if not spans:
            return ""
        if day is not None:
            current = [s for s in spans if s.covers(day)]
            if current:
                return max(current, key=_span_order).code
        return max(spans, key=_span_order).code

    def subtree(self, agency_id: int) -> set[int]:
        """The agency and every agency under it."""
        children: dict[int | None, list[int]] = {}
        for child, parent in self.parents.items():
            children.setdefault(parent, []).append(child)
        found, todo = set(), [agency_id]
        while todo:
            node = todo.pop()
            if node in found:
                continue
            found.add(node)
            todo += children.get(node, [])
        return found


def _span_order(span: CodeSpan) -> tuple:
    return (span.valid_to is None, span.valid_to or date.min, span.valid_from or date.min)
