"""Domain classes from the shipped lists, admin lists and MX lookups."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from policies import DomainClass, FakeResolver, MxAnswer, PolicyEngine
from policies.domains import CORE_FREE_FOREIGN, read_list_file
from policies.hosting import HostingTable
from policies.resolver import CachingResolver, DnsResolver, mx_answer_from_records

NAMED_PROVIDERS = [
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.jp", "yahoo.com.vn", "yahoo.de",
    "ymail.com", "myyahoo.com", "outlook.com", "outlook.com.vn", "hotmail.com", "hotmail.co.uk",
    "live.com",
    "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net", "web.de",
    "mail.ru", "yandex.ru", "ya.ru", "protonmail.com", "proton.me", "pm.me", "zoho.com",
    "zohomail.com", "tutanota.com", "fastmail.com", "qq.com", "163.com", "126.com",
    "yeah.net", "sina.com",
]  # fmt: skip


@pytest.mark.parametrize("domain", NAMED_PROVIDERS)
def test_every_named_free_provider_is_free_foreign(engine: PolicyEngine, domain: str) -> None:
    assert engine.classify(domain).cls is DomainClass.FREE_FOREIGN


def test_core_list_is_dated() -> None:
    head = CORE_FREE_FOREIGN.read_text().splitlines()[:5]
    assert any(line.startswith("# updated: 20") for line in head)
    assert HostingTable.load().updated.startswith("20")


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("ninhthuan.gov.vn", DomainClass.OFFICIAL),
        ("NinhThuan.Gov.VN.", DomainClass.OFFICIAL),
        ("ninhthuan.gov.vn\u3002", DomainClass.OFFICIAL),  # ideographic full stop
        ("sotttt.hanoi.gov.vn", DomainClass.OFFICIAL),
        ("gov.vn", DomainClass.OFFICIAL),
        ("vnn.vn", DomainClass.FREE_DOMESTIC),
        ("truong.edu.vn", DomainClass.OTHER),
        ("notgov.vn", DomainClass.OTHER),
    ],
)
def test_static_classes(engine: PolicyEngine, domain: str, expected: DomainClass) -> None:
    assert engine.classify(domain).cls is expected


def test_local_domains_are_marked(engine: PolicyEngine) -> None:
    assert engine.classify("ninhthuan.gov.vn").local
    assert engine.classify("ninhthuan\uff0egov\uff0evn\uff0e").local  # full-width dots
    assert not engine.classify("hanoi.gov.vn").local


def test_spamassassin_format_with_wildcards(tmp_path: Path, make_engine) -> None:
    cf = tmp_path / "20_freemail_domains.cf"
    cf.write_text(
        "# comment\nifplugin Mail::SpamAssassin::Plugin::FreeMail\n"
        "freemail_domains example-free.com excite.* *.att.ne.jp mail?.test\n"
        "freemail_whitelist someone@example.com\n"
        "freemail_domains edu.vn.example school.edu.vn evil.gov.vn\nendif\n"
    )
    plain = tmp_path / "extra.txt"
    plain.write_text("# ours\nfreemail.example\n@other-free.example\n")
    eng = make_engine(free_foreign_files=[cf, plain])
    free = DomainClass.FREE_FOREIGN
    for domain in ["example-free.com", "excite.de", "abc.att.ne.jp", "mail1.test",
                   "freemail.example", "other-free.example", "edu.vn.example"]:  # fmt: skip
        assert eng.classify(domain).cls is free, domain
    # "*" stays inside one label, as in SpamAssassin's FreeMail plugin
    assert eng.classify("excite.co.uk").cls is not free
    assert eng.classify("a.b.att.ne.jp").cls is not free
    assert eng.classify("mail12.test").cls is not free
    # *.gov.vn and *.edu.vn are never free, whatever a list says
    assert eng.classify("school.edu.vn").cls is DomainClass.OTHER
    assert eng.classify("evil.gov.vn").cls is DomainClass.OFFICIAL


def test_debian_spamassassin_list_reads_if_installed(make_engine) -> None:
    path = Path("/usr/share/spamassassin/20_freemail_domains.cf")
    if not path.exists():
        pytest.skip("spamassassin is not installed")
    entries = read_list_file(path)
    assert len(entries) > 1000
    eng = make_engine(free_foreign_files=[path])
    assert eng.classify("excite.co.jp").cls is DomainClass.FREE_FOREIGN  # "excite.co*.*"


def test_bad_list_line_names_file_and_line(tmp_path: Path) -> None:
    from config import ConfigError
    from config.sections.policy import PolicySettings

    bad = tmp_path / "list.txt"
    bad.write_text("gmail.com\nthis is not a domain\n")
    with pytest.raises(ConfigError) as err:
        PolicyEngine.from_settings(PolicySettings(free_foreign_files=[bad]))
    assert f"{bad}: line 2" in str(err.value)
    assert "policy.free_foreign_files" in str(err.value)


@pytest.mark.parametrize(
    ("host", "service"),
    [
        ("smtp.google.com", "Google Workspace"),
        ("aspmx.l.google.com", "Google Workspace"),
        ("alt2.aspmx.l.google.com", "Google Workspace"),
        ("contoso-com.mail.protection.outlook.com", "Microsoft 365"),
        ("contoso-com.a-v1.mx.microsoft", "Microsoft 365"),
        ("mx.zoho.com", "Zoho Mail"),
        ("mx.yandex.net", "Yandex 360"),
        ("emx.mail.ru", "Mail.ru for business"),
        ("mx-biz.mail.am0.yahoodns.net", "Yahoo"),
        ("mx01.mail.icloud.com", "iCloud custom domain"),
        ("mail.protonmail.ch", "Proton Mail"),
        ("in1-smtp.messagingengine.com", "Fastmail"),
        ("mxbiz1.qq.com", "Tencent Exmail"),
        ("mx.qiye.163.com", "NetEase Qiye"),
        ("mx1.qiye.aliyun.com", "Alibaba Mail"),
        ("inbound-smtp.us-east-1.amazonaws.com", "Amazon WorkMail"),
        ("smtp.secureserver.net", "GoDaddy"),
        ("mx1.vnpt.vn", None),
    ],
)
def test_hosting_table(host: str, service: str | None) -> None:
    assert HostingTable.load().service_for(host) == service


def test_mx_classes(engine: PolicyEngine, resolver: FakeResolver) -> None:
    hosted = engine.classify("congty.vn")
    assert (hosted.cls, hosted.service) == (DomainClass.FOREIGN_HOSTED, "Google Workspace")
    assert engine.classify("doanhnghiep.vn").cls is DomainClass.FOREIGN_HOSTED
    assert engine.classify("trongnuoc.vn").cls is DomainClass.OTHER
    assert engine.classify("khongthu.vn").detail == "null"
    assert engine.classify("tructiep.vn").detail == "implicit MX"
    assert engine.classify("chapchon.vn").cls is DomainClass.UNRESOLVED
    # lists decide before DNS; use_dns=False never asks
    resolver.calls.clear()
    engine.classify("gmail.com")
    engine.classify("other.vn", use_dns=False)
    assert resolver.calls == []


def test_most_preferred_mx_decides() -> None:
    answer = mx_answer_from_records([(20, "aspmx.l.google.com."), (10, "mx.own.vn.")], 60)
    assert answer.hosts == ("mx.own.vn",)
    assert mx_answer_from_records([(0, ".")], 60).kind == "null"


def test_cache_honours_ttl_negative_and_errors() -> None:
    now = [1000.0]
    inner = FakeResolver(
        {
            "a.vn": MxAnswer("mx", ("mx.a.vn",), ttl=60),
            "err.vn": MxAnswer("error", detail="Timeout"),
        }
    )
    cache = CachingResolver(inner, negative_ttl=30, max_ttl=3600, clock=lambda: now[0])
    for _ in range(3):
        cache.lookup("a.vn")
        cache.lookup("none.vn")
        cache.lookup("err.vn")
    assert inner.calls.count("a.vn") == 1
    assert inner.calls.count("none.vn") == 1  # negative answer cached
    assert inner.calls.count("err.vn") == 3  # errors are never cached
    now[0] += 31
    cache.lookup("none.vn")
    cache.lookup("a.vn")
    assert inner.calls.count("none.vn") == 2 and inner.calls.count("a.vn") == 1
    now[0] += 30
    cache.lookup("a.vn")
    assert inner.calls.count("a.vn") == 2


def test_cache_is_bounded() -> None:
    inner = FakeResolver({f"d{i}.vn": ["mx.x.vn"] for i in range(10)})
    cache = CachingResolver(inner, size=3)
    for i in range(10):
        cache.lookup(f"d{i}.vn")
    assert len(cache._cache) == 3


def test_real_resolver_has_a_hard_timeout() -> None:
    """A name server that never answers: the lookup gives up within the limit."""
    import dns.resolver

    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = ["127.0.0.1"]
        res.port = silent.getsockname()[1]
        started = time.monotonic()
        answer = DnsResolver(timeout=0.5, resolver=res).lookup("example.vn")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert answer.kind == "error"
    assert elapsed < 2.0
