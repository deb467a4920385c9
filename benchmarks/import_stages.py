"""CPU per message of each stage of the import's worker side, in one process.

`ingest.py` times the whole import; this splits the workers' share into the stages a
message goes through, cumulatively, so the cost of each is the difference between two
rows. It answers "how fast could the import be if X were free" without a profiler's
overhead. The writer's share (database rows, index, renames) is not here: `ingest.py`
prints the machine's CPU per message, and the rest of it is the writer.

    .venv/bin/python benchmarks/import_stages.py --messages 1000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import ingest as bench  # noqa: E402  (benchmarks/ingest.py: the same generated mail)

import archive.prepare as prepare_module  # noqa: E402
from archive.mime_walk import walk  # noqa: E402
from archive.parse import parse_message  # noqa: E402
from archive.prepare import ReadHere, prepare  # noqa: E402
from config import load_settings  # noqa: E402
from gateway.wiring import open_archive  # noqa: E402


def cpu_ms_per_message(messages: list[bytes], step: Callable[[bytes], object]) -> float:
    step(messages[0])  # imports and caches warm, as in a worker that has run a while
    start = time.process_time()
    for raw in messages[1:]:
        step(raw)
    return (time.process_time() - start) * 1000 / (len(messages) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="govmail-stages-") as tmp:
        os.environ["GOVMAIL_STORAGE__DATA_DIR"] = tmp
        archive = open_archive(load_settings())
        limits = archive.walk_limits
        full = archive._read_here()
        if full is None:
            raise SystemExit("documents.extract is off: nothing to measure for reading")
        read_only = ReadHere(full.options, full.max_bytes, full.timeout_seconds)
        spill = Path(tmp) / "blobs"
        rng, pool = random.Random(args.seed), bench.sentences()
        messages = [bench.message(i, rng, pool) for i in range(args.messages)]
        size = sum(map(len, messages)) / len(messages) / 1024
        print(f"{len(messages)} generated messages, avg {size:.0f} KB (benchmarks/ingest.py)")

        def parsed(raw: bytes) -> None:
            parse_message(raw)

        def walked(raw: bytes) -> None:
            message = parse_message(raw).message
            if message is not None:
                walk(message, limits)

        stages: list[tuple[str, Callable[[bytes], object]]] = [
            ("stdlib email parse, header facts", parsed),
            ("+ MIME walk: payloads, libmagic types", walked),
            ("+ hashes, body text", lambda raw: prepare(raw, limits)),
            ("+ blob compression, temporary files", lambda raw: prepare(raw, limits, None, spill)),
            (
                "+ document reading (text, metadata)",
                lambda raw: prepare(raw, limits, None, spill, read=read_only),
            ),
            (
                "+ index analysis (the whole worker)",
                lambda raw: prepare(raw, limits, None, spill, read=full),
            ),
        ]
        previous = 0.0
        for label, step in stages:
            prepare_module._read_before.clear()  # a worker reads each content once
            ms = cpu_ms_per_message(messages, step)
            print(f"  {label:<40} {ms:6.2f} ms   (stage {ms - previous:+.2f} ms)")
            previous = ms
        print(f"  a 2-core machine at 300 messages/s leaves {2000 / 300:.2f} ms per message")
        archive.close()


if __name__ == "__main__":
    main()
