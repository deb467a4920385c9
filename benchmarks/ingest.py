"""Import throughput: generate realistic Vietnamese official mail, time `govmail import`.

Messages average ~100 KB: a Vietnamese text body and 0–3 attachments (PDF, DOCX, XLSX,
ZIP of a PDF), base64-encoded as mail clients send them. The import runs in a child process
on a fresh SQLite archive; we report messages/s, MB/s and the child's peak RSS.

    .venv/bin/python benchmarks/ingest.py --messages 3000
    .venv/bin/python benchmarks/ingest.py --messages 3000 --format maildir
    .venv/bin/python benchmarks/ingest.py --messages 50000 --keep
    sudo .venv/bin/python benchmarks/ingest.py --reuse /tmp/govmail-bench-XXXX --memory-limit 512

``--memory-limit`` runs the import in a memory cgroup: the import, its workers and the page
cache they cause together get that many MB (see ``memory_limit.py``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from memory_limit import MemoryCgroup, Unavailable

REPO = Path(__file__).resolve().parent.parent
UD = (
    REPO.parent
    / "shared"
    / "corpus"
    / "UniversalDependencies__UD_Vietnamese-VTB"
    / ("vi_vtb-ud-test.conllu")
)
FALLBACK = [
    "Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành triển khai thực hiện văn bản điện tử.",
    "Thực hiện Chỉ thị số 15/CT-TTg ngày 22 tháng 5 năm 2012 của Thủ tướng Chính phủ.",
    "Sở Thông tin và Truyền thông báo cáo tình hình ứng dụng công nghệ thông tin.",
]


def sentences() -> list[str]:
    if UD.exists():
        return [
            line.split("=", 1)[1].strip()
            for line in UD.read_text(encoding="utf-8").splitlines()
            if line.startswith("# text =")
        ]
    return FALLBACK


def text(rng: random.Random, pool: list[str], chars: int) -> str:
    out, n = [], 0
    while n < chars:
        s = rng.choice(pool)
        out.append(s)
        n += len(s) + 1
    return " ".join(out)


def pdf(rng: random.Random, pool: list[str], size: int) -> bytes:
    body = text(rng, pool, size).encode("utf-8")
    stream = zlib.compress(body + rng.randbytes(size // 3))
    return (
        b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Count 1/Kids[3 0 R]>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/Contents 4 0 R>>endobj\n"
        + f"4 0 obj<</Length {len(stream)}/Filter/FlateDecode>>stream\n".encode()
        + stream
        + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def ooxml(rng: random.Random, pool: list[str], size: int, kind: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas'
            '.openxmlformats.org/package/2006/content-types"/>',
        )
        part = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
        if kind == "xlsx":
            zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr(part, f"<doc><p>{text(rng, pool, size)}</p></doc>")
        zf.writestr("docProps/thumbnail.bin", rng.randbytes(size // 4))
    return buf.getvalue()


def zipped(rng: random.Random, pool: list[str], size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Công văn.pdf", pdf(rng, pool, size))
        zf.writestr("Phụ lục.txt", text(rng, pool, size // 4))
    return buf.getvalue()


KINDS = [
    ("pdf", "application", "pdf", lambda r, p, s: pdf(r, p, s)),
    (
        "docx",
        "application",
        "vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda r, p, s: ooxml(r, p, s, "docx"),
    ),
    (
        "xlsx",
        "application",
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        lambda r, p, s: ooxml(r, p, s, "xlsx"),
    ),
    ("zip", "application", "zip", zipped),
]


def message(i: int, rng: random.Random, pool: list[str]) -> bytes:
    msg = EmailMessage()
    agency = rng.choice(["ubnd", "sotttt", "sotc", "sogd", "soyt", "sonv"])
    msg["From"] = f"Văn thư {agency.upper()} <vanthu.{agency}@ninhthuan.gov.vn>"
    msg["To"] = ", ".join(
        f"vanthu.{a}@ninhthuan.gov.vn"
        for a in rng.sample(
            ["ubnd", "sotttt", "sotc", "sogd", "soyt", "sonv", "sokhdt"], rng.randint(1, 3)
        )
    )
    msg["Subject"] = f"V/v {text(rng, pool, 40)[:80]}"
    when = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 525600))
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<bench-{i}-{rng.getrandbits(32)}@ninhthuan.gov.vn>"
    msg.set_content(text(rng, pool, rng.randint(1500, 6000)))
    count = rng.choice([0, 1, 1, 2, 2, 3])
    for k in range(count):
        name, main, sub, make = rng.choice(KINDS)
        size = int(rng.lognormvariate(10.9, 0.6))  # median ~54 KB of content
        msg.add_attachment(
            make(rng, pool, size), maintype=main, subtype=sub, filename=f"van-ban-{i}-{k}.{name}"
        )
    return bytes(msg)


def generate(folder: Path, n: int, seed: int, fmt: str) -> int:
    rng = random.Random(seed)
    pool = sentences()
    total = 0
    if fmt == "mbox":
        with open(folder / "bench.mbox", "wb") as fh:
            for i in range(n):
                raw = message(i, rng, pool).replace(b"\r\n", b"\n")
                fh.write(b"From bench@ninhthuan.gov.vn Mon Jan  1 00:00:00 2024\n")
                fh.write(raw.replace(b"\nFrom ", b"\n>From ").rstrip(b"\n") + b"\n\n")
                total += len(raw)
        return total
    for sub in ("cur", "new", "tmp"):
        (folder / "Maildir" / sub).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        raw = message(i, rng, pool)
        (folder / "Maildir" / "cur" / f"{i}.bench:2,S").write_bytes(raw)
        total += len(raw)
    return total


def reused_size(folder: Path, fmt: str) -> tuple[int, int]:
    """(bytes, messages) of the mail a --keep run left in ``folder``."""
    if fmt == "mbox":
        path = folder / "bench.mbox"
        with open(path, "rb") as fh:
            count = sum(1 for line in fh if line.startswith(b"From bench@"))
        return path.stat().st_size, count
    sizes = [e.stat().st_size for e in os.scandir(folder / "Maildir" / "cur")]
    return sum(sizes), len(sizes)


def machine_cpu_seconds() -> float:
    """Busy CPU time of the whole machine (/proc/stat): the import's workers are forked by
    a fork server, not by the import, so its own child-process accounting misses them.
    Anything else running at the time is counted too: run on an otherwise idle machine."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def tree_pss_kb(root: int) -> int:
    """Memory of ``root`` and every process below it (fork server, workers), as PSS: pages
    the forked workers share are counted once, not once per process as RSS would."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    tree, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total


PEAKS = {"anon": 0, "mapped": 0}  # sampled peaks of the import process, kB


def anon_and_mapped_kb(pid: int) -> tuple[int, int]:
    """A process's resident memory split in two: anonymous (its own heap, which must not
    grow with the number of messages) and mapped files (shared libraries, and the search
    index segments that tantivy maps while it merges them: clean page cache the kernel can
    drop at any time, but counted in RSS)."""
    found = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                key, _sep, rest = line.partition(":")
                if key in ("Rss", "Anonymous"):
                    found[key] = int(rest.split()[0])
    except OSError:
        return 0, 0
    anon = found.get("Anonymous", 0)
    return anon, max(found.get("Rss", 0) - anon, 0)


def run_import(
    folder: Path, data_dir: Path, fmt: str, cgroup: MemoryCgroup | None = None
) -> tuple[float, dict, int, int, float]:
    target = folder / ("bench.mbox" if fmt == "mbox" else "Maildir")
    env = os.environ | {"GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(data_dir))}
    env.pop("GOVMAIL_DATABASE__URL", None)
    gm = [sys.executable, "-m", "cli.main"]
    subprocess.run([*gm, "init"], env=env, cwd=REPO, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu_before = machine_cpu_seconds()
    own_before = time.process_time()  # this process only samples: its CPU is not the import's
    start = time.perf_counter()
    with subprocess.Popen(
        [*gm, "import", "--json", str(target)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=cgroup.enter if cgroup else None,
    ) as proc:
        tree_peak = 0
        while proc.poll() is None:  # the workers' memory too, sampled five times a second
            tree_peak = max(tree_peak, tree_pss_kb(proc.pid))
            anon, mapped = anon_and_mapped_kb(proc.pid)
            PEAKS["anon"] = max(PEAKS["anon"], anon)
            PEAKS["mapped"] = max(PEAKS["mapped"], mapped)
            time.sleep(0.2)  # a sample costs ~7 ms of CPU: 5 a second take 3.5 % of a core
        stdout = proc.stdout.read() if proc.stdout else b""
    elapsed = time.perf_counter() - start
    if proc.returncode:
        killed = f", {cgroup.oom_kills()} OOM kills in the cgroup" if cgroup else ""
        raise SystemExit(f"govmail import failed (exit {proc.returncode}{killed})")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sampling = time.process_time() - own_before
    cpu = machine_cpu_seconds() - cpu_before - sampling  # less noisy than the rate
    return elapsed, json.loads(stdout), max(peak_kb, before), tree_peak, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--format", choices=["mbox", "maildir"], default="maildir")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--reuse",
        type=Path,
        metavar="DIR",
        help="import the messages a --keep run left in DIR instead of generating new ones",
    )
    parser.add_argument(
        "--memory-limit",
        type=int,
        metavar="MB",
        help="run the import in a memory cgroup of MB (needs root): page cache included",
    )
    args = parser.parse_args()
    cgroup = None
    if args.memory_limit:
        try:
            cgroup = MemoryCgroup.create(args.memory_limit)
        except Unavailable as exc:
            hint = "run as root on a host with a cgroup memory controller"
            raise SystemExit(f"--memory-limit: {exc} ({hint})") from None
    tmp = args.reuse or Path(tempfile.mkdtemp(prefix="govmail-bench-"))
    try:
        t0 = time.perf_counter()
        if args.reuse:
            shutil.rmtree(tmp / "var", ignore_errors=True)  # a fresh archive, the same mail
            raw_bytes, count = reused_size(tmp, args.format)
            print(f"reusing {count} messages, {raw_bytes / 1e6:.1f} MB, in {tmp}")
        else:
            raw_bytes = generate(tmp, args.messages, args.seed, args.format)
            count = args.messages
            gen = time.perf_counter() - t0
            print(
                f"generated {count} messages, {raw_bytes / 1e6:.1f} MB "
                f"(avg {raw_bytes / count / 1024:.0f} KB) in {gen:.1f} s"
            )
        elapsed, summary, peak_kb, tree_kb, cpu = run_import(tmp, tmp / "var", args.format, cgroup)
        n = summary["messages_new"]
        print(
            f"govmail import ({args.format}, SQLite, {os.cpu_count()} CPUs): "
            f"{n} new messages, {summary['attachments']} attachments in {elapsed:.2f} s"
        )
        print(
            f"  {n / elapsed:,.0f} messages/s   {raw_bytes / 1e6 / elapsed:,.1f} MB/s   "
            f"peak RSS {peak_kb / 1024:,.0f} MB (import process), "
            f"{tree_kb / 1024:,.0f} MB PSS with its workers"
        )
        print(
            f"  import process sampled: anonymous {PEAKS['anon'] / 1024:,.0f} MB at most, "
            f"mapped files {PEAKS['mapped'] / 1024:,.0f} MB at most (libraries, index merges)"
        )
        print(
            f"  machine CPU {cpu * 1000 / max(n, 1):.1f} ms per message "
            f"({cpu / elapsed:.2f} cores busy; this benchmark's own sampling left out)"
        )
        print(f"  vs piler's published ~40 messages/s (100 KB, 2 vCPU): {n / elapsed / 40:.1f}x")
        if cgroup:
            print(
                f"  memory cgroup of {cgroup.limit_mb} MB: peak {cgroup.peak_mb():,.0f} MB "
                f"(processes and their page cache), {cgroup.oom_kills()} OOM kills"
            )
    finally:
        if cgroup:
            cgroup.remove()
        if args.keep or args.reuse:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
