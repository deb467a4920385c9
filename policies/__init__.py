"""Pure policy decisions: facts about a message in, a verdict (action, rule, reason) out."""

from policies.classify import DomainClass, DomainInfo
from policies.engine import PolicyEngine
from policies.facts import AttachmentSummary, EnvelopeFacts, MessageFacts, RuleFacts
from policies.resolver import FakeResolver, MxAnswer
from policies.verdict import Verdict

__all__ = [
    "AttachmentSummary",
    "DomainClass",
    "DomainInfo",
    "EnvelopeFacts",
    "FakeResolver",
    "MessageFacts",
    "MxAnswer",
    "PolicyEngine",
    "RuleFacts",
    "Verdict",
]
