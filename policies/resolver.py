"""MX lookups behind a small interface: dnspython for real, a fake for tests, a TTL cache.

A lookup never raises: a timeout or server failure is an answer of kind ``error`` that the
classifier turns into the configured fail-open or fail-closed choice.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

AnswerKind = Literal["mx", "implicit", "null", "nxdomain", "error"]


@dataclass(frozen=True)
class MxAnswer:
    """What DNS said about a domain's mail hosts.

    ``mx``: MX records (``hosts`` = the most-preferred ones); ``implicit``: no MX but an
    address record, so the domain itself is the mail host (RFC 5321 5.1); ``null``: RFC 7505
    null MX (the domain takes no mail); ``nxdomain``: no such domain or no mail host at all;
    ``error``: DNS did not answer in time.
    """

    kind: AnswerKind
    hosts: tuple[str, ...] = ()
    ttl: int = 0
    detail: str = ""


class MxResolver(Protocol):
    def lookup(self, domain: str) -> MxAnswer: ...


@dataclass
class FakeResolver:
    """Answers from a table; unknown domains are ``nxdomain``. Counts lookups for tests."""

    answers: Mapping[str, MxAnswer | list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def lookup(self, domain: str) -> MxAnswer:
        self.calls.append(domain)
        answer = self.answers.get(domain)
        if answer is None:
            return MxAnswer("nxdomain", ttl=300)
        if isinstance(answer, MxAnswer):
            return answer
        return MxAnswer("mx", tuple(answer), ttl=300)


class DnsResolver:
    """dnspython MX lookups with a hard time limit for the whole lookup."""

    def __init__(self, timeout: float = 2.0, resolver=None):
        import dns.resolver

        self.timeout = timeout
        self._resolver = resolver or dns.resolver.Resolver()

    def lookup(self, domain: str) -> MxAnswer:
        import dns.exception
        import dns.resolver

        started = time.monotonic()
        try:
            answer = self._resolver.resolve(domain, "MX", lifetime=self.timeout)
        except dns.resolver.NXDOMAIN:
            return MxAnswer("nxdomain", detail="NXDOMAIN")
        except dns.resolver.NoAnswer:
            left = self.timeout - (time.monotonic() - started)
            return self._implicit(domain, max(left, 0.05))
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            return MxAnswer("error", detail=type(exc).__name__)
        except dns.exception.DNSException as exc:
            return MxAnswer("error", detail=f"{type(exc).__name__}: {exc}"[:200])
        records = [(r.preference, r.exchange.to_text(omit_final_dot=True).lower()) for r in answer]
        ttl = answer.rrset.ttl if answer.rrset is not None else 0
        return mx_answer_from_records(records, ttl)

    def _implicit(self, domain: str, lifetime: float) -> MxAnswer:
        import dns.exception
        import dns.resolver

        for rdtype in ("A", "AAAA"):
            try:
                answer = self._resolver.resolve(domain, rdtype, lifetime=lifetime)
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException as exc:
                return MxAnswer("error", detail=type(exc).__name__)
            ttl = answer.rrset.ttl if answer.rrset is not None else 0
            return MxAnswer("implicit", (domain,), ttl=ttl)
        return MxAnswer("nxdomain", detail="no MX and no address")


def mx_answer_from_records(records: list[tuple[int, str]], ttl: int) -> MxAnswer:
    """The most-preferred hosts, or a null MX (one record, preference 0, host ".")."""
    if not records:
        return MxAnswer("nxdomain", ttl=ttl, detail="empty MX set")
    if len(records) == 1 and records[0][1] in ("", "."):
        return MxAnswer("null", ttl=ttl)
    best = min(pref for pref, _ in records)
    hosts = tuple(sorted(host.rstrip(".") for pref, host in records if pref == best))
    return MxAnswer("mx", hosts, ttl=ttl)


class CachingResolver:
    """A TTL cache in front of any resolver: positive answers for their TTL (capped),
    negative ones for ``negative_ttl``, errors not at all. Thread-safe, LRU-bounded."""

    def __init__(
        self,
        inner: MxResolver,
        negative_ttl: int = 300,
        max_ttl: int = 86400,
        size: int = 10000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.inner = inner
        self.negative_ttl = negative_ttl
        self.max_ttl = max_ttl
        self.size = size
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, MxAnswer]] = OrderedDict()
        self._lock = threading.Lock()

    def lookup(self, domain: str) -> MxAnswer:
        now = self.clock()
        with self._lock:
            hit = self._cache.get(domain)
            if hit is not None and hit[0] > now:
                self._cache.move_to_end(domain)
                return hit[1]
        answer = self.inner.lookup(domain)
        ttl = self._ttl_for(answer)
        if ttl > 0 and self.size > 0:
            with self._lock:
                self._cache[domain] = (now + ttl, answer)
                self._cache.move_to_end(domain)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return answer

    def _ttl_for(self, answer: MxAnswer) -> int:
        if answer.kind == "error":
            return 0
        if answer.kind == "nxdomain":
            return self.negative_ttl
        return min(max(answer.ttl, 0), self.max_ttl)
