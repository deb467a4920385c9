from __future__ import annotations

import pytest

from config.sections.policy import PolicySettings
from policies import FakeResolver, MxAnswer, PolicyEngine

LOCAL = "ninhthuan.gov.vn"

ANSWERS = {
    "congty.vn": ["aspmx.l.google.com", "alt1.aspmx.l.google.com"],
    "doanhnghiep.vn": ["doanhnghiep-vn.mail.protection.outlook.com"],
    "trongnuoc.vn": ["mx1.trongnuoc.vn"],
    "khongthu.vn": MxAnswer("null", ttl=300),
    "tructiep.vn": MxAnswer("implicit", ("tructiep.vn",), ttl=300),
    "chapchon.vn": MxAnswer("error", detail="Timeout"),
}


@pytest.fixture
def resolver() -> FakeResolver:
    return FakeResolver(dict(ANSWERS))


@pytest.fixture
def engine(resolver: FakeResolver) -> PolicyEngine:
    return PolicyEngine.from_settings(PolicySettings(), resolver=resolver)


@pytest.fixture
def make_engine(resolver: FakeResolver):
    def _make(**policy) -> PolicyEngine:
        return PolicyEngine.from_settings(PolicySettings(**policy), resolver=resolver)

    return _make
