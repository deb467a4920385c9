"""The rule table: shipped defaults, first match wins, dry run, registry, replies."""

from __future__ import annotations

import types
from dataclasses import replace
from pathlib import Path

import pytest

from config import ConfigError
from config.sections.policy import PolicySettings
from policies import AttachmentSummary, EnvelopeFacts, MessageFacts, PolicyEngine
from policies import replies as replies_module
from policies.detect import document_number
from policies.replies import Reply
from policies.rules import DuplicateRule, Registry, default_registry
from policies.verdict import Verdict

PDF = AttachmentSummary("Cong van.pdf", "application/octet-stream", "application/pdf", 1234)
PNG = AttachmentSummary("anh.png", "image/png", "image/png", 99)


def msg(**kw) -> MessageFacts:
    base = {
        "mail_from": "vanthu@ninhthuan.gov.vn",
        "rcpt_to": ("ban@gmail.com",),
        "header_from": "Văn thư <vanthu@ninhthuan.gov.vn>",
        "subject": "Gửi tài liệu",
    }
    return MessageFacts(**(base | kw))


def test_documents_to_free_foreign_are_rejected(engine: PolicyEngine) -> None:
    verdict = engine.check_message(msg(attachments=(PDF,)))
    assert (verdict.action, verdict.rule) == ("reject", "official-documents-abroad")
    assert verdict.smtp_reply().startswith("550 5.7.1 ")
    assert "[rule official-documents-abroad]" in verdict.smtp_reply()
    assert "văn bản chính thức" in verdict.reason_vi
    assert verdict.notify == ("sender", "admin")
    assert verdict.facts["carries_documents"] is True
    assert verdict.facts["direction"] == "outbound"


def test_document_number_in_subject_counts(engine: PolicyEngine) -> None:
    verdict = engine.check_message(
        msg(rcpt_to=("a@congty.vn",), subject="V/v triển khai Công văn số 5985/UBND-KTN")
    )
    assert verdict.rule == "official-documents-abroad"
    assert "5985/UBND-KTN" in verdict.reason_en
    assert verdict.facts["recipients"][0]["class"] == "foreign_hosted"


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("Công văn 5985/UBND-KTN ngày 1/2", "5985/UBND-KTN"),
        ("QĐ số 192/QĐ-UBND", "192/QĐ-UBND"),
        ("Theo 28/2018/QĐ-TTg", "28/2018/QĐ-TTg"),
        ("Số 12 / SGD&ĐT-VP", "12/SGD&ĐT-VP"),
        ("Số 123/QÐ-UBND", "123/QĐ-UBND"),  # Latin Eth typed for Đ
        ("CV 45/STTTT\u2011VP", "45/STTTT-VP"),  # non-breaking hyphen
        ("V/v họp ngày 3/4", None),
        ("Giá 100/USD-ngày", None),
        ("", None),
    ],
)
def test_document_numbers(subject: str, number: str | None) -> None:
    assert document_number(subject) == number


@pytest.mark.parametrize(
    ("filename", "detected"),
    [
        ("winmail.dat", "application/vnd.ms-tnef"),
        ("Cong van.msg", "application/vnd.ms-outlook"),
        ("fw.eml", "message/rfc822"),
        ("ho so.tar.gz", "application/gzip"),
    ],
)
def test_documents_hidden_in_containers_count(
    engine: PolicyEngine, filename: str, detected: str
) -> None:
    item = AttachmentSummary(filename, "application/octet-stream", detected, 4096)
    verdict = engine.check_message(msg(attachments=(item,)))
    assert (verdict.action, verdict.rule) == ("reject", "official-documents-abroad")
    assert filename in verdict.reason_vi and detected in verdict.reason_en


def test_images_and_plain_subjects_are_not_documents(engine: PolicyEngine) -> None:
    verdict = engine.check_message(msg(attachments=(PNG,)))
    assert verdict.action == "accept"


@pytest.mark.parametrize(
    "headers",
    [
        (("Auto-Submitted", "auto-forwarded"),),
        (("Resent-From", "vanthu@ninhthuan.gov.vn"),),
        (("X-Forwarded-To", "ban@gmail.com"),),
        (("X-MS-Exchange-Inbox-Rules-Loop", "vanthu@ninhthuan.gov.vn"),),
    ],
)
def test_auto_forward_abroad_is_rejected(engine: PolicyEngine, headers) -> None:
    verdict = engine.check_message(msg(headers=headers))
    assert (verdict.action, verdict.rule) == ("reject", "auto-forward-abroad")
    assert verdict.smtp_reply().startswith("550 5.7.1 ")


