"""Search engines on a synthetic archive of Vietnamese mail.

Vocabulary: the syllables of real Vietnamese news text (UD Vietnamese-VTB), drawn with a
Zipf distribution. Each message: a subject, a body, addresses, a date, often a document
number, and an attachment (a PDF of random bytes, as mail carries them, base64) whose
extracted text is indexed. Prints per engine: indexing rate (docs/s, analysis included),
index size against the raw mail size, and p50/p95 latency of a fixed query set; then the
full reindex rate from an archive (database + blobs, as `govmail reindex` does).

    .venv/bin/python benchmarks/search.py --docs 1000000 --whoosh-docs 100000
    .venv/bin/python benchmarks/search.py --docs 50000 --whoosh-docs 5000 --archive 20000
"""

from __future__ import annotations

import argparse
import bisect
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from search.compile import compile_query  # noqa: E402
from search.documents import IndexDoc  # noqa: E402
from search.engines import open_engine  # noqa: E402
from search.query import parse  # noqa: E402
from search.scope import Scope  # noqa: E402

UD = (
    REPO.parent
    / "shared"
    / "corpus"
    / "UniversalDependencies__UD_Vietnamese-VTB"
    / ("vi_vtb-ud-test.conllu")
)
AGENCIES = ["ubnd", "sotttt", "sotc", "sogd", "soyt", "sonv", "sokhdt", "sotp", "sonn", "soct"]
TYPES = ["UBND", "QĐ-UBND", "KH-UBND", "TB-UBND", "BC-STTTT", "CV-STC", "TTr-SNV"]
QUERIES = [
    "văn bản",
    "công nghệ",
    "ủy ban",
    "kinh tế",
    "thong tin",
    "chinh phu",
    '"công nghệ thông tin"',
    '"ủy ban nhân dân"',
    '"kinh tế xã hội"',
    "from:vanthu.sotttt@ninhthuan.gov.vn",
    "so:1234/UBND",
    "has:attachment văn bản",
    "date:2023-03-01..2023-03-31",
    "date:2023-06 công nghệ",
    "phát triển -kinh",
    "(giáo dục OR y tế) ninh thuận",
]


class Zipf:
    def __init__(self, words: list[str], s: float = 1.07, seed: int = 7):
        self.words = words
        self.cum = []
        total = 0.0
        for rank in range(1, len(words) + 1):
            total += 1.0 / rank**s
            self.cum.append(total)
        self.total = total
        self.rng = random.Random(seed)

    def take(self, n: int) -> str:
        r = self.rng.random
        return " ".join(self.words[bisect.bisect(self.cum, r() * self.total)] for _ in range(n))


def vocabulary() -> list[str]:
    counts: dict[str, int] = {}
    for line in UD.read_text(encoding="utf-8").splitlines():
        if line.startswith("# text ="):
            for word in line.split("=", 1)[1].split():
                if any(c.isalpha() for c in word):
                    counts[word.lower()] = counts.get(word.lower(), 0) + 1
    return sorted(counts, key=counts.get, reverse=True)


def synthetic(i: int, zipf: Zipf, rng: random.Random, profile: str = "long") -> tuple[dict, int]:
    """The texts of one synthetic message and the size of its raw form."""
    sender, rcpt = rng.sample(AGENCIES, 2)
    subject = zipf.take(rng.randint(6, 14))
    if profile == "short":
        body, att_text = zipf.take(rng.randint(20, 80)), ""
    else:
        body = zipf.take(rng.randint(60, 300))
        number = f"{rng.randint(1, 9999)}/{rng.choice(TYPES)}"
        att_text = f"Số: {number}\n" + zipf.take(rng.randint(100, 600))
    when = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 525_600))
    attachment_bytes = rng.randint(15_000, 120_000) if att_text else 0  # a PDF, base64
    raw_size = 900 + len(subject.encode()) + len(body.encode()) + attachment_bytes * 4 // 3
    texts = {
        "id": i,
        "subject": subject,
        "body": body,
        "att": att_text,
        "when": when,
        "from": sender,
        "to": rcpt,
        "signed": rng.random() < 0.6,
    }
    return texts, raw_size


