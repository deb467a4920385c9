"""Full-text search (issue 4)."""

from pathlib import Path
from typing import Literal

from pydantic import Field

from config.sections.base import Section


class SearchSettings(Section):
    """Which engine, where its index lives, how results are paged."""

    engine: Literal["tantivy", "whoosh"] = Field(
        "tantivy",
        description="tantivy (default, fast) or whoosh (pure Python, for machines that "
        "cannot take a native wheel). Switching engines needs `govmail reindex`.",
    )
    index_dir: Path | None = Field(
        None, description="Index directory; default: <data_dir>/index/<engine>."
    )
    page_size: int = Field(20, ge=1, le=1000, description="Results per page by default.")
    index_attempts: int = Field(
        3,
        ge=1,
        le=20,
        description="Tries to index new mail before leaving it to `govmail search check`.",
    )
    workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Processes that read and analyse mail during reindex; 0: one per core.",
    )
    batch_size: int = Field(
        500, ge=1, le=100_000, description="Messages per index commit during reindex."
    )
