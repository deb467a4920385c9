"""The blob store: content addressing, deduplication, atomic writes, verification."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from archive.blobstore import (
    BlobCorrupt,
    BlobMissing,
    FileBlobStore,
    MemoryBlobStore,
    _temp_name,
    sha256_hex,
)


@pytest.fixture(params=["file", "memory"])
def store(request, tmp_path: Path):
    return FileBlobStore(tmp_path / "blobs") if request.param == "file" else MemoryBlobStore()


def test_put_get_roundtrip_and_dedup(store) -> None:
    data = "Văn bản điện tử".encode() * 1000
    first = store.put(data)
    second = store.put(data)
    assert first.sha256 == sha256_hex(data)
    assert first.new and not second.new
    assert store.get(first.sha256) == data
    assert list(store.keys()) == [first.sha256]
    assert store.check(first.sha256) is None


def test_missing_blob(store) -> None:
    with pytest.raises(BlobMissing):
        store.get("0" * 64)
    assert store.check("0" * 64) == "missing"


def test_file_layout_is_compressed_and_leaves_no_temp_files(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    data = b"A" * 100_000
    result = store.put(data)
    path = store.path_for(result.sha256)
    assert path == tmp_path / "blobs" / result.sha256[:2] / (result.sha256 + ".zst")
    assert path.stat().st_size < 1000  # zstd
    assert result.stored_size == path.stat().st_size
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_verify_detects_alteration_and_truncation(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    a = store.put(b"first blob " * 100).sha256
    b = store.put(b"second blob " * 100).sha256
    # Replace a's file with a valid zstd stream of other content: altered.
    other = FileBlobStore(tmp_path / "other")
    c = other.put(b"something else").sha256
    store.path_for(a).write_bytes(other.path_for(c).read_bytes())
    # Truncate b: not a valid stream any more.
    path_b = store.path_for(b)
    path_b.write_bytes(path_b.read_bytes()[:10])
    assert "content does not match" in store.check(a)
    assert store.check(b).startswith("altered")
    with pytest.raises(BlobCorrupt):
        store.get(b)


def test_clean_tmp_removes_partial_writes(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path / "blobs")
    tmp = tmp_path / "blobs" / "tmp"
    (tmp / ("a" * 64 + ".otherhost.1.1.1")).write_bytes(b"partial, another host's")
    mine = _temp_name("b" * 64)
    (tmp / mine).write_bytes(b"partial, a live writer's (this process)")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (tmp / mine.replace(f".{os.getpid()}.", f".{dead}.")).write_bytes(b"partial, dead writer")
    assert store.clean_tmp(min_age=3600) == 1  # only the dead writer's
    assert sorted(p.name for p in tmp.iterdir()) == sorted(["a" * 64 + ".otherhost.1.1.1", mine])
    assert store.clean_tmp(min_age=0) == 2
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
