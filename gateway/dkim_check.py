"""DKIM: verify every signature of incoming mail (before any change), sign outbound mail.

dkimpy's ``dkim.verify`` checks only the first signature and turns DNS trouble into a plain
``False``; here each signature is verified with ``DKIM.verify(idx=n)`` and a key lookup
that records what DNS said, so ``temperror`` (DNS did not answer) is told apart from
``fail`` (bad signature) and ``permerror`` (no key, broken signature field).
"""

from __future__ import annotations

import errno
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dkim

from gateway.addresses import _valid_domain
from gateway.headers import fold, header_safe, remove
from policies.domains import normalise_domain

TxtLookup = Callable[[str], bytes | None]  # raises DnsTemporaryError when DNS is silent
_quiet = logging.getLogger("dkimpy-quiet")  # dkimpy logs every failure at ERROR
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False
_quiet.setLevel(logging.CRITICAL + 1)
_RANK = {"pass": 0, "temperror": 1, "fail": 2, "permerror": 3, "none": 4}


class DnsTemporaryError(Exception):
    pass


@dataclass(frozen=True)
class SignatureResult:
    domain: str
    selector: str
    result: str
    header_b: str = ""


@dataclass
class DkimOutcome:
    result: str = "none"  # pass | fail | temperror | permerror | none
    signatures: list[SignatureResult] = field(default_factory=list)

    def passed_for(self, domain: str) -> bool:
        return any(s.result == "pass" and s.domain == domain for s in self.signatures)


