"""The policy engine: facts in, verdict out, by an ordered table of named rules.

``check_envelope`` runs at RCPT with the envelope rules only; ``check_message`` runs at end
of DATA with every rule. The first row whose rule matches decides. DNS (for foreign hosting)
is asked only for recipients of mail from the province's own domains, through a cache.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from email.utils import parseaddr

from config import ConfigError, ConfigProblem, Settings
from config.sections.policy import PolicySettings, RuleSettings
from policies import replies
from policies.classify import DomainClass, DomainClassifier, DomainInfo
from policies.detect import auto_forward_reason, documents_in
from policies.domains import (
    CORE_FREE_DOMESTIC,
    CORE_FREE_FOREIGN,
    ListFileError,
    load_list,
    under_suffix,
)
from policies.facts import Direction, EnvelopeFacts, MessageFacts, RuleFacts, Stage
from policies.hosting import HostingTable
from policies.loading import policy_settings
from policies.resolver import CachingResolver, DnsResolver, MxResolver
from policies.rules import Registry, Rule, default_registry
from policies.verdict import Verdict

log = logging.getLogger("govmail.policy")


@dataclass(frozen=True)
class TableRow:
    rule: Rule
    settings: RuleSettings


class PolicyEngine:
    def __init__(
        self,
        policy: PolicySettings,
        classifier: DomainClassifier,
        table: list[TableRow],
        source: str = "",
    ):
        self.policy = policy
        self.classifier = classifier
        self.table = table
        self.source = source

    @classmethod
    def from_settings(
        cls,
        settings: Settings | PolicySettings,
        resolver: MxResolver | None = None,
        registry: Registry | None = None,
    ) -> PolicyEngine:
        """Build from settings; raises ConfigError naming file, key and problem."""
        policy, source = policy_settings(settings)
        registry = registry or default_registry()
        table = build_table(policy, registry, source)
        classifier = build_classifier(policy, resolver, source)
        return cls(policy, classifier, table, source)

    # -- classification ---------------------------------------------------------------
    def classify(self, domain: str, use_dns: bool = True) -> DomainInfo:
        return self.classifier.classify(domain, use_dns=use_dns)

    def is_local(self, domain: str) -> bool:
        return self.classifier.is_local(domain)

    def may_use_dns(self, facts: EnvelopeFacts) -> bool:
        """Whether deciding on these facts can wait on DNS (MX of recipients, for mail from
        our own domains); if not, a caller on an event loop may decide inline."""
        return self.policy.mx_lookup and self.classify(_domain(facts.mail_from), False).local

    # -- decisions --------------------------------------------------------------------
    def check_envelope(self, facts: EnvelopeFacts) -> Verdict:
        return self._decide(self.envelope_rule_facts(facts), "envelope")

    def check_message(self, facts: MessageFacts) -> Verdict:
        return self._decide(self.message_rule_facts(facts), "message")

    def envelope_rule_facts(self, facts: EnvelopeFacts, stage: Stage = "envelope") -> RuleFacts:
        sender = self.classify(_domain(facts.mail_from), use_dns=False)
        want_dns = sender.local and self.policy.mx_lookup
        recipients = tuple(
            (rcpt, self.classify(_domain(rcpt), use_dns=want_dns)) for rcpt in facts.rcpt_to
        )
        return RuleFacts(
            stage=stage,
            direction=direction_of(sender, [info for _, info in recipients]),
            sender=sender,
            sender_address=facts.mail_from,
            recipients=recipients,
            client_ip=facts.client_ip,
            trusted_network=facts.trusted_network,
            authenticated=facts.authenticated,
            now=facts.now,
            unresolved_is_foreign=self.policy.dns_failure == "closed",
        )

    def message_rule_facts(self, facts: MessageFacts) -> RuleFacts:
        base = self.envelope_rule_facts(facts, stage="message")
        from_address = parseaddr(facts.header_from)[1] if facts.header_from else ""
        forward = auto_forward_reason(facts)
        documents = documents_in(facts.attachments, facts.subject)
        return RuleFacts(
            **{
                **base.__dict__,
                "header_from": self.classify(_domain(from_address), use_dns=False)
                if from_address
                else None,
                "header_from_address": from_address,
                "auto_forwarded": bool(forward),
                "auto_forward_reason": forward,
                "carries_documents": bool(documents),
                "documents_reason": documents,
                "dkim_result": facts.dkim_result,
                "subject": facts.subject,
                "attachment_count": len(facts.attachments),
            }
        )

    def _decide(self, facts: RuleFacts, stage: Stage) -> Verdict:
        for row in self.table:
            if stage == "envelope" and row.rule.stage != "envelope":
                continue
            hit = row.rule.check(facts)
            if hit is None:
                continue
            verdict = self._verdict(row, hit, facts)
            log.info(json.dumps(_log_entry(verdict, stage), ensure_ascii=False))
            return verdict
        return Verdict("accept", facts=facts.as_dict())

    def _verdict(self, row: TableRow, hit, facts: RuleFacts) -> Verdict:
        rule, conf = row.rule, row.settings
        action = conf.action
        unresolved = {a for a, info in facts.recipients if info.cls is DomainClass.UNRESOLVED}
        if unresolved & set(hit.details.get("recipients", ())):
            action = "defer"  # fail-closed: the rule matched only because DNS was silent
        dry = (self.policy.dry_run or conf.dry_run) and action != "accept"
        return Verdict(
            action="accept" if dry else action,
            rule=rule.name,
            reason_vi=hit.reason_vi,
            reason_en=hit.reason_en,
            reply=rule.reply if action == "reject" else replies.DNS_DEFER,
            notify=() if dry or action == "defer" else tuple(conf.notify),
            tag_header=self.policy.tag_header if action == "tag" and not dry else "",
            subject_prefix=conf.subject_prefix if action == "tag" and not dry else "",
            dry_run=dry,
            would_action=action if dry else None,
            facts={**facts.as_dict(), "rule_details": hit.details},
        )


def _log_entry(verdict: Verdict, stage: str) -> dict:
    entry = {
        "event": "would-" + str(verdict.would_action) if verdict.dry_run else "verdict",
        "stage": stage,
        "action": verdict.action,
        "rule": verdict.rule,
        "reason": verdict.reason_en,
        "sender": verdict.facts.get("sender"),
        "recipients": [r["address"] for r in verdict.facts.get("recipients", [])],
    }
    return entry


def direction_of(sender: DomainInfo, recipients: list[DomainInfo]) -> Direction:
    """inbound (to us), outbound (from us to others), internal, or transit (neither ours)."""
    ours = [info.local for info in recipients]
    if sender.local:
        return "internal" if ours and all(ours) else "outbound"
    return "inbound" if any(ours) else "transit"


def _domain(address: str) -> str:
    return address.rpartition("@")[2] if "@" in address else ""


def build_table(policy: PolicySettings, registry: Registry, source: str) -> list[TableRow]:
    problems, table, seen = [], [], set()
    for index, row in enumerate(policy.rules):
        rule = registry.get(row.name)
        key = f"policy.rules.{index}.name"
        if rule is None:
            known = ", ".join(registry.names())
            problems.append(ConfigProblem(source, key, f"unknown rule {row.name!r} ({known})"))
        elif row.name in seen:
            problems.append(ConfigProblem(source, key, f"rule {row.name!r} is listed twice"))
        else:
            if rule.stage == "envelope" and row.action == "quarantine":
                problems.append(
                    ConfigProblem(
                        source,
                        f"policy.rules.{index}.action",
                        "an envelope rule cannot quarantine (use reject or a message rule)",
                    )
                )
            seen.add(row.name)
            table.append(TableRow(rule, row))
    if problems:
        raise ConfigError(problems)
    return table


def build_classifier(
    policy: PolicySettings, resolver: MxResolver | None, source: str
) -> DomainClassifier:
    try:
        free_foreign = load_list([CORE_FREE_FOREIGN, *policy.free_foreign_files])
        free_domestic = load_list([CORE_FREE_DOMESTIC], policy.free_domestic_domains)
    except ListFileError as exc:
        raise ConfigError([ConfigProblem(source, "policy.free_foreign_files", str(exc))]) from None
    conflicts = [
        ConfigProblem(
            source,
            "policy.province_domains",
            f"{domain!r} is listed as a free mail provider; the province's own domains "
            "cannot be (remove it, or add it to never_free_suffixes if it really is ours)",
        )
        for domain in policy.province_domains
        if not under_suffix(domain, policy.never_free_suffixes)
        and (domain in free_foreign or domain in free_domestic)
    ]
    if conflicts:
        raise ConfigError(conflicts)
    if policy.mx_lookup:
        inner = resolver or DnsResolver(policy.dns_timeout_seconds)
        resolver = CachingResolver(
            inner,
            negative_ttl=policy.dns_negative_ttl_seconds,
            max_ttl=policy.dns_max_ttl_seconds,
            size=policy.dns_cache_size,
        )
    else:
        resolver = None
    return DomainClassifier(
        policy.province_domains,
        policy.official_suffixes,
        policy.never_free_suffixes,
        free_foreign,
        free_domestic,
        HostingTable.load(),
        resolver,
    )
