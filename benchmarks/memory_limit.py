"""Run a benchmark's child process inside a memory cgroup with a hard limit.

RSS counts the clean page-cache pages a process has mapped (tantivy reads index segments
through mmap while it merges them), which the kernel drops whenever it needs the memory.
A cgroup limit asks the real question: does the import run, and how fast, when the whole
process tree *and* the page cache it causes may use no more than N MB? The kernel then
reclaims clean pages first and kills a process only if the rest does not fit.

Needs root and a writable memory controller (cgroup v2 ``memory.max``, or v1
``memory.limit_in_bytes``); ``MemoryCgroup.create`` says why when it cannot.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

V2_ROOT = Path("/sys/fs/cgroup")
V1_ROOT = Path("/sys/fs/cgroup/memory")


class Unavailable(RuntimeError):
    """No memory cgroup can be made here (not root, no memory controller, read-only)."""


@dataclass
class MemoryCgroup:
    path: Path
    v2: bool
    limit_mb: int

    @classmethod
    def create(cls, limit_mb: int, name: str = "govmail-bench") -> MemoryCgroup:
        limit = str(limit_mb * 1024 * 1024)
        controllers = V2_ROOT / "cgroup.controllers"
        try:
            if controllers.exists() and "memory" in controllers.read_text().split():
                path = V2_ROOT / name
                path.mkdir(exist_ok=True)
                (path / "memory.max").write_text(limit)
                (path / "memory.swap.max").write_text("0")
                return cls(path, True, limit_mb)
            if (V1_ROOT / "memory.limit_in_bytes").exists():
                path = V1_ROOT / name
                path.mkdir(exist_ok=True)
                swap = path / "memory.memsw.limit_in_bytes"  # absent without swap accounting
                if swap.exists():
                    swap.write_text("-1")  # memsw may never be below the memory limit
                (path / "memory.limit_in_bytes").write_text(limit)
                if swap.exists():
                    swap.write_text(limit)  # no swapping out of the limit either
                (path / "memory.max_usage_in_bytes").write_text("0")
                return cls(path, False, limit_mb)
        except OSError as exc:
            raise Unavailable(f"cannot set up a memory cgroup: {exc}") from None
        raise Unavailable("no cgroup memory controller is mounted")

    def enter(self) -> None:
        """Move the calling process into the cgroup (use as a ``preexec_fn``)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak_mb(self) -> float:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        try:
            return int((self.path / name).read_text()) / 2**20
        except (OSError, ValueError):  # memory.peak is new in Linux 5.19
            return float("nan")

    def oom_kills(self) -> int:
        name = "memory.events" if self.v2 else "memory.oom_control"
        for line in (self.path / name).read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def remove(self, wait_seconds: float = 10.0) -> None:
        """Delete the cgroup once the import's last process (the fork server) has left."""
        deadline = time.monotonic() + wait_seconds
        while (self.path / "cgroup.procs").read_text().strip():
            if time.monotonic() > deadline:
                return  # a straggler: the next run reuses the cgroup
            time.sleep(0.1)
        with contextlib.suppress(OSError):
            self.path.rmdir()
