"""How file imports batch their work."""

from pydantic import Field

from config.sections.base import Section


class IngestSettings(Section):
    """Import pipeline tuning."""

    batch_size: int = Field(
        64, ge=1, le=10000, description="Messages per database transaction during import."
    )
    workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Worker processes for bulk import (they parse, read attachments and "
        "prepare text for the search index); 0: one per CPU core.",
    )
