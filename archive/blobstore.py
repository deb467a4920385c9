"""Content-addressed blob store: SHA-256 keys, zstd on disk, atomic durable writes.

A blob is written to a temporary file, fsync'd, renamed into place and its directory
fsync'd, so a blob either exists whole or not at all. Writing the same content twice is a
no-op. ``verify`` re-hashes what is on disk.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import zstandard

_TMP = "tmp"


class BlobMissing(KeyError):
    """No blob with that key."""


class BlobCorrupt(ValueError):
    """The stored bytes do not hash to their key (altered or truncated on disk)."""


@dataclass(frozen=True)
class PutResult:
    sha256: str
    size: int
    stored_size: int
    new: bool


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    """What the archive needs from a blob store."""

    def put(self, data: bytes, sha256: str | None = None) -> PutResult: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def check(self, sha256: str) -> str | None: ...
    def keys(self) -> Iterator[str]: ...


class FileBlobStore:
    """Blobs as ``<root>/ab/cd/<sha256>.zst`` files."""

    def __init__(self, root: Path, level: int = 3, fsync: bool = True):
        self.root = Path(root)
        self.level = level
        self.fsync = fsync
        self._local = threading.local()
        (self.root / _TMP).mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.zst"

    def _compressor(self) -> zstandard.ZstdCompressor:
        comp = getattr(self._local, "comp", None)
        if comp is None:
            comp = self._local.comp = zstandard.ZstdCompressor(level=self.level)
        return comp

    def put(self, data: bytes, sha256: str | None = None) -> PutResult:
        key = sha256 or sha256_hex(data)
        path = self.path_for(key)
        if path.exists():
            return PutResult(key, len(data), path.stat().st_size, new=False)
        compressed = self._compressor().compress(data)
        self._ensure_dir(path.parent)
        tmp = self.root / _TMP / f"{key}.{os.getpid()}.{threading.get_ident()}"
        with open(tmp, "wb") as fh:
            fh.write(compressed)
            if self.fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if self.fsync:
            _fsync_dir(path.parent)
        return PutResult(key, len(data), len(compressed), new=True)

    def _ensure_dir(self, directory: Path) -> None:
        if directory.is_dir():
            return
        directory.mkdir(parents=True, exist_ok=True)
        if self.fsync:  # the new directory entries must survive a crash too
            _fsync_dir(directory.parent)
            _fsync_dir(directory.parent.parent)

    def get(self, sha256: str) -> bytes:
        try:
            compressed = self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        try:
            return zstandard.ZstdDecompressor().decompress(compressed)
        except zstandard.ZstdError as exc:
            raise BlobCorrupt(f"{sha256}: cannot decompress ({exc})") from None

    def open(self, sha256: str) -> BinaryIO:
        """A stream of the blob's bytes, for large blobs (downloads, exports)."""
        try:
            raw = open(self.path_for(sha256), "rb")  # noqa: SIM115 - handed to the caller
        except FileNotFoundError:
            raise BlobMissing(sha256) from None
        return zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def check(self, sha256: str) -> str | None:
        """None if the blob is intact, else what is wrong ('missing', 'altered', …)."""
        path = self.path_for(sha256)
        if not path.exists():
            return "missing"
        digest = hashlib.sha256()
        try:
            with open(path, "rb") as raw:
                reader = zstandard.ZstdDecompressor().stream_reader(raw)
                for chunk in iter(lambda: reader.read(1 << 20), b""):
                    digest.update(chunk)
        except zstandard.ZstdError:
            return "altered (not a valid zstd stream)"
        if digest.hexdigest() != sha256:
            return "altered (content does not match its SHA-256)"
        return None

    def keys(self) -> Iterator[str]:
        for sub in sorted(self.root.glob("??/??/*.zst")):
            yield sub.name[: -len(".zst")]

    def clean_tmp(self) -> int:
        """Remove temporary files left by an interrupted write; returns how many."""
        removed = 0
        for leftover in (self.root / _TMP).iterdir():
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed


class MemoryBlobStore:
    """In-memory fake with the same behaviour, for unit tests."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, data: bytes, sha256: str | None = None) -> PutResult:
        key = sha256 or sha256_hex(data)
        new = key not in self.blobs
        self.blobs.setdefault(key, bytes(data))
        return PutResult(key, len(data), len(data), new=new)

    def get(self, sha256: str) -> bytes:
        try:
            return self.blobs[sha256]
        except KeyError:
            raise BlobMissing(sha256) from None

    def open(self, sha256: str) -> BinaryIO:
        return io.BytesIO(self.get(sha256))

    def exists(self, sha256: str) -> bool:
        return sha256 in self.blobs

    def check(self, sha256: str) -> str | None:
        if sha256 not in self.blobs:
            return "missing"
        return None if sha256_hex(self.blobs[sha256]) == sha256 else "altered"

    def keys(self) -> Iterator[str]:
        yield from sorted(self.blobs)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
