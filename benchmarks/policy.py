"""Policy decision time alone, with the full lists (p50/p99 per check_message).

Usage: python benchmarks/policy.py [--n 20000]

Loads the core free-provider list plus SpamAssassin's 20_freemail_domains.cf when
installed (Debian package spamassassin), answers MX lookups from a warm fake resolver (the
production cache answers the same way after the first lookup), and times check_message on
a mix of inbound, outbound and internal messages.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.sections.policy import PolicySettings
from policies import AttachmentSummary, FakeResolver, MessageFacts, PolicyEngine

SA_LIST = Path("/usr/share/spamassassin/20_freemail_domains.cf")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    args = parser.parse_args()
    files = [SA_LIST] if SA_LIST.exists() else []
    resolver = FakeResolver({f"cty{i}.vn": [f"mx{i}.cty.vn"] for i in range(200)})
    resolver.answers["hosted.vn"] = ["aspmx.l.google.com"]  # type: ignore[index]
    engine = PolicyEngine.from_settings(PolicySettings(free_foreign_files=files), resolver=resolver)
    pdf = AttachmentSummary("cv.pdf", "application/pdf", "application/pdf", 120_000)
    rng = random.Random(5)
    senders = ["vanthu@ninhthuan.gov.vn", "ai@gmail.com", "x@cty7.vn", "ubnd@hanoi.gov.vn"]
    rcpts = ["a@ninhthuan.gov.vn", "b@gmail.com", "c@hosted.vn", "d@cty3.vn", "e@yahoo.co.jp"]
    facts = [
        MessageFacts(
            mail_from=rng.choice(senders),
            rcpt_to=tuple(rng.sample(rcpts, 2)),
            header_from=rng.choice(senders),
            subject=rng.choice(["Báo cáo tháng", "Công văn 5985/UBND-KTN", "Hello"]),
            headers=(("From", "x"), ("To", "y"), ("Subject", "z")),
            attachments=(pdf,) if rng.random() < 0.5 else (),
            dkim_result=rng.choice(["pass", "none", "fail"]),
        )
        for _ in range(1000)
    ]
    for item in facts:  # warm the DNS cache, as a running gateway's would be
        engine.check_message(item)
    times = []
    for i in range(args.n):
        item = facts[i % len(facts)]
        start = time.perf_counter()
        engine.check_message(item)
        times.append(time.perf_counter() - start)
    times.sort()
    free = engine.classifier.free_foreign
    print(f"free-provider list entries: {len(free)} (SpamAssassin list: {bool(files)})")
    print(f"decisions: {args.n}")
    print(f"p50: {statistics.median(times) * 1e6:.1f} us")
    print(f"p99: {times[int(len(times) * 0.99)] * 1e6:.1f} us")
    print(f"max: {times[-1] * 1e6:.1f} us")


if __name__ == "__main__":
    main()
