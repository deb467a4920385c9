"""Everything a running gateway shares: settings, the policy engine, spool, DKIM, limits."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from pathlib import Path

from config import Settings
from gateway.addresses import TrustedNetworks
from gateway.committer import GroupCommitter
from gateway.dkim_check import Signer, TxtLookup
from gateway.limits import ConnectionLimits, MessageRate
from gateway.spool import Spool
from policies import PolicyEngine
from policies.domains import normalise_domain


def spool_dir(settings: Settings) -> Path:
    return settings.smtp.spool_dir or settings.storage.data_dir / "spool"


def maildir(settings: Settings) -> Path:
    return settings.smtp.maildir or settings.storage.data_dir / "maildir"


def open_spool(settings: Settings) -> Spool:
    smtp = settings.smtp
    return Spool(spool_dir(settings), fsync=smtp.spool_fsync, max_crashes=smtp.max_crashes)


def share(limit: int, processes: int) -> int:
    """Each listener process's part of a limit (the kernel spreads connections evenly)."""
    return max(1, -(-limit // processes))


@dataclass
class GatewayContext:
    settings: Settings
    engine: PolicyEngine
    spool: Spool
    committer: GroupCommitter
    hostname: str
    local_domains: set[str]
    trusted: TrustedNetworks
    signers: dict[str, Signer]
    authserv_id: str
    connections: ConnectionLimits
    rate: MessageRate
    dkim_lookup: TxtLookup | None = None
    relay_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    sessions: set = field(default_factory=set)
    accepting: bool = True

    @classmethod
    def build(
        cls,
        settings: Settings,
        engine: PolicyEngine,
        spool: Spool,
        dkim_lookup: TxtLookup | None = None,
        smtp_processes: int | None = None,
    ) -> GatewayContext:
        """``smtp_processes``: how many processes share the limits (default: settings)."""
        smtp = settings.smtp
        hostname = smtp.hostname or socket.getfqdn()
        local = smtp.local_domains or engine.policy.province_domains
        processes = smtp_processes or smtp.smtp_processes()
        signers = {
            k.domain.lower(): Signer.from_file(k.domain, k.selector, k.key_file)
            for k in smtp.dkim_sign
        }
        return cls(
            settings=settings,
            engine=engine,
            spool=spool,
            committer=GroupCommitter(spool),
            hostname=hostname,
            local_domains={normalise_domain(d) for d in local},
            trusted=TrustedNetworks(smtp.trusted_networks),
            signers=signers,
            authserv_id=smtp.authserv_id or hostname,
            connections=ConnectionLimits(
                share(smtp.max_connections_per_ip, processes),
                share(smtp.max_connections, processes),
            ),
            rate=MessageRate(share(smtp.max_messages_per_minute, processes)),
            dkim_lookup=dkim_lookup,
        )
