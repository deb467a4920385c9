"""Cap glibc's malloc arenas for the ``govmail`` process.

glibc gives each new thread its own 64 MB malloc arena, up to eight per core, and memory
freed in an arena rarely goes back to the system. The search index writer starts fresh
threads for every commit, so a long import spread its allocations over a dozen arenas and
its resident memory kept growing with the number of messages (246 MB of anonymous memory at
6,000 messages). With two arenas the same import peaks at 136 MB at the same speed: Python
threads take turns under the GIL anyway, and the index writer runs two threads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # from glibc's malloc.h
ARENAS = 2


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap this process's arenas and, through the environment, its children's.

    An administrator's own ``MALLOC_ARENA_MAX`` wins. Returns whether the cap is in force;
    it is not on a C library without ``mallopt`` (musl, macOS).
    """
    if "MALLOC_ARENA_MAX" in os.environ:
        return True  # glibc read it when the process started
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    if mallopt(M_ARENA_MAX, arenas) != 1:
        return False
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)  # the fork server, workers, readers
    return True
