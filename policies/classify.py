"""Domain classes: official, free_foreign, free_domestic, foreign_hosted, other.

Lists decide first (cheap, no I/O); the MX lookup runs only when a caller asks for it and
the lists did not decide, so mail between official domains never waits for DNS.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from policies.domains import DomainList, normalise_domain, under_suffix
from policies.hosting import HostingTable
from policies.resolver import MxResolver


class DomainClass(StrEnum):
    OFFICIAL = "official"
    FREE_FOREIGN = "free_foreign"
    FREE_DOMESTIC = "free_domestic"
    FOREIGN_HOSTED = "foreign_hosted"
    OTHER = "other"
    UNRESOLVED = "unresolved"  # DNS did not answer: the fail-open/closed setting decides
    NONE = "none"  # the null sender <>


FOREIGN = frozenset({DomainClass.FREE_FOREIGN, DomainClass.FOREIGN_HOSTED})


@dataclass(frozen=True)
class DomainInfo:
    domain: str
    cls: DomainClass
    local: bool = False  # one of the province's own domains
    service: str | None = None  # the foreign service an MX revealed
    detail: str = ""

    def as_dict(self) -> dict:
        data = {"domain": self.domain, "class": self.cls.value, "local": self.local}
        if self.service:
            data["service"] = self.service
        if self.detail:
            data["detail"] = self.detail
        return data


class DomainClassifier:
    def __init__(
        self,
        province_domains: list[str],
        official_suffixes: list[str],
        never_free_suffixes: list[str],
        free_foreign: DomainList,
        free_domestic: DomainList,
        hosting: HostingTable,
        resolver: MxResolver | None,
    ):
        self.province = {normalise_domain(d) for d in province_domains}
        self.official_suffixes = [normalise_domain(d) for d in official_suffixes]
        self.never_free = [normalise_domain(d) for d in never_free_suffixes]
        self.free_foreign = free_foreign
        self.free_domestic = free_domestic
        self.hosting = hosting
        self.resolver = resolver

    def is_local(self, domain: str) -> bool:
        return normalise_domain(domain) in self.province

    def classify(self, domain: str, use_dns: bool = True) -> DomainInfo:
        """The class of ``domain``; DNS only when the lists do not decide and ``use_dns``."""
        domain = normalise_domain(domain)
        if not domain:
            return DomainInfo("", DomainClass.NONE)
        if domain in self.province:
            return DomainInfo(domain, DomainClass.OFFICIAL, local=True)
        if under_suffix(domain, self.official_suffixes):
            return DomainInfo(domain, DomainClass.OFFICIAL)
        if not under_suffix(domain, self.never_free):
            if domain in self.free_domestic:
                return DomainInfo(domain, DomainClass.FREE_DOMESTIC)
            if domain in self.free_foreign:
                return DomainInfo(domain, DomainClass.FREE_FOREIGN)
        if not use_dns or self.resolver is None:
            return DomainInfo(domain, DomainClass.OTHER)
        return self._by_mx(domain)

    def _by_mx(self, domain: str) -> DomainInfo:
        assert self.resolver is not None
        answer = self.resolver.lookup(domain)
        if answer.kind == "error":
            return DomainInfo(domain, DomainClass.UNRESOLVED, detail=answer.detail)
        for host in answer.hosts:
            service = self.hosting.service_for(host)
            if service:
                return DomainInfo(
                    domain, DomainClass.FOREIGN_HOSTED, service=service, detail=f"MX {host}"
                )
        detail = {"mx": "MX " + ",".join(answer.hosts), "implicit": "implicit MX"}.get(
            answer.kind, answer.kind
        )
        return DomainInfo(domain, DomainClass.OTHER, detail=detail)
