"""Entry point of a worker process: ``python -m gateway.worker_main relay|archive|listener``.

Started by ``gateway.worker_process.WorkerProcess``; reads its settings from stdin, then
takes further settings there as policy reloads (acknowledged with a line on stdout), and
stops at end of file (or on SIGTERM). The relay process is woken by datagrams
(``gateway.wake``) from every process that spools mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import pickle
import signal
import sys

from config import Settings
from config.logsetup import configure_logging
from gateway.worker_process import HEADER, cpu_seconds, take_message

KINDS = ("relay", "archive", "listener")
error_log = logging.getLogger("govmail.error")
SHUTDOWN_GRACE = 30.0  # seconds for a listener's transactions in flight to finish
ARCHIVE_NICENESS = 19  # mail flow first; the archive catches up when the gateway is quieter
# Clients waiting in an SMTP dialogue first: during a burst the relay yields the CPU to the
# listeners and drains the durable spool a few seconds later (+20 % accepted per second on
# 2 cores, BENCHMARKS.md); it still gets a quarter of a contended core, so it never starves.
RELAY_NICENESS = 5


def read_settings(fd: int) -> tuple[Settings, str]:
    """The first message on stdin, read exactly (a buffered reader could swallow the
    start of a later one)."""
    size = HEADER.unpack(_read_exactly(fd, HEADER.size))[0]
    message = pickle.loads(_read_exactly(fd, size))
    return message["settings"], message["log_level"]


def _read_exactly(fd: int, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise SystemExit("the gateway closed the pipe before sending the settings")
        data.extend(chunk)
    return bytes(data)


async def run(kind: str, settings: Settings, control_fd: int) -> None:
    from gateway.context import GatewayContext, open_spool
    from policies import PolicyEngine

    loop = asyncio.get_running_loop()
    ctx = GatewayContext.build(settings, PolicyEngine.from_settings(settings), open_spool(settings))
    stop = asyncio.Event()

    pending = bytearray()

    def on_control() -> None:
        try:
            data = os.read(control_fd, 65536)
        except BlockingIOError:
            return
        if not data:  # the gateway closed the pipe (stopping, or gone)
            loop.remove_reader(control_fd)
            stop.set()
            return
        pending.extend(data)
        while (message := take_message(pending)) is not None:
            apply_settings(ctx, message["settings"])

    os.set_blocking(control_fd, False)
    loop.add_reader(control_fd, on_control)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if kind == "listener":
        await run_listener(ctx, stop)
        return
    workers = relay_workers(ctx) if kind == "relay" else archive_workers(ctx)
    for worker in workers:
        worker.start()
    await stop.wait()
    for worker in reversed(workers):
        await worker.stop()


def apply_settings(ctx, settings: Settings) -> None:
    """A policy reload from the gateway: swap the engine, then acknowledge on stdout."""
    from policies import PolicyEngine

    try:
        ctx.engine = PolicyEngine.from_settings(settings)
    except Exception:  # the gateway checked these settings; keep the policy in force
        error_log.exception("policy update refused; keeping the policy in force")
    os.write(sys.stdout.fileno(), b"reloaded\n")


def relay_workers(ctx) -> list:
    from gateway.relay_worker import RelayWorker
    from gateway.service import next_hop_factory
    from gateway.wake import drain, wake_listener

    try:
        sock = wake_listener(ctx.spool.root)
    except OSError as exc:  # another relay on this spool: scanning every second still works
        error_log.warning("relay wake-up socket unavailable (%s); polling only", exc)
    else:
        loop = asyncio.get_running_loop()
        loop.add_reader(sock, lambda: drain(sock) and ctx.relay_wakeup.set())
    return [RelayWorker(ctx, next_hop_factory(ctx.settings))]


def archive_workers(ctx) -> list:
    from gateway.archiver import ArchiveWorker
    from gateway.ocr_worker import OcrWorker
    from gateway.wiring import open_archive

    archiver = ArchiveWorker(ctx, open_archive)
    docs = ctx.settings.documents
    if docs.ocr and docs.ocr_in_gateway:
        return [archiver, OcrWorker(ctx.settings, archiver.refresh_later)]
    return [archiver]


async def run_listener(ctx, stop: asyncio.Event) -> None:
    """One more SMTP process on the gateway's ports; the same path as the gateway's own."""
    from gateway.service import split_listen
    from gateway.smtp_server import close_listeners, start_listener
    from gateway.wake import forward_wakeups

    ctx.committer.start()
    servers = []
    for item in ctx.settings.smtp.listen:
        host, port = split_listen(item)
        servers.append(await start_listener(ctx, host, port, reuse_port=True))
    forward = forward_wakeups(ctx.relay_wakeup, ctx.spool.root)
    forwarding = asyncio.get_running_loop().create_task(forward)
    await stop.wait()
    await close_listeners(ctx, servers, SHUTDOWN_GRACE)
    forwarding.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await forwarding
    await ctx.committer.stop()


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in KINDS:
        print(f"usage: python -m gateway.worker_main {'|'.join(KINDS)}", file=sys.stderr)
        return 2
    kind = argv[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the gateway, which stops us
    settings, level = read_settings(sys.stdin.fileno())
    configure_logging(settings, level)
    if kind == "archive":
        os.nice(ARCHIVE_NICENESS)
    if kind == "relay":
        os.nice(RELAY_NICENESS)
    from gateway.context import open_spool

    with open(open_spool(settings).lock_path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # a restarting gateway waits for us to go
        asyncio.run(run(kind, settings, sys.stdin.fileno()))
    stopped = {"event": "worker-stopped", "worker": kind, "pid": os.getpid()}
    logging.getLogger("govmail.smtp").info(json.dumps({**stopped, "cpu_s": cpu_seconds()}))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main(sys.argv[1:]))