def test_envelope_header_mismatch_is_a_forward(engine: PolicyEngine) -> None:
    forwarded = msg(
        header_from="someone@hanoi.gov.vn",
        headers=(("From", "someone@hanoi.gov.vn"), ("To", "vanthu@ninhthuan.gov.vn")),
    )
    assert engine.check_message(forwarded).rule == "auto-forward-abroad"
    direct = msg(headers=(("From", "vanthu@ninhthuan.gov.vn"), ("To", "ban@gmail.com")))
    assert engine.check_message(direct).action == "accept"
    auto_reply = msg(headers=(("Auto-Submitted", "auto-replied"),))
    assert engine.check_message(auto_reply).action == "accept"


def test_forward_keeping_the_original_sender_is_stopped(engine: PolicyEngine) -> None:
    # our server forwards mail from another agency to Gmail, envelope sender unchanged
    forwarded = msg(
        mail_from="ubnd@hanoi.gov.vn",
        header_from="UBND <ubnd@hanoi.gov.vn>",
        subject="Công văn 5985/UBND-KTN",
        headers=(("X-Forwarded-To", "ban@gmail.com"),),
        trusted_network=True,
    )
    verdict = engine.check_message(forwarded)
    assert verdict.facts["direction"] == "transit"
    assert (verdict.action, verdict.rule) == ("reject", "auto-forward-abroad")
    assert "ubnd@hanoi.gov.vn" in verdict.reason_vi
    bounced = replace(forwarded, mail_from="", trusted_network=False, authenticated=True)
    assert engine.check_message(bounced).rule == "auto-forward-abroad"
    assert "<>" in engine.check_message(bounced).reason_en
    not_forwarded = replace(forwarded, headers=())
    assert engine.check_message(not_forwarded).action == "accept"


def test_own_domain_failing_dkim_from_outside_is_quarantined(engine: PolicyEngine) -> None:
    forged = msg(
        mail_from="giamdoc@ninhthuan.gov.vn",
        header_from="Giám đốc <giamdoc@ninhthuan.gov.vn>",
        rcpt_to=("vanthu@ninhthuan.gov.vn",),
        client_ip="203.0.113.7",
        dkim_result="fail",
    )
    verdict = engine.check_message(forged)
    assert verdict.facts["direction"] == "internal"
    assert (verdict.action, verdict.rule) == ("quarantine", "official-sender-dkim-fail")
    # the same from our own network, or after SMTP AUTH, is our users' mail
    assert engine.check_message(replace(forged, trusted_network=True)).action == "accept"
    assert engine.check_message(replace(forged, authenticated=True)).action == "accept"


def test_inbound_free_foreign_is_tagged(engine: PolicyEngine) -> None:
    verdict = engine.check_message(
        msg(mail_from="ai@gmail.com", header_from="ai@gmail.com", rcpt_to=("a@ninhthuan.gov.vn",))
    )
    assert (verdict.action, verdict.rule) == ("tag", "free-foreign-inbound")
    assert verdict.tag_header == "X-GovMail-Policy"
    assert verdict.tag_value().startswith("free-foreign-inbound; ")
    assert verdict.smtp_reply().startswith("250 ")


def test_forged_official_sender_failing_dkim_is_quarantined(engine: PolicyEngine) -> None:
    forged = msg(
        mail_from="x@attacker.example",
        header_from="UBND <ubnd@hanoi.gov.vn>",
        rcpt_to=("a@ninhthuan.gov.vn",),
        dkim_result="fail",
    )
    verdict = engine.check_message(forged)
    assert (verdict.action, verdict.rule) == ("quarantine", "official-sender-dkim-fail")
    for result in ("pass", "temperror", "none"):
        assert engine.check_message(forged.__class__(**{**forged.__dict__, "dkim_result": result})).action == "accept"  # fmt: skip # noqa: E501


def test_internal_and_domestic_mail_is_accepted(engine: PolicyEngine) -> None:
    for rcpt in ("b@ninhthuan.gov.vn", "c@hanoi.gov.vn", "d@trongnuoc.vn", "e@vnn.vn"):
        verdict = engine.check_message(msg(rcpt_to=(rcpt,), attachments=(PDF,)))
        assert verdict.action == "accept", rcpt
        assert verdict.rule == "default"


def test_first_match_wins(make_engine) -> None:
    both = msg(attachments=(PDF,), headers=(("Auto-Submitted", "auto-forwarded"),))
    default = make_engine()
    assert default.check_message(both).rule == "official-documents-abroad"
    swapped = make_engine(
        rules=[
            {"name": "auto-forward-abroad", "action": "quarantine"},
            {"name": "official-documents-abroad", "action": "reject"},
        ]
    )
    verdict = swapped.check_message(both)
    assert (verdict.rule, verdict.action) == ("auto-forward-abroad", "quarantine")


