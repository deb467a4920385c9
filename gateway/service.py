"""The running gateway: listeners, spool writer, relay and archive workers, reload, stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import Callable

from config import ConfigError, Settings, load_settings
from gateway.archiver import ArchiveWorker
from gateway.context import GatewayContext, maildir, open_spool
from gateway.dkim_check import TxtLookup
from gateway.ocr_worker import OcrWorker
from gateway.policy_service import start_policy_service
from gateway.relay import MaildirNextHop, NextHop, SmtpNextHop
from gateway.relay_worker import RelayWorker
from gateway.smtp_server import bound_port, close_listeners, start_listener
from gateway.wake import forward_wakeups
from gateway.worker_process import WorkerProcess, cpu_seconds
from policies import PolicyEngine
from policies.resolver import MxResolver

log = logging.getLogger("govmail.smtp")
error_log = logging.getLogger("govmail.error")


def split_listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


def next_hop_factory(settings: Settings) -> Callable[[], NextHop]:
    smtp = settings.smtp
    if not smtp.next_hop:
        path = maildir(settings)
        return lambda: MaildirNextHop(path, fsync=smtp.spool_fsync)
    host, port = split_listen(smtp.next_hop)
    return lambda: SmtpNextHop(
        host,
        port,
        tls=smtp.next_hop_tls,
        timeout=smtp.relay_timeout_seconds,
        helo=smtp.hostname or None,
        tls_verify=smtp.next_hop_tls_verify,
        ca_file=smtp.next_hop_ca_file or None,
    )


class Gateway:
    def __init__(
        self,
        settings: Settings,
        resolver: MxResolver | None = None,
        dkim_lookup: TxtLookup | None = None,
        hop_factory: Callable[[], NextHop] | None = None,
        open_archive=None,
    ):
        self.settings = settings
        self.resolver = resolver
        engine = PolicyEngine.from_settings(settings, resolver=resolver)
        # Work runs in other processes unless a test handed in objects a process cannot
        # share: a next hop or archive (threads then), a resolver or key lookup (one SMTP
        # process then).
        in_process = hop_factory is not None or open_archive is not None
        injected = resolver is not None or dkim_lookup is not None
        use_processes = settings.smtp.worker_processes and not in_process
        self.smtp_processes = (
            settings.smtp.smtp_processes()
            if use_processes and not injected and settings.smtp.mode != "policy_service"
            else 1
        )
        self.ctx = GatewayContext.build(
            settings, engine, open_spool(settings), dkim_lookup, self.smtp_processes
        )
        self.processes: dict[str, WorkerProcess] = {}
        self.relay: RelayWorker | None = None
        self.archiver: ArchiveWorker | None = None
        self.ocr: OcrWorker | None = None
        self._forward: asyncio.Task | None = None
        self._listeners: list[str] = []
        self._reloading: asyncio.Task | None = None
        if use_processes:
            self.processes["relay"] = WorkerProcess("relay", settings)
            if settings.smtp.archive:
                self.processes["archive"] = WorkerProcess("archive", settings)
        else:
            self._threads(settings, hop_factory, open_archive)
        self.servers: list[asyncio.AbstractServer] = []
        self.addresses: list[tuple[str, int]] = []

    def _threads(self, settings: Settings, hop_factory, open_archive) -> None:
        self.relay = RelayWorker(self.ctx, hop_factory or next_hop_factory(settings))
        if open_archive is None:
            from gateway.wiring import open_archive as open_archive_default

            open_archive = open_archive_default
        self.archiver = ArchiveWorker(self.ctx, open_archive) if settings.smtp.archive else None
        docs = settings.documents
        if self.archiver is not None and docs.ocr and docs.ocr_in_gateway:
            self.ocr = OcrWorker(settings, self.archiver.refresh_later)

    def _recover(self) -> dict[str, int]:
        spool = self.ctx.spool
        with spool.exclusive(self.settings.smtp.relay_timeout_seconds + 30):
            return spool.recover()

    async def start(self) -> None:
        recovered = await asyncio.to_thread(self._recover)
        if any(recovered.values()):
            log.info(json.dumps({"event": "spool-recovered", **recovered}))
        smtp = self.settings.smtp
        if smtp.mode == "policy_service":
            host, port = split_listen(smtp.policy_service_listen)
            server = await start_policy_service(self.ctx, host, port)
            self._add(server, host)
        else:
            self.ctx.committer.start()
            shared = self.smtp_processes > 1
            for item in smtp.listen:
                host, port = split_listen(item)
                self._add(await start_listener(self.ctx, host, port, reuse_port=shared), host)
            if shared:
                self._start_listener_processes()
            for process in self.processes.values():
                process.start()
            if "relay" in self.processes:
                forward = forward_wakeups(self.ctx.relay_wakeup, self.ctx.spool.root)
                self._forward = asyncio.get_running_loop().create_task(forward)
            for worker in (self.relay, self.archiver, self.ocr):
                if worker is not None:
                    worker.start()
        log.info(
            json.dumps(
                {
                    "event": "listening",
                    "mode": smtp.mode,
                    "addresses": [f"{h}:{p}" for h, p in self.addresses],
                    "smtp_processes": self.smtp_processes,
                    "next_hop": smtp.next_hop or f"maildir:{maildir(self.settings)}",
                }
            )
        )

    def _start_listener_processes(self) -> None:
        """More SMTP processes on the same port(s): the ones this process bound (port 0
        included), each with its share of the connection and rate limits."""
        settings = self._listener_settings(self.settings)
        for n in range(1, self.smtp_processes):
            name = f"listener-{n}"
            self.processes[name] = WorkerProcess("listener", settings)
            self._listeners.append(name)

    def _listener_settings(self, settings: Settings) -> Settings:
        """``settings`` for an extra SMTP process: the ports this process bound (port 0
        included) and the same share of the limits."""
        settings = settings.model_copy(deep=True)
        settings.smtp.listen = [f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.addresses]
        settings.smtp.listener_processes = self.smtp_processes
        return settings

    def _add(self, server: asyncio.AbstractServer, host: str) -> None:
        self.servers.append(server)
        self.addresses.append((host, bound_port(server)))

    @property
    def port(self) -> int:
        return self.addresses[0][1]

    def reload(self, settings: Settings | None = None, config_path: str | None = None) -> bool:
        """Re-read the policy (SIGHUP); on a bad file keep the policy in force and say why."""
        try:
            settings = settings or load_settings(config_path)
            engine = PolicyEngine.from_settings(settings, resolver=self.resolver)
        except ConfigError as exc:
            error_log.error("policy reload refused, keeping the policy in force: %s", exc)
            return False
        self.ctx.engine = engine
        rules = [r.rule.name for r in engine.table]
        if not self.processes:
            log.info(json.dumps({"event": "policy-reloaded", "rules": rules}))
            return True
        loop = asyncio.get_running_loop()
        self._reloading = loop.create_task(self._update_processes(settings, rules))
        return True

    async def _update_processes(self, settings: Settings, rules: list[str]) -> None:
        """Every process swaps its policy before the reload is announced: from that line
        on, every new connection, whichever process takes it, meets the new policy."""
        listener_settings = self._listener_settings(settings)
        answered = await asyncio.gather(
            *(
                process.update(listener_settings if name in self._listeners else settings)
                for name, process in self.processes.items()
            )
        )
        late = [name for name, ok in zip(self.processes, answered, strict=True) if not ok]
        if late:
            error_log.error("policy reload: no answer from %s", ", ".join(late))
        log.info(json.dumps({"event": "policy-reloaded", "rules": rules}))

    async def stop(self, grace: float = 30.0) -> None:
        """Stop listening, let transactions in flight finish, keep the spool."""
        if self._reloading is not None and not self._reloading.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reloading, 10)
        listeners = [p.stop(grace + 5) for k, p in self.processes.items() if k in self._listeners]
        await asyncio.gather(close_listeners(self.ctx, self.servers, grace), *listeners)
        if self._forward is not None:
            self._forward.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._forward
        await asyncio.gather(*(p.stop() for p in self.processes.values()))
        if self.relay is not None and self.relay.tasks:
            await self.relay.stop(grace)
        for worker in (self.ocr, self.archiver):
            if worker is not None:
                await worker.stop()
        await self.ctx.committer.stop()


async def serve_forever(gateway: Gateway, config_path: str | None = None) -> None:
    """Run until SIGTERM/SIGINT; SIGHUP reloads the policy."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: gateway.reload(config_path=config_path))
    try:
        await gateway.start()
    except BaseException:
        await gateway.stop()  # a listener that could not bind: nothing is left running
        raise
    try:
        await stop.wait()
    finally:
        log.info(json.dumps({"event": "stopping"}))
        await gateway.stop()
        log.info(json.dumps({"event": "stopped", "cpu_s": cpu_seconds()}))
