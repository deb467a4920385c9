"""Report speed: fill the exchange log with N rows over 3 years and 500 agencies, time reports.

For each backend (SQLite file, PostgreSQL database created for the run and dropped after)
the script migrates a fresh database, writes a province directory (one UBND tỉnh,
departments, districts, communes under them), one message row per exchange message and the
exchange rows (1–3 per message: the send row and its counterparts), register totals for a
tenth of the agencies, runs ANALYZE, builds the monthly sums (as ``govmail report rebuild``
ends), then times ``reports.report.build_report`` (every SQL statement of a report,
rendering excluded):

  quarter-province   --period <last year>Q2 --agency H43 (the province and all its units)
  year-per-agency    --period <last year> --by agency
  year-by-month      --period <last year> --by month
  year-one-agency    --period <last year> --agency <a district>
  after-one-batch    year-per-agency again after 64 messages' months were marked changed
                     (what an ingest batch does), so the report first sums them again

    .venv/bin/python benchmarks/report.py --rows 1000000
    .venv/bin/python benchmarks/report.py --rows 100000 --backend sqlite
    .venv/bin/python benchmarks/report.py --rows 1000000 --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from archive.db import make_engine, migrate, session_factory  # noqa: E402
from archive.models import Agency, AgencyCodeRow, Blob, Exchange, Message, RegisterTotal  # noqa: E402
from config.sections.reports import ReportsSettings  # noqa: E402
from reports import summary  # noqa: E402
from reports.periods import parse_period  # noqa: E402
from reports.report import ReportRequest, build_report  # noqa: E402

FIRST_YEAR = 2022
EXCHANGE_COLUMNS = [
    c.key for c in Exchange.__table__.columns if c.key != "id"
]  # order used for COPY and executemany


def directory(count: int) -> list[dict]:
    """The province (H43), ~6 % departments, ~3 % districts, the rest communes."""
    agencies = [
        {"id": 1, "code": "000.00.00.H43", "name": "UBND tỉnh", "level": "province", "parent": None}
    ]
    departments = max(1, count * 6 // 100)
    districts = max(1, count * 3 // 100)
    for i in range(departments):
        agencies.append(
            {
                "id": len(agencies) + 1,
                "code": f"000.00.{i + 1:02d}.H43",
                "name": f"Sở {i + 1}",
                "level": "department",
                "parent": 1,
            }
        )
    district_ids = []
    for i in range(districts):
        agency_id = len(agencies) + 1
        district_ids.append((agency_id, 60 + i))
        agencies.append(
            {
                "id": agency_id,
                "code": f"000.00.{60 + i:02d}.H43",
                "name": f"UBND huyện {i + 1}",
                "level": "district",
                "parent": 1,
            }
        )
    n = 0
    while len(agencies) < count:
        district, cc = district_ids[n % len(district_ids)]
        bb = n // len(district_ids) + 1
        agencies.append(
            {
                "id": len(agencies) + 1,
                "code": f"000.{bb:02d}.{cc:02d}.H43",
                "name": f"UBND xã {n + 1}",
                "level": "commune",
                "parent": district,
            }
        )
        n += 1
    return agencies


def exchange_rows(rng: random.Random, rows: int, agencies: int, years: int):
    """Yield (message row, exchange rows) until ``rows`` exchange rows were produced."""
    made, message_id = 0, 0
    numbers: dict[tuple[int, int], int] = {}
    months = [(FIRST_YEAR + y) * 100 + m for y in range(years) for m in range(1, 13)]
    built = datetime(2025, 1, 1, tzinfo=UTC)
    while made < rows:
        message_id += 1
        month = rng.choice(months)
        day = date(month // 100, month % 100, rng.randint(1, 28))
        sent = datetime(day.year, day.month, day.day, rng.randint(1, 10), tzinfo=UTC)
        sender = rng.randint(1, agencies) if rng.random() < 0.8 else None
        count = min(rng.choice((1, 1, 2, 3)), rows - made)
        documents = rng.choice((0, 1, 1, 1, 2, 3))
        scanned = sum(rng.random() < 0.3 for _ in range(documents))
        signed = documents - scanned if rng.random() < 0.7 else 0
        timed = documents if rng.random() < 0.8 else 0
        late = sum(rng.random() < 0.2 for _ in range(timed))
        number = None
        if sender and documents:
            key = (sender, day.year)
            numbers[key] = numbers.get(key, 0) + rng.randint(1, 3)
            number = numbers[key]
        action = (
            rng.choice(("accept",) * 18 + ("tag", "quarantine")) if rng.random() < 0.5 else None
        )
        group = []
        for i in range(count):
            recipient = rng.randint(1, agencies) if rng.random() < 0.85 else None
            if sender is None:
                direction = "in" if recipient else "unattributed"
            elif recipient is None:
                direction = "out"
            else:
                direction = "internal" if recipient == sender else "between"
            group.append(
                {
                    "message_id": message_id,
                    "month": month,
                    "day": day,
                    "sent_at": sent,
                    "direction": direction,
                    "send_row": i == 0,
                    "sender_agency_id": sender,
                    "recipient_agency_id": recipient,
                    "channel": rng.choice(("smtp", "imap", "import")),
                    "documents": documents,
                    "scanned": scanned,
                    "signed": signed,
                    "signed_valid": signed,
                    "signed_trusted": signed,
                    "timed": timed,
                    "late": late,
                    "max_delay": rng.randint(0, 4) if timed else None,
                    "max_number": number if i == 0 else None,
                    "policy_action": action,
                    "policy_rule": "rule" if action and action != "accept" else None,
                    "built_at": built,
                }
            )
        made += count
        sha = hashlib.sha256(str(message_id).encode()).hexdigest()
        message = {
            "id": message_id, "sha256": sha, "size": 1000, "attachment_count": documents,
            "channel": group[0]["channel"], "archived_at": built, "sent_at": sent,
        }  # fmt: skip
        yield message, group


def fill(url: str, rows: int, agencies: int, years: int, seed: int) -> dict:
    engine = make_engine(url)
    migrate(engine)
    started = time.perf_counter()
    people = directory(agencies)
    rng = random.Random(seed)
    with engine.begin() as conn:
        conn.execute(
            insert(Agency),
            [
                {
                    "id": a["id"],
                    "name": a["name"],
                    "level": a["level"],
                    "parent_id": a["parent"],
                    "created_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
                for a in people
            ],
        )
        conn.execute(
            insert(AgencyCodeRow), [{"agency_id": a["id"], "code": a["code"]} for a in people]
        )
        totals = []
        for a in people[:: max(1, len(people) // (agencies // 10 or 1))]:
            for y in range(years):
                for q in range(4):
                    totals.append(
                        {
                            "agency_id": a["id"],
                            "month_start": (FIRST_YEAR + y) * 100 + 3 * q + 1,
                            "month_end": (FIRST_YEAR + y) * 100 + 3 * q + 3,
                            "months": 3,
                            "sent_total": rng.randint(100, 900),
                            "received_total": rng.randint(100, 900),
                            "imported_at": datetime.now(UTC),
                        }
                    )
        conn.execute(insert(RegisterTotal), totals)
    if engine.dialect.name == "postgresql":
        _fill_postgresql(engine, rows, agencies, years, rng)
    else:
        _fill_sqlite(engine, rows, agencies, years, rng)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    summary.rebuild_all(session_factory(engine))  # what `govmail report rebuild` ends with
    summed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return {"fill_s": elapsed, "summary_s": summed}


def _fill_sqlite(engine, rows, agencies, years, rng) -> None:
    blobs, messages, exchanges = [], [], []
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # the rows are consistent by construction

        def flush() -> None:
            conn.execute(insert(Blob), blobs)
            conn.execute(insert(Message), messages)
            conn.execute(insert(Exchange), exchanges)
            blobs.clear(), messages.clear(), exchanges.clear()

        for message, group in exchange_rows(rng, rows, agencies, years):
            blobs.append(
                {
                    "sha256": message["sha256"],
                    "size": 1000,
                    "stored_size": 500,
                    "created_at": message["archived_at"],
                }
            )
            messages.append(message)
            exchanges.extend(group)
            if len(exchanges) >= 50_000:
                flush()
        if exchanges:
            flush()


def _fill_postgresql(engine, rows, agencies, years, rng) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        blobs, messages, exchanges = io.StringIO(), io.StringIO(), io.StringIO()
        for message, group in exchange_rows(rng, rows, agencies, years):
            created = message["archived_at"].strftime("%Y-%m-%d %H:%M:%S")
            blobs.write(f"{message['sha256']}\t1000\t500\t{created}\n")
            messages.write(
                f"{message['id']}\t{message['sha256']}\t1000\t{message['attachment_count']}\t"
                f"{message['channel']}\t{created}\t{message['sent_at']:%Y-%m-%d %H:%M:%S}\n"
            )
            for row in group:
                exchanges.write("\t".join(_copy_value(row[c]) for c in EXCHANGE_COLUMNS) + "\n")
        for table, columns, data in (
            ("blobs", "sha256, size, stored_size, created_at", blobs),
            (
                "messages",
                "id, sha256, size, attachment_count, channel, archived_at, sent_at",
                messages,
            ),
            ("exchanges", ", ".join(EXCHANGE_COLUMNS), exchanges),
        ):
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(data.getvalue())
        cur.execute("SELECT setval('messages_id_seq', (SELECT max(id) FROM messages))")
        raw.commit()
    finally:
        raw.close()


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def time_reports(url: str, years: int, repeat: int) -> dict[str, list[float]]:
    engine = make_engine(url)
    sessions = session_factory(engine)
    settings = ReportsSettings()
    year = FIRST_YEAR + years - 1
    cases = {
        "quarter-province": ReportRequest(parse_period(f"{year}Q2"), agency="H43"),
        "year-per-agency": ReportRequest(parse_period(str(year)), by="agency"),
        "year-by-month": ReportRequest(parse_period(str(year)), by="month"),
        "year-one-agency": ReportRequest(parse_period(str(year)), agency="000.00.60.H43"),
    }
    times: dict[str, list[float]] = {}
    rng = random.Random(11)
    with sessions() as session:
        top = session.scalar(select(func.max(Message.id)))
    for name, request in cases.items():
        times[name] = []
        for _ in range(repeat):
            started = time.perf_counter()
            report = build_report(sessions, settings, request)
            times[name].append(time.perf_counter() - started)
        rows = len(report.table("exchange").rows)
        total = report.table("exchange").rows[-1]
        times[name + ":rows"] = [rows, total["sent"], total["received"]]
    # One ingest batch (64 messages) later: the next report first sums their months again.
    name = "after-one-batch"
    times[name] = []
    for _ in range(repeat):
        with sessions() as session, session.begin():
            batch = [rng.randint(1, top) for _ in range(64)]
            summary.mark(session, summary.touched_pairs(session, batch))
        started = time.perf_counter()
        report = build_report(sessions, settings, cases["year-per-agency"])
        times[name].append(time.perf_counter() - started)
    total = report.table("exchange").rows[-1]
    times[name + ":rows"] = [len(report.table("exchange").rows), total["sent"], total["received"]]
    engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="exchange rows to write")
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each report (median shown)")
    parser.add_argument("--backend", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "GOVMAIL_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="an existing database to connect to; the benchmark creates and drops its own",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"exchange rows: {args.rows:,}  agencies: {args.agencies}  years: {args.years}")
    results = {}
    for backend in args.backend.split(","):
        with tempfile.TemporaryDirectory(prefix="govmail-report-bench-") as tmp:
            if backend == "sqlite":
                url, cleanup = f"sqlite:///{tmp}/bench.db", None
            else:
                url, cleanup = _pg_database(args.pg_url)
            try:
                filled = fill(url, args.rows, args.agencies, args.years, args.seed)
                size = _size(url, tmp)
                times = time_reports(url, args.years, args.repeat)
            finally:
                if cleanup:
                    cleanup()
        results[backend] = times
        print(
            f"\n[{backend}] fill {filled['fill_s']:.1f} s, monthly sums built in "
            f"{filled['summary_s']:.2f} s, database {size / 1e6:.0f} MB"
        )
        for name, values in times.items():
            if name.endswith(":rows"):
                continue
            groups, sent, received = times[name + ":rows"]
            print(
                f"  {name:18s} median {statistics.median(values):6.3f} s  "
                f"min {min(values):6.3f} s  ({groups} rows, {sent:,} sent, {received:,} received)"
            )
    if len(results) == 2:
        a, b = results
        print(f"\nratio {a}/{b} (median):")
        for name in results[a]:
            if not name.endswith(":rows"):
                ratio = statistics.median(results[a][name]) / statistics.median(results[b][name])
                print(f"  {name:18s} {ratio:5.2f}")


def _pg_database(base: str):
    url = make_url(base)
    name = f"govmail_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def _size(url: str, tmp: str) -> int:
    if url.startswith("sqlite"):
        return sum(p.stat().st_size for p in Path(tmp).glob("bench.db*"))
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return size


if __name__ == "__main__":
    main()