def to_doc(texts: dict) -> IndexDoc:
    """What the indexer builds from a message (analysis included)."""
    doc = IndexDoc(texts["id"])
    doc.add_text("subject", texts["subject"])
    doc.add_text("body", texts["body"])
    if texts["att"]:
        doc.add_text("att", texts["att"])
        doc.add_text("filename", f"van-ban-{texts['id']}.pdf")
        doc.keywords["has"].add("attachment")
    for role in ("from", "to"):
        addr = f"vanthu.{texts[role]}@ninhthuan.gov.vn"
        doc.keywords[f"{role}_addr"].add(addr)
        doc.keywords[f"{role}_dom"].add("ninhthuan.gov.vn")
        doc.keywords["scope"].add(f"a:{addr}")
        doc.add_text(f"{role}_name", addr)
    doc.keywords["scope"].add("d:ninhthuan.gov.vn")
    doc.keywords["signed"].add("yes" if texts["signed"] else "no")
    when = texts["when"]
    doc.day = when.year * 10000 + when.month * 100 + when.day
    return doc


def to_docs(chunk: list[dict]) -> list[IndexDoc]:
    return [to_doc(t) for t in chunk]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_engine(name: str, n: int, zipf: Zipf, workdir: Path, profile: str, workers: int) -> dict:
    """Index ``n`` messages: analysis in ``workers`` processes, the engine in this one.
    Generating the synthetic text is not timed."""
    rng = random.Random(11)
    path = workdir / f"index-{name}-{profile}"
    engine = open_engine(name, path)
    raw_total = 0
    elapsed = 0.0
    chunk = 10_000
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for start in range(0, n, chunk):
            texts = []
            for i in range(start + 1, min(n, start + chunk) + 1):
                item, raw = synthetic(i, zipf, rng, profile)
                texts.append(item)
                raw_total += raw
            t0 = time.perf_counter()
            parts = [texts[k : k + 500] for k in range(0, len(texts), 500)]
            for docs in pool.map(to_docs, parts):
                engine.add(docs)
            if (start + chunk) % 100_000 == 0 or start + chunk >= n:
                engine.commit()
            elapsed += time.perf_counter() - t0
            done = min(n, start + chunk)
            if done % 100_000 == 0:
                print(
                    f"  {name}/{profile}: {done:,} docs, {done / elapsed:,.0f} docs/s", flush=True
                )
    size = dir_size(path)
    latencies = []
    for _round in range(5):
        for q in QUERIES:
            plan = compile_query(parse(q), Scope.all())
            t0 = time.perf_counter()
            engine.search(plan.clause, 0, 20)
            latencies.append((time.perf_counter() - t0) * 1000)
    scoped = compile_query(parse("văn bản"), Scope.mailbox("vanthu.sotttt@ninhthuan.gov.vn"))
    t0 = time.perf_counter()
    engine.search(scoped.clause, 0, 20)
    latencies.append((time.perf_counter() - t0) * 1000)
    engine.close()
    latencies.sort()
    return {
        "engine": name,
        "profile": profile,
        "docs": n,
        "index_seconds": round(elapsed, 1),
        "docs_per_s": round(n / elapsed),
        "index_mb": round(size / 1e6, 1),
        "raw_mb": round(raw_total / 1e6, 1),
        "index_pct_of_raw": round(100 * size / raw_total, 2),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "max_ms": round(latencies[-1], 2),
    }


