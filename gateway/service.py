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
from gateway.smtp_server import bound_port, start_listener
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
        self.ctx = GatewayContext.build(settings, engine, open_spool(settings), dkim_lookup)
        self.relay = RelayWorker(self.ctx, hop_factory or next_hop_factory(settings))
        if open_archive is None:
            from gateway.wiring import open_archive as open_archive_default

            open_archive = open_archive_default
        self.archiver = ArchiveWorker(self.ctx, open_archive) if settings.smtp.archive else None
        docs = settings.documents
        self.ocr = (
            OcrWorker(settings, self.archiver.refresh_later)
            if self.archiver is not None and docs.ocr and docs.ocr_in_gateway
            else None
        )
        self.servers: list[asyncio.AbstractServer] = []
        self.addresses: list[tuple[str, int]] = []

    async def start(self) -> None:
        recovered = await asyncio.to_thread(self.ctx.spool.recover)
        if any(recovered.values()):
            log.info(json.dumps({"event": "spool-recovered", **recovered}))
        smtp = self.settings.smtp
        if smtp.mode == "policy_service":
            host, port = split_listen(smtp.policy_service_listen)
            server = await start_policy_service(self.ctx, host, port)
            self._add(server, host)
        else:
            self.ctx.committer.start()
            for item in smtp.listen:
                host, port = split_listen(item)
                self._add(await start_listener(self.ctx, host, port), host)
            self.relay.start()
            if self.archiver is not None:
                self.archiver.start()
            if self.ocr is not None:
                self.ocr.start()
        log.info(
            json.dumps(
                {
                    "event": "listening",
                    "mode": smtp.mode,
                    "addresses": [f"{h}:{p}" for h, p in self.addresses],
                    "next_hop": smtp.next_hop or f"maildir:{maildir(self.settings)}",
                }
            )
        )

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
        log.info(
            json.dumps({"event": "policy-reloaded", "rules": [r.rule.name for r in engine.table]})
        )
        return True

    async def stop(self, grace: float = 30.0) -> None:
        """Stop listening, let transactions in flight finish, keep the spool."""
        self.ctx.accepting = False
        for server in self.servers:
            server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while loop.time() < deadline:
            busy = [s for s in self.ctx.sessions if not s.idle]
            if not busy:
                break
            await asyncio.sleep(0.05)
        for session in list(self.ctx.sessions):
            if session.transport is not None:
                session.transport.close()
        for server in self.servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=2)
        await self.relay.stop() if self.relay.tasks else None
        if self.ocr is not None:
            await self.ocr.stop()
        if self.archiver is not None:
            await self.archiver.stop()
        await self.ctx.committer.stop()


async def serve_forever(gateway: Gateway, config_path: str | None = None) -> None:
    """Run until SIGTERM/SIGINT; SIGHUP reloads the policy."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: gateway.reload(config_path=config_path))
    await gateway.start()
    try:
        await stop.wait()
    finally:
        log.info(json.dumps({"event": "stopping"}))
        await gateway.stop()
