"""What the search index holds, per message, so completeness can be proved and repaired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from archive.models.base import Base, UTCDateTime, utcnow


class IndexedMessage(Base):
    """A message as last indexed by an engine; ``signature`` changes when its texts do."""

    __tablename__ = "search_indexed"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    engine: Mapped[str] = mapped_column(String(16), primary_key=True)
    signature: Mapped[str] = mapped_column(String(32))
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
