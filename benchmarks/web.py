"""Server time of the web search page on a large archive.

Builds a synthetic archive (see synthetic.py) of N messages, indexes it, signs in an
auditor (sees everything) and a mailbox user (scoped), and times GET /search for a fixed
query set, in process (the application's own time: routing, session, audit, search,
snippets, template). Target: p95 < 100 ms at 1,000,000 messages.

    .venv/bin/python benchmarks/web.py --messages 1000000
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from synthetic import Zipf, fill_archive, vocabulary  # noqa: E402

QUERIES = [
    "văn bản",
    "cong nghe",
    "ủy ban",
    '"kinh tế xã hội"',
    "phát triển -kinh",
    "from:vanthu.sotttt@ninhthuan.gov.vn",
    "date:2023-03 công nghệ",
    "(giáo dục OR y tế)",
]
PASSWORD = "benchmark-password-2024"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    from starlette.testclient import TestClient

    from config import load_settings
    from gateway.wiring import open_archive
    from search.service import SearchService
    from web.accounts import NewUser, add_user
    from web.app import create_app

    work = Path(tempfile.mkdtemp(prefix="govmail-web-bench-"))
    try:
        settings = load_settings(
            None, env={"GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(work / "var"))}
        )
        archive = open_archive(settings)
        t0 = time.perf_counter()
        fill_archive(archive, args.messages, Zipf(vocabulary()))
        built = time.perf_counter() - t0
        service = SearchService(settings, archive)
        t0 = time.perf_counter()
        service.reindex()
        indexed = time.perf_counter() - t0
        service.close()
        with archive.sessions() as session, session.begin():
            add_user(session, NewUser("kiemtoan", "auditor", PASSWORD))
            add_user(
                session,
                NewUser("vanthu", "user", PASSWORD, mailbox="vanthu.sotttt@ninhthuan.gov.vn"),
            )
        print(
            f"{args.messages:,} messages: built in {built:.0f} s, indexed in {indexed:.0f} s",
            flush=True,
        )
        app = create_app(settings, archive)
        results = {}
        with TestClient(app, base_url="https://localhost") as client:
            for user in ("kiemtoan", "vanthu"):
                client.cookies.clear()
                form = client.get("/login").text
                token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
                signed = client.post(
                    "/login",
                    data={"username": user, "password": PASSWORD, "csrf": token},
                    follow_redirects=False,
                )
                assert signed.status_code == 303, signed.text
                client.get("/search", params={"q": "văn bản"})  # warm caches
                times, totals = [], {}
                for _round in range(args.rounds):
                    for q in QUERIES:
                        t = time.perf_counter()
                        page = client.get("/search", params={"q": q})
                        times.append((time.perf_counter() - t) * 1000)
                        assert page.status_code == 200
                        found = re.search(r"([\d.]+) kết quả", page.text)
                        totals[q] = found.group(1) if found else "?"
                times.sort()
                results[user] = {
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
                    "max_ms": round(times[-1], 1),
                    "hits": totals,
                }
        archive.close()
        for user, figures in results.items():
            scope = "everything (auditor)" if user == "kiemtoan" else "one mailbox (user)"
            print(
                f"search page, {scope}: p50 {figures['p50_ms']} ms, "
                f"p95 {figures['p95_ms']} ms, max {figures['max_ms']} ms"
            )
        print(json.dumps(results, ensure_ascii=False))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
