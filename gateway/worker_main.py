"""Entry point of a worker process: ``python -m gateway.worker_main relay|archive``.

Started by ``gateway.worker_process.WorkerProcess``; reads its settings from stdin, then
treats every byte on stdin as "new work" and end of file as "stop".
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pickle
import signal
import sys

from config import Settings
from config.logsetup import configure_logging
from gateway.worker_process import HEADER

KINDS = ("relay", "archive")
ARCHIVE_NICENESS = 19  # mail flow first; the archive catches up when the gateway is quieter


def read_settings(stream) -> tuple[Settings, str]:
    size = HEADER.unpack(stream.read(HEADER.size))[0]
    message = pickle.loads(stream.read(size))
    return message["settings"], message["log_level"]


async def run(kind: str, settings: Settings, control_fd: int) -> None:
    from gateway.context import GatewayContext, open_spool
    from policies import PolicyEngine

    loop = asyncio.get_running_loop()
    ctx = GatewayContext.build(settings, PolicyEngine.from_settings(settings), open_spool(settings))
    stop = asyncio.Event()
    workers: list = []
    if kind == "relay":
        from gateway.relay_worker import RelayWorker
        from gateway.service import next_hop_factory

        relay = RelayWorker(ctx, next_hop_factory(settings))
        workers.append(relay)
        wake = ctx.relay_wakeup.set
    else:
        from gateway.archiver import ArchiveWorker
        from gateway.ocr_worker import OcrWorker
        from gateway.wiring import open_archive

        archiver = ArchiveWorker(ctx, open_archive)
        workers.append(archiver)
        docs = settings.documents
        if docs.ocr and docs.ocr_in_gateway:
            workers.append(OcrWorker(settings, archiver.refresh_later))
        wake = archiver.wakeup.set

    def on_control() -> None:
        try:
            data = os.read(control_fd, 4096)
        except BlockingIOError:
            return
        if data:
            wake()
        else:  # the gateway closed the pipe (stopping, or gone)
            loop.remove_reader(control_fd)
            stop.set()

    os.set_blocking(control_fd, False)
    loop.add_reader(control_fd, on_control)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    for worker in workers:
        worker.start()
    await stop.wait()
    for worker in reversed(workers):
        await worker.stop()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in KINDS:
        print(f"usage: python -m gateway.worker_main {'|'.join(KINDS)}", file=sys.stderr)
        return 2
    kind = argv[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the gateway, which stops us
    settings, level = read_settings(sys.stdin.buffer)
    configure_logging(settings, level)
    if kind == "archive":
        os.nice(ARCHIVE_NICENESS)
    from gateway.context import open_spool

    with open(open_spool(settings).lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # a restarting gateway waits for us to go
        asyncio.run(run(kind, settings, sys.stdin.fileno()))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
