"""The malloc arena cap: eight threads allocating at once share two glibc arenas, not nine.

Each case runs in a fresh interpreter, since glibc fixes a thread's arena on its first
allocation and the test process has threads of its own.
"""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO

PROBE = textwrap.dedent(
    """
    import ctypes, ctypes.util, os, sys, tempfile, threading
    from cli.malloc_arenas import limit_malloc_arenas

    capped = limit_malloc_arenas() if sys.argv[1] == "cap" else False
    ready, release, held = threading.Barrier(9), threading.Event(), []

    def allocate():
        ready.wait()
        held.append([bytearray(20_000) for _ in range(50)])  # malloc, not pymalloc
        release.wait()

    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    ready.wait()
    while len(held) < 8:
        pass
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    with tempfile.NamedTemporaryFile(suffix=".xml") as out:
        stream = libc.fopen(out.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        heaps = open(out.name).read().count("<heap nr=")
    release.set()
    print(capped, heaps, os.environ.get("MALLOC_ARENA_MAX"))
    """
)


def _probe(mode: str, **env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | env
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.split()


def _glibc() -> bool:
    name = ctypes.util.find_library("c")
    return name is not None and hasattr(ctypes.CDLL(name), "malloc_info")


pytestmark = pytest.mark.skipif(not _glibc(), reason="needs glibc (malloc_info)")


def test_threads_share_two_arenas_once_capped() -> None:
    capped, heaps, inherited = _probe("free")
    assert (capped, inherited) == ("False", "None")
    assert int(heaps) > 2  # glibc's own limit is eight per core: a new arena per thread
    capped, heaps, inherited = _probe("cap")
    assert capped == "True"
    assert int(heaps) <= 2
    assert inherited == "2"  # the fork server and readers get the same cap


def test_an_administrators_setting_wins() -> None:
    capped, heaps, inherited = _probe("cap", MALLOC_ARENA_MAX="4")
    assert capped == "True"
    assert inherited == "4"
    assert 2 < int(heaps) <= 4
