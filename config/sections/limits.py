"""Limits that turn hostile input into a verdict instead of an exhausted machine."""

from pydantic import Field

from config.sections.base import Section

MiB = 1024 * 1024


class LimitsSettings(Section):
    """Bounds on what one message may make govmail do."""

    max_message_bytes: int = Field(
        50 * MiB,
        ge=1024,
        description="Largest raw message accepted or imported (an import archives larger "
        "ones raw, unparsed, and reports those over twice this unread).",
    )
    max_nesting_depth: int = Field(
        5, ge=0, le=50, description="How deep nested messages and archives are unpacked."
    )
    max_parts: int = Field(2000, ge=1, description="Most MIME parts walked in one message.")
    max_archive_members: int = Field(
        1000, ge=0, description="Most members unpacked from one archive (ZIP, TNEF, .msg)."
    )
    max_archive_bytes: int = Field(
        200 * MiB, ge=0, description="Most bytes decompressed from one message's archives."
    )
    max_compression_ratio: int = Field(
        200, ge=1, description="A member expanding more than this many times is not unpacked."
    )