def test_dry_run_logs_what_would_happen(make_engine, caplog) -> None:
    caplog.set_level("INFO", logger="govmail.policy")
    engine = make_engine(dry_run=True)
    verdict = engine.check_message(msg(attachments=(PDF,)))
    assert verdict.action == "accept" and verdict.dry_run
    assert verdict.would_action == "reject"
    assert verdict.smtp_reply().startswith("250 ")
    assert "would-reject" in caplog.text
    per_rule = make_engine(
        rules=[{"name": "official-documents-abroad", "action": "reject", "dry_run": True}]
    )
    assert per_rule.check_message(msg(attachments=(PDF,))).would_action == "reject"


def test_dns_failure_open_or_closed(make_engine) -> None:
    facts = msg(rcpt_to=("a@chapchon.vn",), attachments=(PDF,))
    assert make_engine(dns_failure="open").check_message(facts).action == "accept"
    closed = make_engine(dns_failure="closed").check_message(facts)
    assert closed.action == "defer"
    assert closed.smtp_reply().startswith("451 4.4.3 ")


def test_envelope_stage_runs_only_envelope_rules(make_engine) -> None:
    env = EnvelopeFacts("vanthu@ninhthuan.gov.vn", ("ban@gmail.com",))
    assert make_engine().check_envelope(env).action == "accept"
    strict = make_engine(rules=[{"name": "official-mail-abroad", "action": "reject"}])
    verdict = strict.check_envelope(env)
    assert (verdict.action, verdict.rule) == ("reject", "official-mail-abroad")
    assert verdict.facts["stage"] == "envelope"


def test_unknown_or_repeated_rule_names_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        PolicyEngine.from_settings(
            PolicySettings(
                rules=[
                    {"name": "free-foreign-inbound", "action": "tag"},
                    {"name": "free-foriegn-inbound", "action": "tag"},
                    {"name": "free-foreign-inbound", "action": "tag"},
                ]
            )
        )
    text = str(err.value)
    assert "policy.rules.1.name: unknown rule 'free-foriegn-inbound'" in text
    assert "policy.rules.2.name: rule 'free-foreign-inbound' is listed twice" in text


def test_policy_file_errors_name_file_key_problem(tmp_path: Path) -> None:
    from config import load_settings

    path = tmp_path / "policy.toml"
    path.write_text('[[rules]]\nname = "auto-forward-abroad"\naction = "bounce"\n')
    settings = load_settings(None, env={"GOVMAIL_POLICY__FILE": f'"{path}"'})
    with pytest.raises(ConfigError) as err:
        PolicyEngine.from_settings(settings)
    assert str(err.value).startswith(f"{path}: policy.rules.0.action: ")
    path.write_text('[policy]\nprovince_domains = ["tinh.gov.vn"]\n')
    engine = PolicyEngine.from_settings(settings)
    assert engine.is_local("tinh.gov.vn") and not engine.is_local("ninhthuan.gov.vn")


def test_registry_refuses_duplicates_and_names_match_modules() -> None:
    registry = default_registry()
    assert {
        "official-documents-abroad",
        "auto-forward-abroad",
        "free-foreign-inbound",
        "official-sender-dkim-fail",
    } <= set(registry.names())
    rule = types.SimpleNamespace(name="x-rule", stage="message", check=lambda f: None)
    fresh = Registry()
    fresh.add(rule)
    with pytest.raises(DuplicateRule):
        fresh.add(rule)


def test_every_reply_is_one_ascii_line() -> None:
    table = [v for v in vars(replies_module).values() if isinstance(v, Reply)]
    assert len(table) > 10
    for reply in table:
        line = reply.line("some-rule", "abc123")
        assert line.isascii() and "\r" not in line and "\n" not in line
        assert len(line) < 512
    evil = Verdict("reject", rule="x\r\nRCPT TO:<a@b>", reply=replies_module.POLICY_REJECT)
    assert "\r" not in evil.smtp_reply() and "\n" not in evil.smtp_reply()


def test_decision_facts_are_reported(engine: PolicyEngine) -> None:
    verdict = engine.check_message(msg(attachments=(PDF,)))
    data = verdict.as_dict()
    assert set(data) >= {"action", "rule", "reason", "facts"}
    assert data["facts"]["sender_class"]["class"] == "official"
    assert data["facts"]["recipients"][0]["class"] == "free_foreign"
    assert data["facts"]["rule_details"] == {"recipients": ["ban@gmail.com"]}
