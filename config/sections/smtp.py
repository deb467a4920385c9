"""The SMTP gateway (issue 5): listeners, relay, spool, DKIM, limits.

With no file, ``govmail serve`` listens on 127.0.0.1:2525 and delivers relayed mail into a
Maildir under the data directory, so it runs without root and without a mail server.
"""

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from config.sections.base import Section


def _check_listen(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{value!r} is not HOST:PORT")
    return value


class DkimSigningKey(Section):
    """One signing identity for outbound mail."""

    domain: str = Field(description="d= of the signature (mail From this domain is signed).")
    selector: str = Field(description="s= of the signature; the key is at s._domainkey.d.")
    key_file: Path = Field(description="PEM private key (govmail dkim keygen writes one).")


class SmtpSettings(Section):
    """How govmail sits in the mail flow and how it protects itself."""

    mode: Literal["border", "content_filter", "policy_service"] = Field(
        "border",
        description="border: MX + outbound relay listener; content_filter: Postfix "
        "after-queue filter (10025 -> 10026); policy_service: Postfix check_policy_service.",
    )
    listen: list[str] = Field(
        ["127.0.0.1:2525"],
        description="HOST:PORT listeners (border: the MX and the outbound relay listener).",
    )
    policy_service_listen: str = Field(
        "127.0.0.1:10040", description="HOST:PORT of the Postfix policy-delegation service."
    )
    hostname: str = Field("", description="Name in the greeting and Received; empty: FQDN.")
    local_domains: list[str] = Field(
        [], description="Domains we accept mail for; empty: policy.province_domains."
    )
    trusted_networks: list[str] = Field(
        ["127.0.0.0/8", "::1/128"],
        description="Clients that may relay to any domain (CIDRs); everyone else may only "
        "send to local_domains.",
    )
    next_hop: str = Field(
        "", description="HOST:PORT to relay to; empty: deliver into the Maildir below."
    )
    next_hop_tls: Literal["none", "starttls", "tls"] = Field(
        "none", description="TLS to the next hop."
    )
    next_hop_tls_verify: bool = Field(True, description="Check the next hop's certificate.")
    next_hop_ca_file: str = Field("", description="CA bundle for the next hop ('' = system).")
    maildir: Path | None = Field(
        None, description="Maildir for relayed mail when next_hop is empty; <data_dir>/maildir."
    )
    spool_dir: Path | None = Field(None, description="Spool directory; <data_dir>/spool.")
    spool_fsync: bool = Field(True, description="Flush the spool before answering 250.")
    max_crashes: int = Field(
        3, ge=1, description="A message that crashed a worker this often is parked."
    )
    relay_workers: int = Field(4, ge=1, le=256, description="Concurrent next-hop connections.")
    retry_base_seconds: float = Field(30.0, gt=0, description="First retry delay (doubles).")
    retry_max_seconds: float = Field(3600.0, gt=0, description="Longest retry delay.")
    give_up_hours: float = Field(
        120.0, gt=0, description="Bounce recipients still failing temporarily after this."
    )
    relay_timeout_seconds: float = Field(60.0, gt=0, description="Next-hop command timeout.")
    tls_cert: Path | None = Field(None, description="PEM certificate for STARTTLS.")
    tls_key: Path | None = Field(None, description="PEM key for tls_cert.")
    require_tls: bool = Field(False, description="Refuse MAIL before STARTTLS.")
    max_recipients: int = Field(100, ge=1, description="Recipients per message.")
    max_connections_per_ip: int = Field(50, ge=1, description="Open sessions per client IP.")
    max_connections: int = Field(1000, ge=1, description="Open sessions in total.")
    max_messages_per_minute: int = Field(
        120, ge=1, description="Messages per client IP per minute (trusted networks exempt)."
    )
    command_timeout_seconds: float = Field(60.0, gt=0, description="Idle time per command.")
    data_timeout_seconds: float = Field(
        300.0,
        gt=0,
        description="DATA phase deadline, pushed back by the data received (min_data_rate).",
    )
    min_data_rate: int = Field(
        500,
        ge=0,
        description="Bytes per second of message data that keep a slow client connected: "
        "every min_data_rate bytes received add a second to data_timeout_seconds (as "
        "Postfix's smtpd_min_data_rate). 0: the DATA phase ends after data_timeout_seconds.",
    )
    session_timeout_seconds: float = Field(
        900.0, gt=0, description="Whole session deadline, not counting the DATA phases."
    )
    bare_line_endings: Literal["normalise", "reject"] = Field(
        "normalise",
        description="Bare CR or LF in DATA: normalise to CRLF (dots then escaped on relay) "
        "or reject with 554.",
    )
    content_filter_reject: Literal["bounce", "quarantine"] = Field(
        "quarantine",
        description="content_filter mode: a reject becomes a 550 (Postfix bounces to the "
        "possibly forged sender) or quarantine + notify.",
    )
    authserv_id: str = Field(
        "", description="authserv-id of our Authentication-Results; empty: hostname."
    )
    dkim_verify: bool = Field(True, description="Verify DKIM signatures of incoming mail.")
    dkim_timeout_seconds: float = Field(3.0, gt=0, description="DNS limit per key lookup.")
    dkim_sign: list[DkimSigningKey] = Field(
        [], description="Sign outbound mail from these domains (relaxed/relaxed)."
    )
    archive: bool = Field(True, description="Archive every message not rejected.")
    archive_batch: int = Field(64, ge=1, description="Messages per archive transaction.")
    listener_processes: int = Field(
        0,
        ge=0,
        le=64,
        description="SMTP processes sharing the listen ports (SO_REUSEPORT; needs "
        "worker_processes); 0: one per CPU core, at most 8. The connection and "
        "message-rate limits are divided between them.",
    )
    worker_processes: bool = Field(
        True,
        description="Run the relay and archive workers in processes of their own (false: "
        "threads of the SMTP process, which then share one CPU core with the sessions).",
    )

    def smtp_processes(self) -> int:
        """How many SMTP processes share the ports."""
        if not self.worker_processes:
            return 1
        return self.listener_processes or min(os.cpu_count() or 1, 8)

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: list[str]) -> list[str]:
        return [_check_listen(v) for v in value]

    @field_validator("policy_service_listen")
    @classmethod
    def _policy_listen(cls, value: str) -> str:
        return _check_listen(value)

    @field_validator("next_hop")
    @classmethod
    def _next_hop(cls, value: str) -> str:
        if not value:
            return value
        host, _, port = _check_listen(value).rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if int(port) == 0 or not host or any(ch in host for ch in " \t/@,;"):
            raise ValueError(f"{value!r} is not HOST:PORT of a mail server (port 1-65535)")
        return value

    @field_validator("trusted_networks")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        import ipaddress

        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not a CIDR network") from None
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> "SmtpSettings":
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together: set both or neither")
        if self.require_tls and self.tls_cert is None:
            raise ValueError("require_tls needs tls_cert and tls_key")
        return self
