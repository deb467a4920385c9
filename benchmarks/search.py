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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from synthetic import Zipf, fill_archive, synthetic, vocabulary  # noqa: E402

from search.compile import compile_query  # noqa: E402
from search.documents import IndexDoc  # noqa: E402
from search.engines import open_engine  # noqa: E402
from search.query import parse  # noqa: E402
from search.scope import Scope  # noqa: E402

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
    from archive.ingest import Archive
    from config import load_settings
    from search.service import SearchService

    env = {
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(workdir / "var")),
        "GOVMAIL_SEARCH__ENGINE": json.dumps(engine),
    }
    settings = load_settings(None, env=env)
    archive = Archive.open(settings)
    t0 = time.perf_counter()
    fill_archive(archive, n, zipf)
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


def bench_freshness(n: int, workdir: Path) -> dict:
    """Seconds from handing a message to the archive until a search finds it (p50/p95),
    one message at a time through the archive with its ingest hooks, as the gateway's
    archive worker does."""
    from email.message import EmailMessage

    from config import load_settings
    from gateway.wiring import open_archive
    from search.service import SearchService

    env = {"GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(workdir / "fresh"))}
    settings = load_settings(None, env=env)
    archive = open_archive(settings)
    service = SearchService(settings, archive)
    delays = []
    for i in range(n):
        msg = EmailMessage()
        msg["From"] = "vanthu@ninhthuan.gov.vn"
        msg["To"] = "sotttt@ninhthuan.gov.vn"
        msg["Subject"] = f"Thông báo số {i}"
        msg.set_content(f"Nội dung kiểm tra độ tươi mã{i}x")
        start = time.perf_counter()
        archive.ingest(bytes(msg))
        while not service.search(f"mã{i}x", Scope.all()).total:
            time.sleep(0.001)
        delays.append(time.perf_counter() - start)
    service.close()
    archive.close()
    delays.sort()
    return {
        "messages": n,
        "p50_s": round(statistics.median(delays), 3),
        "p95_s": round(delays[int(n * 0.95) - 1], 3),
        "max_s": round(delays[-1], 3),
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
    parser.add_argument(
        "--freshness",
        type=int,
        default=200,
        help="messages for the archived-to-searchable delay (0: skip)",
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
        if args.freshness:
            print(json.dumps({"freshness": bench_freshness(args.freshness, workdir)}), flush=True)
        if args.archive:
            print(json.dumps(bench_reindex(args.archive, workdir, zipf, "tantivy")))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
