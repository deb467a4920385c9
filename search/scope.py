"""Who may see what: a mailbox sees its own sent and received mail, an agency the mail of
its domains (and addresses), an auditor everything. Enforced inside every search query."""

from __future__ import annotations

from dataclasses import dataclass

from archive.addresses import normalise_address, normalise_domain


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    addresses: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    @classmethod
    def all(cls) -> Scope:
        return cls(everything=True)

    @classmethod
    def mailbox(cls, address: str) -> Scope:
        return cls(addresses=frozenset({normalise_address(address)}))

    @classmethod
    def agency(cls, domains: list[str], addresses: list[str] = ()) -> Scope:
        return cls(
            domains=frozenset(normalise_domain(d) for d in domains),
            addresses=frozenset(normalise_address(a) for a in addresses),
        )

    @classmethod
    def parse(cls, text: str) -> Scope:
        """``--as``: an address (mailbox), ``@domain`` or ``domain`` (agency), ``*`` (all)."""
        text = text.strip()
        if text in ("*", "all", "auditor"):
            return cls.all()
        if "@" in text and not text.startswith("@"):
            return cls.mailbox(text)
        domain = text.lstrip("@")
        if "." not in domain:
            raise ValueError(f"not a mailbox address or a mail domain: {text!r}")
        return cls.agency([domain])

    def tokens(self) -> list[str]:
        """The index's scope keywords any of which makes a message visible."""
        return sorted({f"a:{a}" for a in self.addresses} | {f"d:{d}" for d in self.domains})

    def sees(self, addresses: set[str]) -> bool:
        """The same rule for one message, from the addresses it involves."""
        if self.everything:
            return True
        if addresses & self.addresses:
            return True
        return any(a.rsplit("@", 1)[-1] in self.domains for a in addresses if "@" in a)
