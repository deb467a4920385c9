"""Postfix's XFORWARD (XFORWARD_README): in content_filter mode Postfix connects from
127.0.0.1 and names the client the mail really came from, so the policy judges that client
(its address and HELO), not Postfix. Only trusted clients may send it."""

from __future__ import annotations

import re

ATTRIBUTES = ("NAME", "ADDR", "PROTO", "HELO", "SOURCE")
EHLO_LINE = "250-XFORWARD " + " ".join(ATTRIBUTES)
_XTEXT = re.compile(r"\+([0-9A-Fa-f]{2})")
_UNKNOWN = {"[UNAVAILABLE]", "[TEMPUNAVAIL]"}


class XforwardError(ValueError):
    """A malformed XFORWARD command."""


def parse(arg: str) -> dict[str, str]:
    """``ADDR=203.0.113.9 HELO=mail.example`` → ``{"ADDR": "203.0.113.9", ...}``.

    Values are xtext (RFC 3461: ``+XX`` escapes); ``[UNAVAILABLE]`` and ``[TEMPUNAVAIL]``
    say Postfix does not know the value, so they are left out. ``IPV6:`` is dropped from
    addresses.
    """
    found: dict[str, str] = {}
    items = arg.split()
    if not items:
        raise XforwardError("501 5.5.4 Syntax: XFORWARD attribute=value...")
    for item in items:
        name, sep, raw = item.partition("=")
        name = name.upper()
        if not sep or name not in ATTRIBUTES:
            raise XforwardError(f"501 5.5.4 Bad XFORWARD attribute name: {name[:40]}")
        value = _XTEXT.sub(lambda m: chr(int(m.group(1), 16)), raw)
        if any(ord(ch) < 33 or ord(ch) > 126 for ch in value):
            raise XforwardError(f"501 5.5.4 Bad XFORWARD attribute value: {name}")
        if value.upper() in _UNKNOWN:
            continue
        if name == "ADDR" and value.upper().startswith("IPV6:"):
            value = value[5:]
        found[name] = value
    return found