def dns_txt(timeout: float) -> TxtLookup:
    """TXT lookups with dnspython: None when there is no record, DnsTemporaryError on
    timeouts and server failures."""

    def lookup(name: str) -> bytes | None:
        import dns.exception
        import dns.resolver

        try:
            answer = dns.resolver.resolve(name, "TXT", lifetime=timeout, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN:
            return None
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            raise DnsTemporaryError(type(exc).__name__) from None
        except dns.exception.DNSException as exc:
            raise DnsTemporaryError(str(exc)) from None
        for rrset in answer.response.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                return b"".join(next(iter(rrset)).strings)
        return None

    return lookup


def dkim_signed(raw: bytes) -> bool:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    return b"dkim-signature" in head.lower()


def verify_dkim(raw: bytes, lookup: TxtLookup | None = None, timeout: float = 3.0) -> DkimOutcome:
    """Verify each DKIM-Signature; the best result wins (pass > temperror > fail …)."""
    if not dkim_signed(raw):
        return DkimOutcome("none")  # most mail: skip building dkimpy's view of it
    lookup = lookup or dns_txt(timeout)
    try:
        checker = dkim.DKIM(raw, logger=_quiet, timeout=int(max(timeout, 1)))
        count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
    except Exception:
        return DkimOutcome("permerror")
    if count == 0:
        return DkimOutcome("none")
    results = [_one(checker, index, lookup) for index in range(count)]
    best = min(results, key=lambda r: _RANK[r.result])
    return DkimOutcome(best.result, results)


def _one(checker: dkim.DKIM, index: int, lookup: TxtLookup) -> SignatureResult:
    state = {"temp": False, "key": False}

    def dnsfunc(name, timeout=5):
        name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
        try:
            value = lookup(name.rstrip("."))
        except DnsTemporaryError as exc:
            state["temp"] = True
            raise dkim.DnsTimeoutError(str(exc)) from None
        state["key"] = value is not None
        return value

    domain = selector = header_b = ""
    try:
        sig = _signature_fields(checker, index)
        domain = sig.get(b"d", b"").decode("ascii", "replace").lower()
        selector = sig.get(b"s", b"").decode("ascii", "replace")
        header_b = re.sub(rb"\s", b"", sig.get(b"b", b""))[:8].decode("ascii", "replace")
        ok = checker.verify(idx=index, dnsfunc=dnsfunc)
    except dkim.DKIMException:
        # after the key was found, a broken hash or signature is a failure, not an error
        result = "fail" if state["key"] else "permerror"
        return SignatureResult(domain, selector, result, header_b)
    except Exception:
        return SignatureResult(domain, selector, "permerror", header_b)
    if ok:
        result = "pass"
    elif state["temp"]:
        result = "temperror"
    elif not state["key"]:
        result = "permerror"
    else:
        result = "fail"
    return SignatureResult(domain, selector, result, header_b)


def _signature_fields(checker: dkim.DKIM, index: int) -> dict[bytes, bytes]:
    sigs = [v for n, v in checker.headers if n.lower() == b"dkim-signature"]
    return dkim.util.parse_tag_value(sigs[index])


def authentication_results(authserv_id: str, outcome: DkimOutcome) -> tuple[str, str]:
    """An Authentication-Results field (RFC 8601), one method entry per signature."""
    parts = [header_safe(authserv_id)]
    if not outcome.signatures:
        parts.append(f"dkim={outcome.result}")
    for sig in outcome.signatures:
        entry = f"dkim={sig.result}"
        if sig.domain:
            entry += f" header.d={_token(sig.domain)}"
        if sig.selector:
            entry += f" header.s={_token(sig.selector)}"
        if sig.header_b:
            entry += f" header.b={_token(sig.header_b)}"
        parts.append(entry)
    return "Authentication-Results", "; ".join(parts)


def _token(value: str) -> str:
    return "".join(ch for ch in value if ch.isascii() and (ch.isalnum() or ch in ".-_+/="))


def strip_our_results(raw: bytes, authserv_id: str) -> bytes:
    """Remove incoming Authentication-Results that claim to be ours (RFC 8601 5)."""
    ours = authserv_id.lower().encode()

    def claims_ours(name: str, field_bytes: bytes) -> bool:
        if name != "authentication-results":
            return False
        value = field_bytes.partition(b":")[2].strip().lower()
        return re.split(rb"[\s;]", value, maxsplit=1)[0] == ours

    return remove(raw, claims_ours)


# -- signing ----------------------------------------------------------------------------
SIGNED_HEADERS = [
    b"from", b"sender", b"reply-to", b"subject", b"date", b"message-id", b"to", b"cc",
    b"mime-version", b"content-type", b"content-transfer-encoding", b"in-reply-to",
    b"references", b"x-govmail-policy",
]  # fmt: skip


@dataclass(frozen=True)
class Signer:
    domain: str
    selector: str
    key: bytes

    @classmethod
    def from_file(cls, domain: str, selector: str, key_file: Path) -> Signer:
        return cls(domain.lower(), selector, key_file.read_bytes())

    def sign(self, raw: bytes) -> bytes:
        """``raw`` with a DKIM-Signature (relaxed/relaxed) prepended."""
        field_bytes = dkim.sign(
            raw,
            self.selector.encode(),
            self.domain.encode(),
            self.key,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=SIGNED_HEADERS,
            logger=_quiet,
        )
        return field_bytes.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw


# RFC 6376 3.1 (sub-domain); '_' too, as DNS takes it in TXT names and keys exist with it
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_SELECTOR = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


def key_problem(domain: str, selector: str) -> str:
    """Why DOMAIN/SELECTOR cannot name a DKIM key ('' when they can)."""
    if not _SELECTOR.match(selector):
        return (
            f"selector {selector!r} is not valid: letters, digits, '-' and '_' in "
            "dot-separated labels (RFC 6376 3.1), e.g. mail2026"
        )
    if not _valid_domain(normalise_domain(domain)) or domain != domain.strip():
        return f"domain {domain!r} is not a valid domain name"
    return ""


def keygen(
    domain: str, selector: str, directory: Path, bits: int = 2048, replace: bool = False
) -> tuple[Path, str]:
    """Write ``<selector>.<domain>.pem`` (mode 600) and return it with the DNS TXT record.

    Raises ValueError for a bad domain or selector, FileExistsError when the key exists and
    ``replace`` is false (the published DNS record belongs to that key), OSError otherwise."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    problem = key_problem(domain, selector)
    if problem:
        raise ValueError(problem)
    domain = normalise_domain(domain)
    path = directory / f"{selector}.{domain}.pem"
    if path.exists() and not replace:
        raise FileExistsError(errno.EEXIST, "a key for this selector exists", str(path))
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    directory.mkdir(parents=True, exist_ok=True)
    # created 600 (never readable by others, not even for a moment), then renamed into place
    tmp = directory / f".{path.name}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if a key appeared meanwhile
    finally:
        tmp.unlink(missing_ok=True)
    p = "p=" + base64.b64encode(public).decode("ascii")
    chunks = " ".join(f'"{p[i : i + 250]}"' for i in range(0, len(p), 250))
    record = f'{selector}._domainkey.{domain}. IN TXT ( "v=DKIM1; k=rsa; " {chunks} )'
    return path, record


__all__ = [
    "DkimOutcome",
    "Signer",
    "authentication_results",
    "fold",
    "keygen",
    "strip_our_results",
    "verify_dkim",
]
