"""SMTP throughput: Postfix smtp-source against a bare fsyncing aiosmtpd sink and against
`govmail serve` (default policy, durable spool, relay to Postfix smtp-sink), same run.

Usage: python benchmarks/gateway.py [--sessions 20] [--messages 5000] [--size 28000]
                                    [--rounds 3] [--no-archive] [--listeners 2]

Prints messages/s for both, their ratio, the p99 transaction time (server side, MAIL to
the end-of-data reply) and how many messages smtp-sink received (should equal the sent).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(100).startswith(b"220"):
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answered on port {port}")


# -- the bare sink ----------------------------------------------------------------------
def run_sink(port: int, directory: Path, times_file: Path) -> None:
    """aiosmtpd handler that writes and fsyncs each message (the peer we compare with)."""
    from aiosmtpd.smtp import SMTP

    times: list[float] = []

    class Sink:
        count = 0

        async def handle_MAIL(self, server, session, envelope, address, options):
            envelope.mail_from = address
            server.started = time.monotonic()
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            path = directory / f"{os.getpid()}-{Sink.count}.eml"
            with open(path, "wb") as fh:
                fh.write(envelope.original_content)
                fh.flush()
                os.fsync(fh.fileno())
            times.append(time.monotonic() - server.started)
            return "250 OK"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = Sink()
        await loop.create_server(lambda: SMTP(handler), host="127.0.0.1", port=port)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        times_file.write_text(
            json.dumps({"times": times, "cpu_s": usage.ru_utime + usage.ru_stime})
        )

    asyncio.run(main())


def p99(values: list[float]) -> float:
    values = sorted(values)
    return values[int(len(values) * 0.99)] if values else float("nan")


def smtp_source(port: int, args) -> float:
    binary = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    started = time.monotonic()
    subprocess.run(
        [binary, "-s", str(args.sessions), "-m", str(args.messages), "-l", str(args.size),
         "-f", "ai@trongnuoc.vn", "-t", "vanthu@ninhthuan.gov.vn", f"127.0.0.1:{port}"],
        check=True,
    )  # fmt: skip
    return time.monotonic() - started


def bench_sink(args, tmp: Path) -> dict:
    port = free_port()
    out = tmp / "sink"
    out.mkdir()
    times_file = tmp / "sink-times.json"
    proc = subprocess.Popen(
        [sys.executable, __file__, "--run-sink", str(port), str(out), str(times_file)]
    )
    try:
        wait_port(port)
        elapsed = smtp_source(port, args)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    found = json.loads(times_file.read_text())
    times = found["times"]
    return {
        "rate": args.messages / elapsed,
        "p99": p99(times),
        "received": len(times),
        "cpu_ms": found["cpu_s"] * 1000 / max(len(times), 1),
    }


def bench_govmail(args, tmp: Path) -> dict:
    sink_port, port = free_port(), free_port()
    sink_bin = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    sink_out = (tmp / "smtp-sink.out").open("wb")
    sink = subprocess.Popen(
        [sink_bin, "-u", "nobody", "-c", f"127.0.0.1:{sink_port}", "256"], stdout=sink_out
    )
    log = tmp / "govmail.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GOVMAIL_")},
        "GOVMAIL_STORAGE__DATA_DIR": json.dumps(str(tmp / "var")),
        "GOVMAIL_SMTP__LISTEN": json.dumps([f"127.0.0.1:{port}"]),
        "GOVMAIL_SMTP__NEXT_HOP": json.dumps(f"127.0.0.1:{sink_port}"),
        "GOVMAIL_SMTP__ARCHIVE": "true" if args.archive else "false",
        "GOVMAIL_SMTP__LISTENER_PROCESSES": str(args.listeners),
        "GOVMAIL_LOGGING__FILE": json.dumps(str(log)),
    }
    subprocess.run([sys.executable, "-m", "cli.main", "init"], env=env, cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "serve"], env=env, cwd=REPO)
    try:
        wait_port(port)
        elapsed = smtp_source(port, args)
        delivered = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            delivered = sink_count(tmp / "smtp-sink.out")
            if delivered >= args.messages:
                break
            time.sleep(0.2)
        relayed_after = time.monotonic() - deadline + 120
        archived_after = None
        if args.archive:  # the archive runs at low priority and catches up after the burst
            queue = tmp / "var" / "spool" / "archive"
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and any(queue.iterdir()):
                time.sleep(0.2)
            archived_after = time.monotonic() - deadline + 600
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        sink.send_signal(signal.SIGTERM)
        sink.wait(10)
        sink_out.close()
    delays = []
    cpu = {"smtp": 0.0, "relay": 0.0, "archive": 0.0}
    smtp_processes = 1
    for line in log.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("event") == "smtp" and entry.get("outcome") == "queued":
            delays.append(entry["delay_ms"] / 1000)
        elif entry.get("event") == "listening":
            smtp_processes = entry.get("smtp_processes", 1)
        elif entry.get("event") == "stopped":
            cpu["smtp"] += entry["cpu_s"]
        elif entry.get("event") == "worker-stopped":
            kind = "smtp" if entry["worker"] == "listener" else entry["worker"]
            cpu[kind] += entry["cpu_s"]
    return {
        "rate": args.messages / elapsed,
        "p99": p99(delays),
        "received": len(delays),
        "delivered": sink_count(tmp / "smtp-sink.out"),
        "drain_s": relayed_after,
        "archived_s": archived_after,
        "cpu_ms": {k: v * 1000 / args.messages for k, v in cpu.items()},
        "smtp_processes": smtp_processes,
    }


def sink_count(path: Path) -> int:
    found = re.findall(rb"mesg=(\d+)", path.read_bytes())
    return int(found[-1]) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--size", type=int, default=28000)
    parser.add_argument("--no-archive", dest="archive", action="store_false")
    parser.add_argument(
        "--listeners", type=int, default=0, help="smtp.listener_processes (0: one per core)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="alternate sink/govmail N times")
    parser.add_argument("--run-sink", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_sink:
        port, directory, times = args.run_sink
        run_sink(int(port), Path(directory), Path(times))
        return
    print(f"smtp-source -s {args.sessions} -m {args.messages} -l {args.size}")
    ratios = []
    for n in range(1, args.rounds + 1):
        sink, gov = one_round(args)
        ratios.append(gov["rate"] / sink["rate"])
        if args.rounds > 1:
            print(f"round {n}")
        report(args, sink, gov)
    if args.rounds > 1:
        ratios.sort()
        print(f"median ratio over {args.rounds} rounds: {ratios[len(ratios) // 2]:.2f}")


def one_round(args) -> tuple[dict, dict]:
    """The sink and then govmail, each from a fresh directory (the host's noise hits both)."""
    with tempfile.TemporaryDirectory(prefix="govmail-bench-", dir=REPO / "var"
                                     if (REPO / "var").is_dir() else None) as tmp:  # fmt: skip
        base = Path(tmp)
        (base / "a").mkdir()
        (base / "b").mkdir()
        return bench_sink(args, base / "a"), bench_govmail(args, base / "b")


def report(args, sink: dict, gov: dict) -> None:
    print(
        f"bare aiosmtpd sink (fsync each): {sink['rate']:.0f} msg/s, "
        f"p99 transaction {sink['p99'] * 1000:.1f} ms, received {sink['received']}"
    )
    print(
        f"govmail serve -> smtp-sink:      {gov['rate']:.0f} msg/s, "
        f"p99 transaction {gov['p99'] * 1000:.1f} ms, accepted {gov['received']}, "
        f"delivered {gov['delivered']} (relay drained {gov['drain_s']:.1f} s after the "
        f"last 250; archive {'on' if args.archive else 'off'}; "
        f"{gov['smtp_processes']} SMTP process{'es' if gov['smtp_processes'] > 1 else ''})"
    )
    if gov["archived_s"] is not None:
        print(f"archive queue empty {gov['archived_s']:.1f} s after the last 250")
    print(f"ratio govmail / bare sink: {gov['rate'] / sink['rate']:.2f}")
    c = gov["cpu_ms"]
    print(
        f"CPU per message: bare sink {sink['cpu_ms']:.2f} ms; govmail SMTP {c['smtp']:.2f} ms, "
        f"relay {c['relay']:.2f} ms, archive {c['archive']:.2f} ms"
    )


if __name__ == "__main__":
    main()
