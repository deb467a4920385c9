"""Address forms the gateway accepts in MAIL FROM and RCPT TO, and relay decisions.

Mail servers have been turned into open relays by address forms that one program reads as
local and the next as remote: source routes (``<@a:u@b>``), ``%`` hacks (``u%b@a``), UUCP
bang paths (``b!u@a``), quoted local parts hiding ``@``, address literals (``u@[1.2.3.4]``)
and trailing dots. We refuse them all in RCPT, and compare domains in one canonical form
(lower case, IDN as A-labels), so "local" means the same thing everywhere.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from policies.domains import normalise_domain

MAX_LOCAL_PART = 64
MAX_DOMAIN = 255
_FORBIDDEN_LOCAL = set('%!@\\"\r\n\0 \t,;:<>()[]')


@dataclass(frozen=True)
class Checked:
    address: str = ""  # canonical form (local part as given, domain normalised)
    domain: str = ""
    problem: str = ""  # non-empty: refuse, and why

    @property
    def ok(self) -> bool:
        return not self.problem


def check_recipient(raw_arg: str, parsed: str | None) -> Checked:
    """``raw_arg`` is the text after ``RCPT TO:``; ``parsed`` what aiosmtpd made of it."""
    text = (raw_arg or "").strip()
    if text[:3].upper() == "TO:":
        text = text[3:].strip()
    if text.startswith("<"):
        text = text[1:].split(">", 1)[0]
    if text.startswith("@"):
        return Checked(problem="source route")
    if parsed is None:
        return Checked(problem="unparsable address")
    return check_address(text.split(" ", 1)[0] if text else parsed)


def check_address(address: str, allow_empty: bool = False) -> Checked:
    if not address:
        return Checked() if allow_empty else Checked(problem="empty address")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in address):
        return Checked(problem="control character")
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return Checked(problem="no domain")
    if local.startswith('"'):
        return Checked(problem="quoted local part")
    if set(local) & _FORBIDDEN_LOCAL:
        return Checked(problem="forbidden character in local part (%, !, @, quotes …)")
    if len(local.encode("utf-8")) > MAX_LOCAL_PART:
        return Checked(problem="local part too long")
    if domain.startswith("["):
        return Checked(problem="address literal")
    if domain.endswith(".") or domain.startswith(".") or ".." in domain:
        return Checked(problem="empty domain label (leading, trailing or double dot)")
    canonical = normalise_domain(domain)
    if not _valid_domain(canonical):
        return Checked(problem="not a valid domain")
    return Checked(f"{local}@{canonical}", canonical)


def _valid_domain(domain: str) -> bool:
    if not domain or len(domain) > MAX_DOMAIN or "." not in domain:
        return False
    for label in domain.split("."):
        if not label or len(label) > 63 or label.startswith("-") or label.endswith("-"):
            return False
        if not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in label):
            return False
    return True


class TrustedNetworks:
    """Client addresses allowed to relay to any domain (config CIDRs)."""

    def __init__(self, cidrs: Iterable[str]):
        self.networks = [ipaddress.ip_network(c, strict=False) for c in cidrs]

    def __contains__(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        return any(addr in net for net in self.networks)


def may_relay(domain: str, local_domains: set[str], trusted: bool) -> bool:
    """Anyone may send to the domains we serve; only trusted clients to the rest."""
    return trusted or domain in local_domains
