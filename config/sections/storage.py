"""Where govmail keeps its data in the embedded default."""

from pathlib import Path

from pydantic import Field

from config.sections.base import Section


class StorageSettings(Section):
    """The data directory and the blob store."""

    data_dir: Path = Field(
        Path("var"),
        description="Directory for the embedded default: database, blobs, index, spool.",
    )
    blobs_dir: Path | None = Field(
        None, description="Blob store directory; default: <data_dir>/blobs."
    )
    compression_level: int = Field(
        3, ge=1, le=19, description="zstd level for stored blobs (3 is fast and compact)."
    )

    def resolved_blobs_dir(self) -> Path:
        return self.blobs_dir if self.blobs_dir is not None else self.data_dir / "blobs"
