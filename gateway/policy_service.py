"""Postfix policy delegation (``check_policy_service``): the envelope rules for Postfix.

Postfix sends ``name=value`` lines ending with an empty line and reads back
``action=…`` and an empty line, on a connection it keeps open for many requests
(https://www.postfix.org/SMTPD_POLICY_README.html). At RCPT the envelope rules decide;
everything else is ``DUNNO`` (no opinion).
"""

from __future__ import annotations

import asyncio
import json
import logging

from gateway.context import GatewayContext
from policies import EnvelopeFacts

log = logging.getLogger("govmail.policy")
MAX_REQUEST_BYTES = 64 * 1024


def parse_request(lines: list[bytes]) -> dict[str, str]:
    request = {}
    for line in lines:
        name, sep, value = line.decode("utf-8", "replace").rstrip("\r\n").partition("=")
        if sep:
            request[name.strip().lower()] = value.strip()
    return request


def answer(ctx: GatewayContext, request: dict[str, str]) -> str:
    """The action line for one request (pure apart from the engine's DNS cache)."""
    if request.get("request") != "smtpd_access_policy":
        return "DUNNO"
    if request.get("protocol_state", "RCPT").upper() != "RCPT":
        return "DUNNO"
    recipient = request.get("recipient", "")
    if not recipient:
        return "DUNNO"
    ip = request.get("client_address", "")
    facts = EnvelopeFacts(
        mail_from=request.get("sender", ""),
        rcpt_to=(recipient,),
        client_ip=ip,
        helo=request.get("helo_name", ""),
        authenticated=bool(request.get("sasl_username")),
        trusted_network=ip in ctx.trusted,
    )
    verdict = ctx.engine.check_envelope(facts)
    action = verdict.smtp_reply() if verdict.refuses else "DUNNO"
    log.info(
        json.dumps(
            {
                "event": "policy-service",
                "sender": facts.mail_from,
                "recipient": recipient,
                "client": ip,
                "action": action[:3] if verdict.refuses else "DUNNO",
                "rule": verdict.rule,
            }
        )
    )
    return action


async def handle_client(
    ctx: GatewayContext, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        while True:
            lines: list[bytes] = []
            size = 0
            while True:
                line = await asyncio.wait_for(reader.readline(), timeout=300)
                if not line:
                    return
                size += len(line)
                if size > MAX_REQUEST_BYTES:
                    return
                if line in (b"\n", b"\r\n"):
                    break
                lines.append(line)
            action = await asyncio.to_thread(answer, ctx, parse_request(lines))
            action = "".join(ch for ch in action if 32 <= ord(ch) < 127)
            writer.write(f"action={action}\n\n".encode("ascii"))
            await writer.drain()
    except (TimeoutError, ConnectionError):
        return
    finally:
        writer.close()


async def start_policy_service(ctx: GatewayContext, host: str, port: int) -> asyncio.Server:
    return await asyncio.start_server(lambda r, w: handle_client(ctx, r, w), host=host, port=port)
