"""SQLAlchemy models. Every table of every package is declared on ``Base`` here.

Each area keeps its tables in its own module; importing this package registers them all,
so Alembic and ``Base.metadata`` see the whole schema.
"""

from archive.models.accounts import AuditEntry, LoginFailure, User, WebSession
from archive.models.base import Base, UTCDateTime
from archive.models.document import Document
from archive.models.imap_state import ImapFolderState, ImapSkippedMessage
from archive.models.message import Address, Blob, IngestError, Message, MessageSource, Part
from archive.models.reports import (
    Agency,
    AgencyAddress,
    AgencyCodeRow,
    AgencyDomain,
    Exchange,
    ExchangeDirty,
    ExchangeMonth,
    RegisterTotal,
)
from archive.models.search_state import IndexedMessage

__all__ = [
    "Address",
    "Agency",
    "AgencyAddress",
    "AgencyCodeRow",
    "AgencyDomain",
    "AuditEntry",
    "Base",
    "Blob",
    "Document",
    "Exchange",
    "ExchangeDirty",
    "ExchangeMonth",
    "ImapFolderState",
    "ImapSkippedMessage",
    "IndexedMessage",
    "IngestError",
    "LoginFailure",
    "Message",
    "MessageSource",
    "Part",
    "RegisterTotal",
    "UTCDateTime",
    "User",
    "WebSession",
]
