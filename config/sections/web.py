"""The web interface for clerks, auditors and admins (issue 8)."""

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from config.sections.base import Section


class LdapSettings(Section):
    """Optional sign-in against an agency directory (LDAP simple bind)."""

    url: str = Field("", description="ldap:// or ldaps:// URL; empty: local users only.")
    user_dn: str = Field(
        "uid={username},ou=people,dc=example,dc=gov,dc=vn",
        description="Bind DN template; {username} is the escaped sign-in name.",
    )
    default_role: Literal["user", "clerk", "auditor", "admin"] = Field(
        "user", description="Role of a directory user on first sign-in."
    )
    mail_attribute: str = Field("mail", description="Attribute holding the user's mailbox.")
    timeout_seconds: float = Field(5.0, gt=0, description="Connect and bind timeout.")


class WebSettings(Section):
    """Where the web interface listens and how it protects sign-in."""

    host: str = Field("127.0.0.1", description="Listen address.")
    port: int = Field(8080, ge=0, le=65535, description="Listen port (0: any free port).")
    tls_cert: Path | None = Field(None, description="PEM certificate (with tls_key) for HTTPS.")
    tls_key: Path | None = Field(None, description="PEM private key for tls_cert.")
    behind_proxy: bool = Field(
        False,
        description="Behind a reverse proxy that terminates TLS: trust its X-Forwarded-* "
        "headers (only from trusted_proxies).",
    )
    trusted_proxies: list[str] = Field(
        ["127.0.0.1"], description="Addresses whose X-Forwarded-For is believed."
    )
    language: Literal["vi", "en"] = Field("vi", description="Default language of the pages.")
    session_hours: float = Field(8.0, gt=0, description="A sign-in lasts this long.")
    max_failures: int = Field(
        5, ge=1, description="Failed sign-ins (per user name or address) before a lockout."
    )
    failure_window_minutes: float = Field(15.0, gt=0, description="Window for max_failures.")
    lockout_minutes: float = Field(15.0, gt=0, description="How long a lockout lasts.")
    page_size: int = Field(20, ge=1, le=200, description="Search results per page.")
    ldap: LdapSettings = Field(default_factory=LdapSettings)

    @model_validator(mode="after")
    def _tls_pair(self) -> "WebSettings":
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: set both or neither")
        return self
