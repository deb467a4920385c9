"""Legacy Word (.doc) text with antiword, or catdoc when antiword refuses the file."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

from archive.documents.formats import RawText

TIMEOUT = 60  # the worker's own deadline is the real bound; this one stops a stuck child


class ToolMissing(RuntimeError):
    """Neither antiword nor catdoc is installed."""


def extract(data: bytes) -> RawText:
    commands = []
    if shutil.which("antiword"):
        commands.append(["antiword", "-m", "UTF-8.txt", "-w", "0"])
    if shutil.which("catdoc"):
        commands.append(["catdoc", "-d", "utf-8", "-w"])
    if not commands:
        raise ToolMissing("install antiword or catdoc to read .doc files")
    with tempfile.NamedTemporaryFile(suffix=".doc") as tmp:
        tmp.write(data)
        tmp.flush()
        failures = []
        for command in commands:
            done = subprocess.run(
                [*command, tmp.name], capture_output=True, timeout=TIMEOUT, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                return RawText(done.stdout.decode("utf-8", "replace"))
            why = done.stderr.decode("utf-8", "replace").strip()[:200] or "no text"
            failures.append(f"{command[0]} (exit {done.returncode}): {why}")
    raise ValueError("; ".join(failures) or "no text")