def bench_reindex(n: int, workdir: Path, zipf: Zipf, engine: str) -> dict:
    """Build an archive of ``n`` messages directly in the database, then reindex it."""
    from sqlalchemy import insert

    from archive.blobstore import PendingBlob
    from archive.ingest import Archive
    from archive.models import Address, Blob, Message
    from archive.prepare import sha256_of
    from config import load_settings
    from search.service import SearchService

    env = {
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(workdir / "var")),
        "GOVMAIL_SEARCH__ENGINE": json.dumps(engine),
    }
    settings = load_settings(None, env=env)
    archive = Archive.open(settings)
    rng = random.Random(5)
    t0 = time.perf_counter()
    for start in range(0, n, 5000):
        blobs, messages, addresses, blob_rows = [], [], [], {}
        for i in range(start + 1, min(n, start + 5000) + 1):
            texts, raw = synthetic(i, zipf, rng)
            body = texts["body"].encode()
            sha = sha256_of(body)
            blobs.append(PendingBlob(sha, len(body), body))
            blob_rows[sha] = len(body)
            fake_raw = f"raw-{i}".encode()
            raw_sha = sha256_of(fake_raw)
            blob_rows[raw_sha] = len(fake_raw)
            messages.append(
                {
                    "id": i,
                    "sha256": raw_sha,
                    "subject": texts["subject"],
                    "sent_at": texts["when"],
                    "size": raw,
                    "attachment_count": 0,
                    "body_text_sha256": sha,
                    "channel": "import",
                    "from_address": f"vanthu.{texts['from']}@ninhthuan.gov.vn",
                }
            )
            for role in ("from", "to"):
                addresses.append(
                    {
                        "message_id": i,
                        "role": role,
                        "address": f"vanthu.{texts[role]}@ninhthuan.gov.vn",
                        "domain": "ninhthuan.gov.vn",
                    }
                )
        archive.blobs.put_many(blobs)
        with archive.sessions() as s, s.begin():
            s.execute(
                insert(Blob),
                [{"sha256": k, "size": v, "stored_size": v} for k, v in blob_rows.items()],
            )
            s.execute(insert(Message), messages)
            s.execute(insert(Address), addresses)
    built = time.perf_counter() - t0
    service = SearchService(settings, archive)
    t0 = time.perf_counter()
    done = service.reindex()
    elapsed = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = service.check()
    check_s = time.perf_counter() - t0
    service.close()
    archive.close()
    return {
        "engine": engine,
        "messages": done,
        "build_s": round(built, 1),
        "reindex_s": round(elapsed, 1),
        "reindex_msgs_per_s": round(done / elapsed),
        "projected_1M_minutes": round(1_000_000 / (done / elapsed) / 60, 1),
        "check_s": round(check_s, 1),
        "check_ok": report.ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="tantivy documents")
    parser.add_argument("--whoosh-docs", type=int, default=10_000)
    parser.add_argument(
        "--archive",
        type=int,
        default=20_000,
        help="messages for the reindex-from-archive measurement (0: skip)",
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="analysis processes"
    )
    parser.add_argument(
        "--profile",
        choices=["long", "short", "both"],
        default="both",
        help="long: mail with attachment text; short: short mail only",
    )
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="govmail-search-bench-"))
    zipf = Zipf(vocabulary())
    print(f"{os.cpu_count()} CPUs; vocabulary {len(zipf.words):,} syllables; work in {workdir}")
    try:
        profiles = ["long", "short"] if args.profile == "both" else [args.profile]
        for profile in profiles:
            t = bench_engine("tantivy", args.docs, zipf, workdir, profile, args.workers)
            print(json.dumps(t, ensure_ascii=False), flush=True)
            if args.whoosh_docs:
                w = bench_engine("whoosh", args.whoosh_docs, zipf, workdir, profile, args.workers)
                print(json.dumps(w, ensure_ascii=False))
                print(
                    f"tantivy vs whoosh ({profile}): indexing "
                    f"{t['docs_per_s'] / w['docs_per_s']:.1f}x, p95 "
                    f"{w['p95_ms'] / max(t['p95_ms'], 0.01):.1f}x faster",
                    flush=True,
                )
        if args.archive:
            print(json.dumps(bench_reindex(args.archive, workdir, zipf, "tantivy")))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
