"""The relay and archive workers run as processes: restarted when they die, reloaded."""

from __future__ import annotations

import os
import signal
import smtplib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.ingest import Archive
from archive.models import Message
from config.sections.policy import RuleSettings
from tests.gateway.conftest import gateway_settings
from tests.gateway.peers import GatewayRunner, wait_for

pytestmark = pytest.mark.integration

MESSAGE = b"Subject: {n}\r\nMessage-ID: <w{n}@trongnuoc.vn>\r\n\r\nNoi dung {n}.\r\n"


def send(port: int, n: int) -> None:
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail(
            "ai@trongnuoc.vn", ["vanthu@ninhthuan.gov.vn"], MESSAGE.replace(b"{n}", b"%d" % n)
        )


def test_workers_are_processes_and_a_killed_relay_is_started_again(
    tmp_path, peer, start_gateway
) -> None:
    gw = start_gateway(gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}"))
    processes = gw.gateway.processes
    assert sorted(processes) == ["archive", "relay"]
    relay_pid = processes["relay"].pid
    assert relay_pid not in (None, os.getpid())
    send(gw.port, 1)
    wait_for(lambda: len(peer.messages) == 1, what="first delivery")
    wait_for(lambda: archived(gw.gateway.settings) == 1, what="first archived")
    # SMTP clients first, then delivery, then the archive (the workers lowered their own)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    nice = {k: os.getpriority(os.PRIO_PROCESS, p.pid) for k, p in processes.items()}
    assert nice == {"relay": min(19, ours + 5), "archive": min(19, ours + 19)}

    os.kill(relay_pid, signal.SIGKILL)
    wait_for(lambda: processes["relay"].pid not in (None, relay_pid), what="relay restarted")
    send(gw.port, 2)
    wait_for(lambda: len(peer.messages) == 2, what="delivery by the new relay process")
    assert [m.data.split(b"Subject: ")[1][:1] for m in peer.messages] == [b"1", b"2"]
    wait_for(lambda: archived(gw.gateway.settings) == 2, what="both archived")
    assert not gw.gateway.ctx.spool.files("relay")


def test_stopping_the_gateway_stops_its_workers(tmp_path, peer, start_gateway) -> None:
    gw = start_gateway(gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}"))
    procs = [p.proc for p in gw.gateway.processes.values()]
    send(gw.port, 1)
    wait_for(lambda: peer.messages, what="delivery")
    gw.stop()
    assert [p.returncode for p in procs] == [0, 0]  # each left on its own, not killed


def test_thread_mode_relays_and_archives_in_the_gateway_process(
    tmp_path, peer, start_gateway
) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.worker_processes = False
    gw = start_gateway(settings)
    assert gw.gateway.processes == {} and gw.gateway.relay is not None
    send(gw.port, 1)
    wait_for(lambda: peer.messages, what="delivery")
    wait_for(lambda: archived(settings) == 1, what="archived")
    assert gw.gateway.archiver is not None and gw.gateway.archiver.archive is not None


def archived(settings) -> int:
    arch = Archive.open(settings)
    try:
        with arch.sessions() as s:
            return s.scalar(select(func.count()).select_from(Message))
    finally:
        arch.close()


def listening_sockets(port: int) -> int:
    """LISTEN sockets on 127.0.0.1:port in this network namespace (/proc/net/tcp)."""
    wanted = f"0100007F:{port:04X}"
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1] == wanted and line.split()[3] == "0A")


def test_listener_processes_share_the_port(tmp_path, peer) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.listener_processes = 2
    gw = GatewayRunner(settings)  # nothing injected: a fake resolver would stay in this process
    try:
        assert sorted(gw.gateway.processes) == ["archive", "listener-1", "relay"]
        wait_for(lambda: listening_sockets(gw.port) == 2, what="the second SMTP process")
        for n in range(5):
            send(gw.port, n)
        wait_for(lambda: len(peer.messages) == 5, what="deliveries")

        async def close_own_listener() -> None:
            for server in gw.gateway.servers:
                server.close()

        gw.runner.run(close_own_listener())
        wait_for(lambda: listening_sockets(gw.port) == 1, what="only the listener process left")
        send(gw.port, 99)  # accepted by the listener process, relayed by the relay process
        wait_for(lambda: len(peer.messages) == 6, what="delivery of mail the listener accepted")
        assert b"Subject: 99" in peer.messages[-1].data
        wait_for(lambda: archived(settings) == 6, what="all archived")
    finally:
        gw.stop()


def test_one_smtp_process_per_core_unless_set_or_injected(tmp_path, resolver) -> None:
    settings = gateway_settings(tmp_path)
    assert settings.smtp.listener_processes == 0  # the default
    assert settings.smtp.smtp_processes() == min(os.cpu_count() or 1, 8)
    settings.smtp.listener_processes = 3
    assert settings.smtp.smtp_processes() == 3
    settings.smtp.worker_processes = False
    assert settings.smtp.smtp_processes() == 1
    settings.smtp.worker_processes = True
    gw = GatewayRunner(settings, resolver=resolver)  # a test's resolver: one process
    try:
        assert gw.gateway.smtp_processes == 1 and "listener-1" not in gw.gateway.processes
        assert gw.gateway.ctx.connections.per_ip == settings.smtp.max_connections_per_ip
    finally:
        gw.stop()


def test_a_connection_the_next_hop_closed_is_replaced_at_once(
    tmp_path, peer, start_gateway
) -> None:
    # a delivery that failed would come back only after 60 s: the test would time out
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.retry_base_seconds = 60.0
    settings.smtp.retry_max_seconds = 60.0
    settings.smtp.relay_workers = 1  # one connection, reused
    gw = start_gateway(settings)
    send(gw.port, 1)
    wait_for(lambda: len(peer.messages) == 1, what="first delivery")
    peer.hang_up()  # the next hop drops the idle connection
    send(gw.port, 2)
    wait_for(lambda: len(peer.messages) == 2, timeout=15, what="delivery on a new connection")


def test_a_reload_reaches_every_smtp_process_before_it_is_announced(tmp_path, peer) -> None:
    settings = gateway_settings(tmp_path, next_hop=f"127.0.0.1:{peer.port}")
    settings.smtp.listener_processes = 2
    gw = GatewayRunner(settings)
    try:
        wait_for(lambda: listening_sockets(gw.port) == 2, what="the second SMTP process")

        async def close_own_listener() -> None:
            for server in gw.gateway.servers:
                server.close()

        gw.runner.run(close_own_listener())  # only the listener process answers from now on
        wait_for(lambda: listening_sockets(gw.port) == 1, what="only the listener process left")
        assert send_free(gw.port) == 250  # the default table only tags free-provider mail

        stricter = settings.model_copy(deep=True)
        stricter.policy.rules = [RuleSettings(name="free-foreign-inbound", action="reject")]

        async def reload() -> None:
            assert gw.gateway.reload(settings=stricter)
            await gw.gateway._reloading  # "policy-reloaded" is logged when this is done

        gw.runner.run(reload())
        assert send_free(gw.port) == 550  # answered by the other process, new policy
    finally:
        gw.stop()


def send_free(port: int) -> int:
    letter = b"Subject: t\r\nFrom: ai@gmail.com\r\nTo: vanthu@ninhthuan.gov.vn\r\n\r\nXin chao.\r\n"
    with smtplib.SMTP("127.0.0.1", port) as client:
        try:
            client.sendmail("ai@gmail.com", ["vanthu@ninhthuan.gov.vn"], letter)
        except smtplib.SMTPDataError as exc:
            return exc.smtp_code
    return 250
