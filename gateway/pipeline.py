"""End of DATA: verify DKIM, decide, mark, sign, spool durably, then answer.

The steps are plain functions; ``on_data`` runs them in order for the SMTP handler. The
client hears 250 only after the spool write (and its flush) succeeded.
"""

from __future__ import annotations

import asyncio
import email.utils
from dataclasses import dataclass, replace

from gateway import headers
from gateway.context import GatewayContext
from gateway.dkim_check import (
    DkimOutcome,
    authentication_results,
    dkim_signed,
    strip_our_results,
    verify_dkim,
)
from gateway.messages import notice
from gateway.spool import SpoolEntry, SpoolMeta, new_id
from gateway.summary import message_facts
from policies import EnvelopeFacts, Verdict
from policies import replies as R


@dataclass
class DataResult:
    reply: str
    outcome: str  # queued | quarantined | rejected | deferred | refused
    spool_id: str = ""
    verdict: Verdict | None = None
    dkim: str = "none"
    attachments: int = 0
    size: int = 0


def decide(ctx: GatewayContext, raw: bytes, env: EnvelopeFacts) -> tuple[Verdict, DkimOutcome, int]:
    """DKIM verify on the bytes as received, then the policy on headers + attachments."""
    smtp = ctx.settings.smtp
    if smtp.dkim_verify:
        dkim = verify_dkim(raw, ctx.dkim_lookup, smtp.dkim_timeout_seconds)
    else:
        dkim = DkimOutcome("none")
    facts = message_facts(raw, env, dkim_result=dkim.result)
    verdict = ctx.engine.check_message(facts)
    if (
        verdict.action == "reject"
        and smtp.mode == "content_filter"
        and smtp.content_filter_reject == "quarantine"
    ):
        notify = tuple(dict.fromkeys((*verdict.notify, "sender", "admin")))
        verdict = replace(verdict, action="quarantine", notify=notify)
    return verdict, dkim, len(facts.attachments)


def finish(
    ctx: GatewayContext,
    raw: bytes,
    env: EnvelopeFacts,
    verdict: Verdict,
    dkim: DkimOutcome,
    qid: str,
    bare_line_endings: bool = True,
) -> bytes:
    """The bytes to relay: our fields prepended, Subject prefixed, signed last."""
    if bare_line_endings and headers.has_bare_line_ending(raw):
        raw = headers.normalise_line_endings(raw)
    raw = strip_our_results(raw, ctx.authserv_id)
    if verdict.subject_prefix:
        raw = headers.prefix_subject(raw, verdict.subject_prefix)
    fields = [received(ctx, env, qid), authentication_results(ctx.authserv_id, dkim)]
    if verdict.tag_header:
        fields.append((verdict.tag_header, verdict.tag_value()))
    raw = headers.prepend(raw, fields)
    signer = _signer_for(ctx, verdict)
    return signer.sign(raw) if signer else raw


def _signer_for(ctx: GatewayContext, verdict: Verdict):
    if not ctx.signers or verdict.facts.get("direction") != "outbound":
        return None
    domain = (verdict.facts.get("header_from") or "").rpartition("@")[2].lower()
    return ctx.signers.get(domain)


def received(ctx: GatewayContext, env: EnvelopeFacts, qid: str) -> tuple[str, str]:
    rcpt = f" for <{env.rcpt_to[0]}>" if len(env.rcpt_to) == 1 else ""
    helo = headers.header_safe(env.helo)[:100] or "unknown"
    value = (
        f"from {helo} ([{env.client_ip}]) by {ctx.hostname} (govmail) with ESMTP id {qid}"
        f"{rcpt}; {email.utils.formatdate(localtime=False)}"
    )
    return "Received", value


async def on_data(ctx: GatewayContext, raw: bytes, env: EnvelopeFacts) -> DataResult:
    qid = new_id()
    bare = headers.has_bare_line_ending(raw)
    if bare and ctx.settings.smtp.bare_line_endings == "reject":
        return DataResult(R.BARE_LINE_ENDING.line(log_id=qid), "refused", qid, size=len(raw))
    if ctx.engine.may_use_dns(env) or dkim_signed(raw):
        verdict, dkim, attachments = await asyncio.to_thread(decide, ctx, raw, env)
    else:  # nothing to wait for: a thread hop would cost more than the decision
        verdict, dkim, attachments = decide(ctx, raw, env)
    result = DataResult("", "", qid, verdict, dkim.result, attachments, len(raw))
    if verdict.refuses:
        result.reply = verdict.smtp_reply(qid)
        result.outcome = "rejected" if verdict.action == "reject" else "deferred"
        if verdict.action == "reject":
            await _notify(ctx, verdict, raw, env, qid)
        return result
    final = finish(ctx, raw, env, verdict, dkim, qid, bare)
    meta = spool_meta(qid, env, verdict, dkim.result, _subject(verdict))
    queues = ("quarantine",) if verdict.action == "quarantine" else ("relay",)
    if ctx.settings.smtp.archive:
        queues += ("archive",)
    await ctx.committer.commit(SpoolEntry(meta, final), queues)
    ctx.relay_wakeup.set()
    await _notify(ctx, verdict, raw, env, qid)
    quarantined = verdict.action == "quarantine"
    result.outcome = "quarantined" if quarantined else "queued"
    result.reply = R.OK.line(log_id=qid)  # a held message is not announced to the client
    return result


def spool_meta(
    qid: str, env: EnvelopeFacts, verdict: Verdict, dkim: str, subject: str
) -> SpoolMeta:
    return SpoolMeta(
        id=qid,
        mail_from=env.mail_from,
        rcpt_to=list(env.rcpt_to),
        client_ip=env.client_ip,
        helo=env.helo[:255],
        direction=verdict.facts.get("direction"),
        action=verdict.action,
        rule=verdict.rule,
        reason_vi=verdict.reason_vi,
        reason_en=verdict.reason_en,
        dkim_result=dkim,
        subject=subject[:500],
    )


def _subject(verdict: Verdict) -> str:
    return str(verdict.facts.get("subject") or "")


async def _notify(
    ctx: GatewayContext, verdict: Verdict, raw: bytes, env: EnvelopeFacts, qid: str
) -> None:
    """Spool the notices the verdict asks for (never to the null sender, never a loop)."""
    policy = ctx.engine.policy
    targets = []
    for audience in verdict.notify:
        to = env.mail_from if audience == "sender" else policy.admin_address
        if to and to.lower() != policy.notice_from.lower():
            targets.append((audience, to))
    for audience, to in targets:
        body = notice(
            verdict, audience, policy.notice_from, to, _subject(verdict), env.mail_from,
            list(env.rcpt_to), qid,
        )  # fmt: skip
        body = ctx.sign_as(policy.notice_from, body)
        meta = SpoolMeta(id=new_id(), mail_from="", rcpt_to=[to], kind="notice", rule=verdict.rule)
        await ctx.committer.commit(SpoolEntry(meta, body), ("relay",))
    if targets:
        ctx.relay_wakeup.set()
