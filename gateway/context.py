"""Everything a running gateway shares: settings, the policy engine, spool, DKIM, limits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from dataclasses import dataclass, field
from pathlib import Path

from config import ConfigError, ConfigProblem, Settings
from gateway.addresses import TrustedNetworks
from gateway.committer import GroupCommitter
from gateway.dkim_check import Signer, TxtLookup, key_problem
from gateway.limits import ConnectionLimits, MessageRate
from gateway.spool import Spool
from policies import PolicyEngine
from policies.domains import normalise_domain

error_log = logging.getLogger("govmail.error")


def spool_dir(settings: Settings) -> Path:
    return settings.smtp.spool_dir or settings.storage.data_dir / "spool"


def maildir(settings: Settings) -> Path:
    return settings.smtp.maildir or settings.storage.data_dir / "maildir"


def open_spool(settings: Settings) -> Spool:
    smtp = settings.smtp
    return Spool(spool_dir(settings), fsync=smtp.spool_fsync, max_crashes=smtp.max_crashes)


def load_signers(settings: Settings) -> dict[str, Signer]:
    """The DKIM signing keys, each checked now: a key that cannot sign stops start-up with
    the file, the key and the problem (ConfigError), not a failure on every message."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    signers, problems = {}, []
    for index, conf in enumerate(settings.smtp.dkim_sign):
        key = f"smtp.dkim_sign.{index}"
        problem = key_problem(conf.domain, conf.selector)
        if problem:
            problems.append(ConfigProblem(settings.source, key, problem))
            continue
        try:
            signer = Signer.from_file(conf.domain, conf.selector, conf.key_file)
            load_pem_private_key(signer.key, password=None)
        except OSError as exc:
            why = f"cannot read {conf.key_file}: {exc.strerror or exc}"
            problems.append(ConfigProblem(settings.source, f"{key}.key_file", why))
            continue
        except (ValueError, TypeError) as exc:
            why = f"{conf.key_file} is not an unencrypted PEM private key ({exc})"
            problems.append(ConfigProblem(settings.source, f"{key}.key_file", why))
            continue
        with contextlib.suppress(OSError):
            if conf.key_file.stat().st_mode & 0o077:
                error_log.warning(
                    "%s: DKIM private key readable by other users; chmod 600 it", conf.key_file
                )
        signers[conf.domain.lower()] = signer
    if problems:
        raise ConfigError(problems)
    return signers


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

    def sign_as(self, address: str, raw: bytes) -> bytes:
        """A message govmail writes itself (DSN, notice), DKIM-signed when we hold a key
        for the domain of its From ``address``; unchanged otherwise."""
        signer = self.signers.get(address.rpartition("@")[2].lower())
        return signer.sign(raw) if signer else raw

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
        signers = load_signers(settings)
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
