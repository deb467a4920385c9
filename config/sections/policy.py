"""The official-mail policy (issue 5): domain classes, DNS hosting lookups, the rule table.

The rule table is data: each row names a rule module in ``policies.rules`` and says what to
do when it matches. ``policies.PolicyEngine.from_settings`` checks the names against the
registry, so a typo stops start-up with the file and key.
"""

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from config.sections.base import Section

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
Action = Literal["accept", "tag", "quarantine", "reject"]
NotifyTarget = Literal["sender", "admin"]


class RuleSettings(Section):
    """One row of the ordered rule table (first match wins)."""

    name: str = Field(description="Rule name (kebab-case), one of policies.rules.")
    action: Action = Field(description="accept, tag, quarantine or reject.")
    notify: list[NotifyTarget] = Field(
        [], description="Also send a notice (Vietnamese + English) to the sender and/or admin."
    )
    dry_run: bool = Field(False, description="Only log what this rule would have done.")
    subject_prefix: str = Field(
        "", max_length=64, description="For tag: text put before the Subject ('' for none)."
    )
    comment: str = Field("", description="Why this row is here (shown by `policy check`).")

    @field_validator("subject_prefix", "name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(ch in value for ch in "\r\n\0"):
            raise ValueError("must be one line (no CR, LF or NUL)")
        return value


def _domain_name(item: str) -> str:
    """A domain as mail compares it (lower case, IDN as xn-- A-labels), or ValueError."""
    domain = item.strip().lower().rstrip(".").lstrip(".")
    try:
        ascii_name = domain if domain.isascii() else domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{item!r} is not a domain name") from None
    labels = ascii_name.split(".")
    if not domain or len(ascii_name) > 253 or not all(_LABEL.match(x) for x in labels):
        raise ValueError(
            f"{item!r} is not a domain name (letters, digits and '-' between dots; "
            "no wildcards, spaces or addresses)"
        )
    return ascii_name


def _default_rules() -> list[RuleSettings]:
    return [
        RuleSettings(
            name="official-documents-abroad",
            action="reject",
            notify=["sender", "admin"],
            comment="official documents from an official mailbox to a foreign provider/host",
        ),
        RuleSettings(
            name="auto-forward-abroad",
            action="reject",
            notify=["sender", "admin"],
            comment="automatic forwarding from an official mailbox to a foreign provider/host",
        ),
        RuleSettings(
            name="official-sender-dkim-fail",
            action="quarantine",
            notify=["admin"],
            comment="claims an official sender domain but its DKIM signature fails",
        ),
        RuleSettings(
            name="free-foreign-inbound",
            action="tag",
            comment="inbound mail from a free foreign provider is marked for the reader",
        ),
    ]


class PolicySettings(Section):
    """Who is official, which providers are foreign, and the ordered rule table."""

    file: Path | None = Field(
        None,
        description="Keep the policy in its own TOML file (a [policy] table or top-level "
        "keys); when set, it replaces this section.",
    )
    province_domains: list[str] = Field(
        ["ninhthuan.gov.vn"],
        description="The domains this installation serves (official, local).",
    )
    official_suffixes: list[str] = Field(
        ["gov.vn"], description="Any domain under these suffixes is official."
    )
    never_free_suffixes: list[str] = Field(
        ["gov.vn", "edu.vn"], description="Domains under these are never a free provider."
    )
    free_foreign_files: list[Path] = Field(
        [],
        description="Extra free-provider lists: SpamAssassin freemail_domains files "
        "(e.g. /usr/share/spamassassin/20_freemail_domains.cf) or one domain a line.",
    )
    free_domestic_domains: list[str] = Field(
        [], description="Extra domestic free providers (added to config/data/free_domestic.txt)."
    )
    mx_lookup: bool = Field(True, description="Look up MX records to find foreign hosting.")
    dns_timeout_seconds: float = Field(
        2.0, gt=0, le=30, description="Hard limit on one MX lookup (all retries included)."
    )
    dns_failure: Literal["open", "closed"] = Field(
        "open",
        description="When DNS cannot answer: open = treat the domain as not foreign; "
        "closed = defer (451) mail a rule would stop if the domain were foreign.",
    )
    dns_negative_ttl_seconds: int = Field(
        300, ge=0, description="How long 'no such domain' / 'no MX' answers are cached."
    )
    dns_max_ttl_seconds: int = Field(
        86400, ge=1, description="Cached answers are kept at most this long, whatever the TTL."
    )
    dns_cache_size: int = Field(10000, ge=0, description="Most domains kept in the DNS cache.")
    dry_run: bool = Field(False, description="Every rule only logs what it would have done.")
    tag_header: str = Field(
        "X-GovMail-Policy", description="Header added by the tag action (rule name; reason)."
    )
    admin_address: str = Field(
        "postmaster@ninhthuan.gov.vn", description="Where admin notices are sent."
    )
    notice_from: str = Field(
        "mailer-daemon@ninhthuan.gov.vn", description="From address of notices and bounces."
    )
    rules: list[RuleSettings] = Field(
        default_factory=_default_rules,
        description="The ordered rule table; the first rule that matches decides.",
    )

    @field_validator("province_domains", "official_suffixes", "never_free_suffixes")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return [_domain_name(item) for item in value]

    @field_validator("free_domestic_domains")
    @classmethod
    def _list_entries(cls, value: list[str]) -> list[str]:
        """As in the list files: a domain, or a pattern with * and ? (SpamAssassin's)."""
        return [
            item if "*" in item or "?" in item else _domain_name(item.lstrip("@")) for item in value
        ]

    @field_validator("province_domains")
    @classmethod
    def _some_domain(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one domain (the province's own, e.g. ninhthuan.gov.vn)")
        return value

    @field_validator("admin_address", "notice_from")
    @classmethod
    def _address(cls, value: str) -> str:
        local, at, domain = value.strip().rpartition("@")
        if not at or not local or any(ch in local for ch in ' \t\r\n<>()[],;:"\\'):
            raise ValueError(f"{value!r} is not a mail address (local@domain)")
        return f"{local}@{_domain_name(domain)}"

    @field_validator("tag_header")
    @classmethod
    def _header_name(cls, value: str) -> str:
        if not value or not all(33 <= ord(ch) <= 126 and ch != ":" for ch in value):
            raise ValueError("not a valid header name (printable ASCII, no colon)")
        return value
