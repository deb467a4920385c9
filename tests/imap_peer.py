"""A real Dovecot (Debian ``dovecot-imapd``) in a temporary directory, for IMAP ingestion tests.

The server gets its own config, base_dir, state and log under a temp dir, a passwd-file with
plain passwords and Maildirs we write directly (``cur/UNIQUE:2,FLAGS``), as
/work/shared/reference/library-notes.md describes. Started as root, its processes run as the
``dovecot`` user, so the temp dir is made world-traversable and the Maildirs are chowned.
A cutting TCP proxy stands in for a network that drops the connection mid-fetch.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from gateway.imap.folder_names import encode
from tests.gateway.peers import free_port

DOVECOT = "/usr/sbin/dovecot"

CONF = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
mail_fsync = never
verbose_proctitle = yes
maildir_very_dirty_syncs = no
{ssl}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {dir}/users
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox "Drafts" {{
    special_use = \\Drafts
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = {imaps}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{extra}
"""


def need_dovecot() -> str:
    if not os.path.exists(DOVECOT):
        pytest.skip(f"{DOVECOT} is not installed (Debian dovecot-imapd; .ci/run installs it)")
    return DOVECOT


def make_message(
    n: int,
    folder: str = "INBOX",
    size: int = 2000,
    sender: str = "vanthu@sotttt.ninhthuan.gov.vn",
    to: str = "ubnd@ninhthuan.gov.vn",
) -> bytes:
    """A plain Vietnamese official message, unique by ``n`` and ``folder``, about ``size`` bytes."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"Công văn số {n}/STTTT-VP ({folder})"
    msg["Message-ID"] = f"<{n}.{uuid.uuid5(uuid.NAMESPACE_DNS, folder).hex[:12]}@ninhthuan.gov.vn>"
    msg["Date"] = format_datetime(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=n))
    line = f"Sở Thông tin và Truyền thông đề nghị triển khai văn bản điện tử, số {n}.\n"
    msg.set_content(line * max(1, size // len(line.encode())), cte="8bit")
    return msg.as_bytes()


class Dovecot:
    """One running Dovecot with one user; folders are Maildir subdirectories we fill."""

    def __init__(self, user: str = "vanthu", password: str = "mat-khau-1", tls: bool = False):
        need_dovecot()
        self.user, self.password = user, password
        self.dir = Path(tempfile.mkdtemp(prefix="govmail-dovecot-"))
        self.dir.chmod(0o755)
        self.port, self.tls_port = free_port(), free_port()
        self.home = self.dir / "home" / user
        self.maildir = self.home / "Maildir"
        self.ca_file: Path | None = None
        self._counter = 0
        if os.geteuid() == 0:
            mail = pwd.getpwnam("dovecot")
            self.uid, self.gid = mail.pw_uid, mail.pw_gid
            login_user, internal_user = "dovenull", "dovecot"
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            login_user = internal_user = pwd.getpwuid(self.uid).pw_name
        ssl = "ssl = no"
        if tls:
            cert, key, self.ca_file = _self_signed(self.dir)
            ssl = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"
        (self.dir / "run").mkdir()
        (self.dir / "state").mkdir()
        (self.dir / "users").write_text(
            f"{user}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{self.home}\n", encoding="utf-8"
        )
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(
            CONF.format(
                dir=self.dir,
                port=self.port,
                tls_port=self.tls_port,
                imaps="yes" if tls else "no",
                ssl=ssl,
                login_user=login_user,
                internal_user=internal_user,
                extra="",
            ),
            encoding="utf-8",
        )
        self.folder("INBOX")
        self._proc: subprocess.Popen | None = None
        self.start()

    # -- server ----------------------------------------------------------------------
    def start(self) -> None:
        self._proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                    log = self.log()
                    self.stop()
                    raise RuntimeError(f"dovecot did not start: {err}\n{log}") from None
                time.sleep(0.05)

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def kill_sessions(self) -> None:
        """Kill the imap processes serving clients now (a server-side connection loss)."""
        out = subprocess.run(["pgrep", "-f", f"imap .*{self.user}"], capture_output=True)
        for pid in out.stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        if self._proc is not None and self._proc.stderr:
            self._proc.stderr.close()
        self._proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- mailbox ---------------------------------------------------------------------
    def folder_path(self, name: str) -> Path:
        if name == "INBOX":
            return self.maildir
        return self.maildir / ("." + encode(name).replace("/", "."))

    def folder(self, name: str) -> Path:
        """Create the Maildir folder ``name`` (people's spelling) and subscribe nothing."""
        path = self.folder_path(name)
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self._chown(self.dir / "home")
        return path

    def deliver(self, folder: str, raw: bytes, flags: str = "", new: bool = False) -> Path:
        """Drop one message into ``folder`` (``cur`` with Maildir ``flags``, or ``new``)."""
        path = self.folder(folder)
        self._counter += 1
        unique = f"{int(time.time())}.M{self._counter}P{os.getpid()}.govmail-test"
        tmp = path / "tmp" / unique
        tmp.write_bytes(raw)
        os.chown(tmp, self.uid, self.gid)
        target = path / "new" / unique if new else path / "cur" / f"{unique}:2,{flags}"
        os.rename(tmp, target)
        return target

    def flags_on_disk(self, folder: str) -> dict[str, str]:
        """Maildir flags of every message in ``folder``: unique name → flag letters."""
        path = self.folder_path(folder)
        result = {}
        for sub in ("cur", "new"):
            for file in (path / sub).iterdir():
                unique, _, info = file.name.partition(":2,")
                result[unique] = f"{sub}:{info}"
        return result

    def reset_uidvalidity(self, folder: str) -> None:
        """Forget the folder's UIDs (as a rebuilt server would): a new UIDVALIDITY follows."""
        path = self.folder_path(folder)
        for file in path.iterdir():
            if file.name.startswith("dovecot"):
                file.unlink()

    def _chown(self, top: Path) -> None:
        for root, dirs, files in os.walk(top):
            os.chown(root, self.uid, self.gid)
            for name in dirs + files:
                os.chown(os.path.join(root, name), self.uid, self.gid)


def _self_signed(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a certificate for 127.0.0.1/localhost signed by it, made with ``cryptography``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "govmail test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path, ca_path = (directory / n for n in ("cert.pem", "key.pem", "ca.pem"))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, ca_path


class CuttingProxy:
    """A TCP proxy to ``port`` that cuts its first connection after ``cut_after`` bytes
    from the server; later connections pass through whole."""

    def __init__(self, port: int, cut_after: int):
        self.target = port
        self.cut_after = cut_after
        self.cuts = 0
        self.connections = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            limit = self.cut_after if self.connections == 1 else None
            threading.Thread(target=self._pipe_pair, args=(client, limit), daemon=True).start()

    def _pipe_pair(self, client: socket.socket, limit: int | None) -> None:
        server = socket.create_connection(("127.0.0.1", self.target))
        done = threading.Event()

        def pump(src: socket.socket, dst: socket.socket, limit: int | None) -> None:
            sent = 0
            try:
                while not done.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    if limit is not None and sent + len(data) >= limit:
                        dst.sendall(data[: limit - sent])
                        self.cuts += 1
                        break
                    dst.sendall(data)
                    sent += len(data)
            except OSError:
                pass
            finally:
                done.set()
                for s in (client, server):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pump, args=(client, server, None), daemon=True).start()
        pump(server, client, limit)
        for s in (client, server):
            s.close()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(2)


@contextlib.contextmanager
def dovecot(**kwargs) -> Iterator[Dovecot]:
    server = Dovecot(**kwargs)
    try:
        yield server
    finally:
        server.close()
