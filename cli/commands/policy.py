"""govmail policy check | test"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from cli.context import EXIT_USAGE, AppContext, pass_app
from cli.output import print_json


@click.group("policy")
def command() -> None:
    """Check the official-mail policy and try it on a message.

    \b
    Examples:
      govmail policy check
      govmail policy test letter.eml --from vanthu@ninhthuan.gov.vn --to ban@gmail.com
      govmail policy test letter.eml --from a@gmail.com --to b@ninhthuan.gov.vn --json
    """


@command.command("check")
@pass_app
def check(app: AppContext) -> None:
    """Validate the policy (settings or its own file) and print the rule table.

    Exit 2 with file, key and problem when it is not valid.

    \b
    Examples:
      govmail policy check
      govmail --config /etc/govmail/govmail.toml policy check
    """
    engine = _engine(app)
    table = Table(title=f"Policy rules ({engine.source}); first match wins")
    for col in ("#", "rule", "stage", "action", "notify", "dry run"):
        table.add_column(col, no_wrap=True)
    table.add_column("why")
    for index, row in enumerate(engine.table, start=1):
        conf = row.settings
        table.add_row(
            str(index),
            row.rule.name,
            row.rule.stage,
            conf.action,
            ",".join(conf.notify) or "-",
            "yes" if conf.dry_run or engine.policy.dry_run else "no",
            conf.comment,
        )
    app.console.print(table)
    policy = engine.policy
    suffixes = ", ".join("*." + s for s in policy.official_suffixes)
    app.console.print(
        f"official: {', '.join(policy.province_domains)} + {suffixes}"
        f"; free foreign list: {len(engine.classifier.free_foreign)} entries"
        f"; MX lookups: {'on' if policy.mx_lookup else 'off'} (fail-{policy.dns_failure})"
    )
    app.err.print("[green]ok[/green]")


@command.command("test")
@click.argument("message", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "mail_from", required=True, help="Envelope sender (MAIL FROM).")
@click.option("--to", "rcpt_to", required=True, multiple=True, help="Envelope recipient.")
@click.option("--client-ip", default="127.0.0.1", show_default=True, help="Client address.")
@click.option(
    "--dkim",
    type=click.Choice(["none", "pass", "fail", "temperror", "permerror", "verify"]),
    default="none",
    show_default=True,
    help="DKIM result to assume, or 'verify' to check the signatures (uses DNS).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"action","rule","reason","facts"}.')
@pass_app
def test(
    app: AppContext,
    message: Path,
    mail_from: str,
    rcpt_to: tuple[str, ...],
    client_ip: str,
    dkim: str,
    as_json: bool,
) -> None:
    """Show the verdict the gateway would give MESSAGE, and why. Nothing is sent.

    \b
    Examples:
      govmail policy test letter.eml --from vanthu@ninhthuan.gov.vn --to ban@gmail.com
      govmail policy test fwd.eml --from a@ninhthuan.gov.vn --to b@congty.vn --json
      govmail policy test bounce.eml --from "<>" --to vanthu@ninhthuan.gov.vn
    """
    from gateway.summary import message_facts
    from policies import EnvelopeFacts

    mail_from = _address(mail_from, "--from", allow_empty=True)
    rcpt_to = tuple(_address(rcpt, "--to") for rcpt in rcpt_to)
    raw = message.read_bytes()
    engine = _engine(app)
    if dkim == "verify":
        from gateway.dkim_check import verify_dkim

        dkim = verify_dkim(raw).result
    envelope = EnvelopeFacts(mail_from=mail_from, rcpt_to=rcpt_to, client_ip=client_ip)
    verdict = engine.check_message(message_facts(raw, envelope, dkim_result=dkim))
    if as_json:
        print_json(
            {
                "action": verdict.action,
                "rule": verdict.rule,
                "reason": {"vi": verdict.reason_vi, "en": verdict.reason_en},
                "facts": verdict.facts,
            }
        )
        return
    colour = {"accept": "green", "tag": "yellow"}.get(verdict.action, "red")
    app.console.print(f"verdict: [bold {colour}]{verdict.action}[/]   rule: {verdict.rule}")
    if verdict.would_action:
        app.console.print(f"dry run: would have been {verdict.would_action}")
    app.console.print(f"SMTP reply: {verdict.smtp_reply()}")
    app.console.print(f"lý do: {verdict.reason_vi}")
    app.console.print(f"reason: {verdict.reason_en}")
    facts = verdict.facts
    app.console.print(
        f"direction: {facts['direction']}; sender class: {facts['sender_class']['class']}"
    )
    for rcpt in facts["recipients"]:
        extra = (
            f" ({rcpt.get('service') or rcpt.get('detail', '')})"
            if rcpt.get("service") or rcpt.get("detail")
            else ""
        )
        app.console.print(f"  to {rcpt['address']}: {rcpt['class']}{extra}")
    app.console.print(
        f"documents: {facts.get('documents_reason') or 'no'}; auto-forwarded: "
        f"{facts.get('auto_forward_reason') or 'no'}; DKIM: {facts.get('dkim_result')}"
    )


def _address(text: str, option: str, allow_empty: bool = False) -> str:
    """An envelope address as the gateway would take it (``<a@b>`` or ``a@b``); a form the
    gateway refuses is a usage error, never a verdict on a different address."""
    from gateway.addresses import check_address

    bare = text.strip()
    if bare.startswith("<") and bare.endswith(">"):
        bare = bare[1:-1]
    checked = check_address(bare, allow_empty=allow_empty)
    if not checked.ok:
        raise click.BadParameter(f"{text!r}: {checked.problem}", param_hint=option)
    return checked.address


def _engine(app: AppContext):
    from config import ConfigError
    from policies import PolicyEngine

    try:
        return PolicyEngine.from_settings(app.settings)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(EXIT_USAGE) from None
