"""Content-addressed blob store: SHA-256 keys, zstd on disk, atomic durable writes.

Layout: ``<root>/<first two hex digits>/<sha256>.zst`` (256 directories, as git does: ext4's
hashed directories stay fast with tens of thousands of entries, and a fresh store does not
pay for creating 65,536 directories).

A blob is written to a temporary file, fsync'd, renamed into place and its directory
fsync'd, so a blob either exists whole or not at all. Writing the same content twice is a
no-op. ``verify`` re-hashes what is on disk.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import zstandard

from archive.durable import fsync_dir, sync_filesystem

_TMP = "tmp"


class BlobMissing(KeyError):
    """No blob with that key."""


class BlobCorrupt(ValueError):
    """The stored bytes do not hash to their key (altered or truncated on disk)."""


@dataclass(frozen=True)
class PendingBlob:
    """A blob to store: its key, raw size, and its bytes (raw, or already zstd-compressed)."""

    sha256: str
    size: int
    data: bytes | None = None
    compressed: bytes | None = None
    temp_path: str | None = None  # already written (compressed, not yet synced) by a worker
    present: bool = False  # the store already had it when the worker looked


@dataclass(frozen=True)
class PutResult:
    sha256: str
    size: int
    stored_size: int
    new: bool


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_compressors = threading.local()


def compress(data: bytes, level: int = 3) -> bytes:
    """zstd-compress ``data`` (one compressor per thread and level)."""
    key = f"c{level}"
    comp = getattr(_compressors, key, None)
    if comp is None:
        comp = zstandard.ZstdCompressor(level=level)
        setattr(_compressors, key, comp)
    return comp.compress(data)


class BlobStore(Protocol):
    """What the archive needs from a blob store."""

    def put(self, data: bytes, sha256: str | None = None) -> PutResult: ...
    def put_many(self, blobs: list[PendingBlob]) -> dict[str, int]: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def check(self, sha256: str) -> str | None: ...
    def keys(self) -> Iterator[str]: ...


class FileBlobStore:
    """Blobs as ``<root>/ab/<sha256>.zst`` files."""

    def __init__(self, root: Path, level: int = 3, fsync: bool = True):
        self.root = Path(root)
        self.level = level
        self.fsync = fsync
        (self.root / _TMP).mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.zst"

    def put(self, data: bytes, sha256: str | None = None) -> PutResult:
        key = sha256 or sha256_hex(data)
        path = self.path_for(key)
        if path.exists():
            return PutResult(key, len(data), path.stat().st_size, new=False)
        compressed = compress(data, self.level)
        self._ensure_dir(path.parent)
        tmp = self.root / _TMP / _temp_name(key)
        with open(tmp, "wb") as fh:
            fh.write(compressed)
            if self.fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if self.fsync:
            fsync_dir(path.parent)
        return PutResult(key, len(data), len(compressed), new=True)

    def put_many(self, blobs: list[PendingBlob]) -> dict[str, int]:
        """Store many blobs with one flush for the batch (group commit).

        Temporary files are written, the file system is flushed once (syncfs), the files
        are renamed into place, and it is flushed once more so the new names are durable
        too. Returns the stored (compressed) size of every blob, new or not.
        """
        sizes: dict[str, int] = {}
        pending: list[tuple[Path, Path]] = []
        for blob in blobs:
            if blob.sha256 in sizes:
                if blob.temp_path:
                    os.unlink(blob.temp_path)
                continue
            path = self.path_for(blob.sha256)
            try:
                sizes[blob.sha256] = path.stat().st_size
                if blob.temp_path:
                    os.unlink(blob.temp_path)
                continue
            except FileNotFoundError:
                if blob.present:
                    raise BlobMissing(f"{blob.sha256} vanished from the store meanwhile") from None
            if blob.temp_path:
                tmp = Path(blob.temp_path)
                sizes[blob.sha256] = tmp.stat().st_size
            else:
                compressed = blob.compressed
                if compressed is None:
                    compressed = compress(blob.data or b"", self.level)
                tmp = self.root / _TMP / _temp_name(blob.sha256)
                with open(tmp, "wb") as fh:
                    fh.write(compressed)
                sizes[blob.sha256] = len(compressed)
            pending.append((tmp, path))
        if not pending:
            return sizes
        if self.fsync:
            sync_filesystem(self.root)
        for tmp, path in pending:
            try:
                os.replace(tmp, path)
            except FileNotFoundError:  # first blob in this fan-out directory
                path.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, path)
        if self.fsync:
            sync_filesystem(self.root)
        return sizes

    def _ensure_dir(self, directory: Path) -> None:
        if directory.is_dir():
            return
        directory.mkdir(parents=True, exist_ok=True)
        if self.fsync:  # the new directory entry must survive a crash too
            fsync_dir(directory.parent)

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
        for sub in sorted(self.root.glob("??/*.zst")):
            yield sub.name[: -len(".zst")]

    def spill(self, sha256: str, data: bytes) -> PendingBlob:
        """Compress ``data`` into a temporary file for ``put_many`` to make durable.

        Worker processes call this so the serial storing step only flushes and renames.
        """
        if self.path_for(sha256).exists():
            return PendingBlob(sha256, len(data), present=True)
        tmp = self.root / _TMP / _temp_name(sha256)
        with open(tmp, "wb") as fh:
            fh.write(compress(data, self.level))
        return PendingBlob(sha256, len(data), temp_path=str(tmp))

    def clean_tmp(self, min_age: float = 3600.0) -> int:
        """Remove temporary files an interrupted run left behind; returns how many.

        Only files whose writer process has gone, or older than ``min_age`` seconds: a
        running import or gateway (possibly on another host sharing the store) may be
        writing the others right now.
        """
        removed = 0
        cutoff = time.time() - min_age
        for leftover in (self.root / _TMP).iterdir():
            try:
                if _writer_gone(leftover.name) or leftover.stat().st_mtime <= cutoff:
                    leftover.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
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

    def put_many(self, blobs: list[PendingBlob]) -> dict[str, int]:
        sizes = {}
        for blob in blobs:
            data = blob.data
            if data is None:
                data = zstandard.ZstdDecompressor().decompress(blob.compressed or b"")
            sizes[blob.sha256] = self.put(data, blob.sha256).stored_size
        return sizes

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


_counter = itertools.count()


_HOST = socket.gethostname().replace(".", "-")


def _temp_name(sha256: str) -> str:
    """``<sha>.<host>.<pid>.<thread>.<n>``: unique, and tells whose write it is."""
    return f"{sha256}.{_HOST}.{os.getpid()}.{threading.get_ident()}.{next(_counter)}"


def _writer_gone(name: str) -> bool:
    """True when the temp file's writer is a process of this host that no longer runs."""
    fields = name.split(".")
    if len(fields) != 5 or fields[1] != _HOST or not fields[2].isdigit():
        return False
    try:
        os.kill(int(fields[2]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
