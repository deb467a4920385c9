"""IMAP initial-sync rate from a local Dovecot, beside plain clients of the same mailbox.

Starts Dovecot (tests/imap_peer.py) with N messages of about SIZE bytes in INBOX, warms
its index once, then measures in the same run:

  doveadm fetch      Dovecot reading its own Maildir, no network (an upper bound)
  imaplib loop       stdlib imaplib, UID FETCH of BATCH messages at a time, bodies discarded
  govmail fetch      our aioimaplib client alone (UID FETCH batches), bodies discarded
  govmail sync       `imap sync --once` end to end: fetch + archive + search index +
                     exchange log, on a fresh SQLite archive
  sync, no hooks     the same without the index and exchange hooks (where time goes)

    .venv/bin/python benchmarks/imap.py
    .venv/bin/python benchmarks/imap.py --messages 5000 --size 20000
"""

from __future__ import annotations

import argparse
import asyncio
import imaplib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.ingest import Archive  # noqa: E402
from config import load_settings  # noqa: E402
from config.sections.imap import ImapAccount  # noqa: E402
from gateway.imap.client import ImapClient  # noqa: E402
from gateway.imap.folder_plan import plan_batches  # noqa: E402
from gateway.imap.runner import run_accounts  # noqa: E402
from gateway.wiring import open_archive  # noqa: E402
from tests.imap_peer import Dovecot, make_message  # noqa: E402


def line(name: str, count: int, nbytes: int, seconds: float, base: float | None = None) -> str:
    rate = count / seconds
    ratio = f"  ratio to imaplib {rate / base:.2f}" if base else ""
    return (
        f"{name:<16} {count:>6} msgs {nbytes / 1e6:8.1f} MB {seconds:7.2f} s "
        f"{rate:8.0f} msg/s {nbytes / 1e6 / seconds:7.1f} MB/s{ratio}"
    )


def bench_doveadm(server: Dovecot) -> tuple[int, int, float] | None:
    doveadm = shutil.which("doveadm") or shutil.which("doveadm", path="/usr/bin:/usr/sbin")
    if not doveadm:
        return None
    started = time.perf_counter()
    proc = subprocess.run(
        [
            doveadm,
            "-c",
            str(server.conf),
            "fetch",
            "-u",
            server.user,
            "text",
            "mailbox",
            "INBOX",
            "all",
        ],
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        print("doveadm fetch failed:", proc.stderr.decode(errors="replace")[:300])
        return None
    count = proc.stdout.count(b"\ntext:\n") + proc.stdout.startswith(b"text:\n")
    return count, len(proc.stdout), seconds


def bench_imaplib(server: Dovecot, batch: int) -> tuple[int, int, float]:
    started = time.perf_counter()
    conn = imaplib.IMAP4("127.0.0.1", server.port)
    conn.login(server.user, server.password)
    conn.select("INBOX", readonly=True)
    _typ, data = conn.uid("FETCH", "1:*", "(UID)")
    uids = sorted(int(item.split()[2].rstrip(b")")) for item in data if item)
    count = nbytes = 0
    for i in range(0, len(uids), batch):
        chunk = uids[i : i + batch]
        _typ, data = conn.uid("FETCH", f"{chunk[0]}:{chunk[-1]}", "(UID BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple):
                count += 1
                nbytes += len(item[1])
    conn.logout()
    return count, nbytes, time.perf_counter() - started


def bench_client(account: ImapAccount, batch: int, batch_bytes: int) -> tuple[int, int, float]:
    async def run() -> tuple[int, int]:
        client = ImapClient(account, 1024 * 1024, None)
        await client.connect()
        await client.examine("INBOX")
        count = nbytes = 0
        for uids in plan_batches(await client.uid_sizes(1), batch, batch_bytes):
            result = await client.fetch(uids)
            for message in result.messages:
                count += 1
                nbytes += len(message.read())
                message.discard()
        await client.close()
        return count, nbytes

    started = time.perf_counter()
    count, nbytes = asyncio.run(run())
    return count, nbytes, time.perf_counter() - started


def bench_sync(
    account: ImapAccount, data_dir: Path, batch: int, hooks: bool = True
) -> tuple[int, float]:
    settings = load_settings(None, env={"GOVMAIL_STORAGE__DATA_DIR": f'"{data_dir}"'})
    settings.imap.accounts = [account]
    settings.imap.batch_size = batch
    # Without hooks only to show where the time goes; govmail itself always wires them.
    archive = open_archive(settings) if hooks else Archive.open(settings)
    try:
        started = time.perf_counter()
        [outcome] = asyncio.run(run_accounts(settings, archive, once=True))
        seconds = time.perf_counter() - started
    finally:
        archive.close()
    if outcome.error:
        raise SystemExit(f"sync failed: {outcome.error}")
    return outcome.stored, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--size", type=int, default=20_000, help="bytes per message (about)")
    parser.add_argument("--batch", type=int, default=200, help="messages per UID FETCH")
    args = parser.parse_args()

    server = Dovecot()
    work = Path(tempfile.mkdtemp(prefix="govmail-bench-imap-"))
    try:
        for n in range(args.messages):
            server.deliver("INBOX", make_message(n, "INBOX", size=args.size))
        account = ImapAccount(
            name="bench", host="127.0.0.1", port=server.port, security="none",
            user=server.user, password=server.password,
        )  # fmt: skip
        warm = imaplib.IMAP4("127.0.0.1", server.port)  # build Dovecot's index once
        warm.login(server.user, server.password)
        warm.select("INBOX", readonly=True)
        warm.uid("FETCH", "1:*", "(RFC822.SIZE)")
        warm.logout()

        print(f"{args.messages} messages of ~{args.size} bytes in INBOX; batch {args.batch}")
        doveadm = bench_doveadm(server)
        imaplib_run = bench_imaplib(server, args.batch)
        base = imaplib_run[0] / imaplib_run[2]
        client_run = bench_client(account, args.batch, 32 * 1024 * 1024)
        stored, sync_seconds = bench_sync(account, work / "var", args.batch)
        bare_stored, bare_seconds = bench_sync(account, work / "bare", args.batch, hooks=False)
        if doveadm:
            print(line("doveadm fetch", *doveadm, base=base))
        print(line("imaplib loop", *imaplib_run))
        print(line("govmail fetch", *client_run, base=base))
        print(line("govmail sync", stored, client_run[1], sync_seconds, base=base))
        print(line("sync, no hooks", bare_stored, client_run[1], bare_seconds, base=base))
        print(
            f"target >= 300 msg/s for sync: {'met' if stored / sync_seconds >= 300 else 'NOT met'}"
        )
    finally:
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
