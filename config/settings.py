"""The root settings model: every key, default and comment lives in ``config.sections``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from config.sections.base import Section
from config.sections.database import DatabaseSettings
from config.sections.documents import DocumentsSettings
from config.sections.imap import ImapSettings
from config.sections.ingest import IngestSettings
from config.sections.limits import LimitsSettings
from config.sections.logging import LoggingSettings
from config.sections.policy import PolicySettings
from config.sections.reports import ReportsSettings
from config.sections.search import SearchSettings
from config.sections.smtp import SmtpSettings
from config.sections.storage import StorageSettings
from config.sections.web import WebSettings


class Settings(Section):
    """Everything an admin can set. With no file at all, the embedded default works."""

    storage: StorageSettings = Field(default_factory=StorageSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    limits: LimitsSettings = Field(default_factory=LimitsSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    documents: DocumentsSettings = Field(default_factory=DocumentsSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    policy: PolicySettings = Field(default_factory=PolicySettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    reports: ReportsSettings = Field(default_factory=ReportsSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    # Where the settings came from, for messages and `config check`; not a setting itself.
    source: str = Field("built-in defaults", exclude=True)

    @property
    def data_dir(self) -> Path:
        return self.storage.data_dir

    def database_url(self) -> str:
        """The configured URL, or SQLite inside the data directory."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{(self.storage.data_dir / 'govmail.db').as_posix()}"
