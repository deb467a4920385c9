"""IMAP ingestion (issue 6): the official mailboxes govmail pulls into the archive.

Each ``[[imap.accounts]]`` entry is one mailbox. govmail only reads (EXAMINE, BODY.PEEK):
it never sets a flag, moves or deletes.
"""

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.sections.base import Section

Direction = Literal["inbound", "outbound", "internal"]

# Folder names (as people read them) that hold sent mail, besides those the server marks
# \Sent (RFC 6154). Matched case-insensitively as glob patterns.
SENT_FOLDERS = [
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "Thư đã gửi",
    "Đã gửi",
    "Hộp thư đi",
    "*/Sent",
    "*/Sent Items",
    "*/Sent Mail",
    "*/Thư đã gửi",
    "*/Đã gửi",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class ImapAccount(Section):
    """One mailbox on one IMAP server."""

    name: str = Field(description="Short name for logs, state and `govmail imap sync NAME`.")
    host: str = Field(description="IMAP server name or address.")
    port: int | None = Field(
        None, ge=1, le=65535, description="Port; default 993 for tls, 143 otherwise."
    )
    security: Literal["tls", "starttls", "none"] = Field(
        "tls", description="tls: implicit TLS (993); starttls: upgrade on 143; none: plain."
    )
    tls_verify: bool = Field(True, description="Check the server certificate and name.")
    ca_file: Path | None = Field(None, description="PEM CA bundle to trust ('' = system).")
    user: str = Field(description="Login name.")
    password: str = Field("", description="Password (or use password_file).")
    password_file: Path | None = Field(
        None, description="File holding the password (first line); keeps it out of this file."
    )
    folders_include: list[str] = Field(
        ["*"], description="Glob patterns of folders to archive (names as people read them)."
    )
    folders_exclude: list[str] = Field(
        [], description='Glob patterns of folders to skip, e.g. ["Trash", "Junk"].'
    )
    sent_folders: list[str] = Field(
        SENT_FOLDERS,
        description="Folders whose mail is outbound, besides those marked \\Sent.",
    )
    folder_directions: dict[str, Direction] = Field(
        {}, description='Glob pattern -> direction, checked first (e.g. {"Nội bộ*" = "internal"}).'
    )
    default_direction: Direction = Field("inbound", description="Direction of other folders.")
    idle: bool = Field(True, description="Wait for new mail with IDLE where the server has it.")
    idle_folders: list[str] = Field(
        ["INBOX"], description="Folders watched with IDLE; the others are polled."
    )
    poll_seconds: float = Field(
        60.0, gt=0, description="How often every folder is checked for new mail."
    )
    timeout_seconds: float = Field(60.0, gt=0, description="Network timeout per command.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                f"{value!r} is not a usable account name (letters, digits, '.', '_', '-')"
            )
        return value

    @field_validator("ca_file", "password_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value):
        """``ca_file = ""`` is the system's CA bundle, as documented (Path("") would be ".")."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ca_file", "password_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and str(value) and not value.is_file():
            raise ValueError(f"file {str(value)!r} does not exist or is not a file")
        return value

    @model_validator(mode="after")
    def _password(self) -> "ImapAccount":
        if bool(self.password) == (self.password_file is not None):
            raise ValueError("set exactly one of password and password_file")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)

    def read_password(self) -> str:
        if self.password_file is None:
            return self.password
        return self.password_file.read_text(encoding="utf-8").splitlines()[0].strip()


class ImapSettings(Section):
    """How the accounts are synced."""

    accounts: list[ImapAccount] = Field([], description="The mailboxes to archive.")
    concurrency: int = Field(4, ge=1, le=256, description="Accounts synced at the same time.")
    batch_size: int = Field(
        200, ge=1, le=5000, description="Messages per UID FETCH and per archive transaction."
    )
    batch_bytes: int = Field(
        32 * 1024 * 1024, ge=1024 * 1024, description="Bytes per UID FETCH (bounds memory)."
    )
    spool_bytes: int = Field(
        1024 * 1024, ge=0, description="Messages larger than this are spooled to a temp file."
    )
    spool_dir: Path | None = Field(None, description="Where big messages are spooled; system temp.")
    reconnect_base_seconds: float = Field(1.0, gt=0, description="First reconnect delay (doubles).")
    reconnect_max_seconds: float = Field(300.0, gt=0, description="Longest reconnect delay.")
    once_attempts: int = Field(
        5, ge=1, description="With --once: connection attempts before an account fails."
    )

    @model_validator(mode="after")
    def _unique(self) -> "ImapSettings":
        seen: set[str] = set()
        for account in self.accounts:
            if account.name in seen:
                raise ValueError(f"account name {account.name!r} is used twice")
            seen.add(account.name)
        return self

    def account(self, name: str) -> ImapAccount | None:
        return next((a for a in self.accounts if a.name == name), None)
