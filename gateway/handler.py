"""aiosmtpd hooks, kept thin: turn the session into facts, ask, answer from the table."""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid

from gateway import xforward
from gateway.addresses import check_address, check_recipient, may_relay
from gateway.context import GatewayContext
from gateway.pipeline import on_data
from gateway.txlog import TransactionLog
from policies import EnvelopeFacts
from policies import replies as R
from policies.domains import normalise_domain

error_log = logging.getLogger("govmail.error")


NULL_SENDER = "<>"  # how aiosmtpd hands over ``MAIL FROM:<>`` (bounces, RFC 5321 4.5.5)


def _sender(address: str | None) -> str:
    """The reverse-path as the gateway keeps it: "" for the null sender."""
    return "" if not address or address == NULL_SENDER else address


def client_ip(session) -> str:
    peer = session.peer
    return peer[0] if isinstance(peer, tuple) else str(peer or "")


def original_client(session) -> tuple[str, str]:
    """(address, HELO) of the client the mail came from: the one a trusted Postfix names
    with XFORWARD (content_filter mode), else the connected client."""
    named = getattr(session, "xforward", None) or {}
    return named.get("ADDR") or client_ip(session), named.get("HELO") or session.host_name or ""


@functools.cache
def hook_names(cls: type, prefixes: tuple[str, ...]) -> list[str]:
    """Names of ``cls`` with these prefixes, once per class."""
    return [name for name in dir(cls) if name.startswith(prefixes)]


class GatewayHandler:
    def __init__(self, ctx: GatewayContext):
        self.ctx = ctx

    def __dir__(self) -> list[str]:
        """The hook names aiosmtpd collects per connection (see ``GatewaySMTP.__dir__``)."""
        return hook_names(type(self), ("handle_", "auth_"))

    def _log(self, server, session) -> TransactionLog:
        ip, helo = original_client(session)
        tx = getattr(server, "txlog", None)
        if tx is None:
            tx = server.txlog = TransactionLog(uuid.uuid4().hex[:12], ip)
        tx.helo = helo
        return tx

    def _envelope_facts(self, session, envelope, rcpts) -> EnvelopeFacts:
        # Relaying is decided on the connected client (handle_RCPT); the policy judges
        # the client the mail came from.
        ip, helo = original_client(session)
        return EnvelopeFacts(
            mail_from=_sender(envelope.mail_from),
            rcpt_to=tuple(rcpts),
            client_ip=ip,
            helo=helo,
            authenticated=bool(session.authenticated),
            trusted_network=ip in self.ctx.trusted,
        )

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if client_ip(session) in self.ctx.trusted:  # Postfix sends XFORWARD when offered
            responses.insert(len(responses) - 1, xforward.EHLO_LINE)
        return responses

    def _postmaster_domain(self) -> str:
        """The first domain we serve: where a bare ``<Postmaster>`` is delivered."""
        domains = self.ctx.settings.smtp.local_domains or self.ctx.engine.policy.province_domains
        return normalise_domain(domains[0]) if domains else self.ctx.hostname

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        checked = check_address(_sender(address), allow_empty=True)
        if not checked.ok:
            return R.BAD_SENDER.line()
        ip = client_ip(session)
        if ip not in self.ctx.trusted and not self.ctx.rate.allow(ip):
            return R.RATE_LIMITED.line()
        tx = self._log(server, session)
        tx.mail_from, tx.rcpt_to, tx.refused_rcpt = checked.address, [], []
        envelope.mail_from = checked.address or NULL_SENDER  # aiosmtpd's "MAIL given"
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        tx = self._log(server, session)
        if len(envelope.rcpt_tos) >= self.ctx.settings.smtp.max_recipients:
            return R.TOO_MANY_RECIPIENTS.line()
        raw = getattr(server, "last_rcpt_arg", "")
        if (address or "").lower() == "postmaster":  # RFC 5321 4.5.1: needs no domain
            address = raw = f"postmaster@{self._postmaster_domain()}"
        checked = check_recipient(raw, address)
        if not checked.ok:
            tx.refused_rcpt.append({"rcpt": address, "why": checked.problem})
            return R.BAD_ADDRESS.line()
        if checked.address in envelope.rcpt_tos:  # given twice: delivered once
            return "250 2.1.5 OK"
        trusted = client_ip(session) in self.ctx.trusted
        if not may_relay(checked.domain, self.ctx.local_domains, trusted):
            tx.refused_rcpt.append({"rcpt": checked.address, "why": "relay denied"})
            return R.RELAY_DENIED.line()
        facts = self._envelope_facts(session, envelope, [checked.address])
        engine = self.ctx.engine
        if engine.may_use_dns(facts):
            verdict = await asyncio.to_thread(engine.check_envelope, facts)
        else:
            verdict = engine.check_envelope(facts)
        if verdict.refuses:
            tx.refused_rcpt.append({"rcpt": checked.address, "rule": verdict.rule})
            return verdict.smtp_reply()
        envelope.rcpt_tos.append(checked.address)
        envelope.rcpt_options.extend(rcpt_options)
        tx.rcpt_to.append(checked.address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        tx = self._log(server, session)
        facts = self._envelope_facts(session, envelope, envelope.rcpt_tos)
        result = await on_data(self.ctx, envelope.original_content, facts)
        verdict = result.verdict
        tx.emit(
            result.outcome,
            queue_id=result.spool_id,
            action=verdict.action if verdict else None,
            rule=verdict.rule if verdict else None,
            reason=verdict.reason_en if verdict and verdict.matched else None,
            dry_run=verdict.would_action if verdict else None,
            direction=verdict.facts.get("direction") if verdict else None,
            dkim=result.dkim,
            size=result.size,
            attachments=result.attachments,
        )
        server.txlog = None
        return result.reply

    async def handle_exception(self, error: Exception) -> str:
        log_id = uuid.uuid4().hex[:12]
        error_log.error("smtp session error [id %s]", log_id, exc_info=error)
        return R.TEMPORARY_FAILURE.line(log_id=log_id)
