"""Address normalisation: lower case, IDNA (A-label) domains, no CR/LF, no angle brackets."""

from __future__ import annotations

import idna

_STRIP = " \t\r\n<>\"'"


def normalise_domain(domain: str) -> str:
    """``Bộ.Gov.VN.`` → ``xn--b-....gov.vn``; falls back to lower case when IDNA refuses."""
    domain = domain.strip().strip(".").lower()
    if not domain or domain.isascii():
        return domain
    if domain.startswith("[") and domain.endswith("]"):
        return domain
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain


def display_domain(domain: str) -> str:
    """The Unicode form of an IDNA domain, for people."""
    try:
        return idna.decode(domain)
    except idna.IDNAError:
        return domain


def normalise_address(address: str) -> str:
    """``"Nguyễn" <A.B@Bộ.vn>`` parts → ``a.b@xn--b-....vn``; empty for the null sender."""
    address = address.replace("\r", "").replace("\n", "").replace("\x00", "").strip(_STRIP)
    if not address:
        return ""
    local, at, domain = address.rpartition("@")
    if not at:
        return address.lower()
    return f"{local.lower()}@{normalise_domain(domain)}"


def domain_of(address: str) -> str | None:
    _, at, domain = address.rpartition("@")
    return domain or None if at else None
