"""Durable file writes: flush data and directory entries before saying "stored".

Shared by the blob store and the gateway spool: both promise that what they acknowledged
survives a crash.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from pathlib import Path

_libc: ctypes.CDLL | bool | None = None


def sync_filesystem(path: Path) -> None:
    """Flush the file system holding ``path`` once (Linux syncfs; elsewhere os.sync)."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError:
            _libc = False
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc and hasattr(_libc, "syncfs"):
            if _libc.syncfs(fd) != 0:
                err = ctypes.get_errno()
                raise OSError(err, f"syncfs failed: {os.strerror(err)}")
        else:
            os.sync()
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file(path: Path, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically: temp file, fsync, rename, fsync directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    if fsync:
        fsync_dir(path.parent)
