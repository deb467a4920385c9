"""Where the archive's worker processes come from: a fork server, started once.

A spawned worker is a fresh interpreter that imports everything again (the main module —
the whole CLI — then the MIME walk, openpyxl, pdfium …): about half a second of CPU per
worker, paid again for every pool. The fork server imports them once; each worker is then
forked from it, ready at once. The server itself starts clean (none of the parent's database
connections or threads), which a plain fork of the parent would not be.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import sys
import threading
import warnings
from multiprocessing.context import BaseContext

PRELOAD = [
    "archive.worker_processes",  # first: the warning filter below, in the server
    "archive.prepare",
    "archive.documents.read",
    "archive.documents.formats.pdf",
    "archive.documents.formats.docx",
    "archive.documents.formats.xlsx",
    "archive.documents.formats.plain",
    "archive.documents.formats.html",
]


def worker_context() -> BaseContext:
    """The multiprocessing context every archive worker pool uses."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_main_module() + PRELOAD)  # read when the server starts
    return ctx


# A worker runs the main module again as ``__mp_main__``; the server imported it by name
# beforehand (``python -m cli.main``) so that this is cheap, and runpy warns that it was.
warnings.filterwarnings(
    "ignore", r"'[\w.]+' found in sys.modules after import of package", RuntimeWarning
)


def _main_module() -> list[str]:
    """Each worker re-runs the parent's main module; imported in the server, that is cheap."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = getattr(spec, "name", None)
    if not name or name == "__main__" or name.endswith(".__main__"):
        return []
    return [name]


def die_with_parent() -> None:
    """A worker must not outlive the process it works for (kill -9 of an import).

    Its parent is the fork server, which lives on while any worker does, so the kernel's
    parent-death signal would never come: a thread watches the owning process instead and
    ends the worker the moment it is gone.
    """
    owner = multiprocessing.parent_process()
    if owner is None or owner.pid is None:
        return
    try:
        handle = os.pidfd_open(owner.pid)
    except ProcessLookupError:  # gone before the worker got this far
        os._exit(1)
    except (OSError, AttributeError):  # no pidfd here: the pools' own checks remain
        return
    threading.Thread(target=_exit_with, args=(handle,), name="owner-watch", daemon=True).start()


def _exit_with(handle: int) -> None:
    select.select([handle], [], [])  # readable once the process has ended
    os._exit(1)
