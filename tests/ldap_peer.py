"""A real OpenLDAP server (Debian slapd) in a temporary directory, for sign-in tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SUFFIX = "dc=ninhthuan,dc=gov,dc=vn"
CONF = """include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {dir}/slapd.pid
argsfile {dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
rootpw not-used-in-tests
directory {dir}/data
"""
DATA = """dn: {suffix}
objectClass: dcObject
objectClass: organization
o: UBND tinh Ninh Thuan
dc: ninhthuan

dn: ou=people,{suffix}
objectClass: organizationalUnit
ou: people

dn: uid=tran.b,ou=people,{suffix}
objectClass: inetOrgPerson
uid: tran.b
cn: Tran Thi B
sn: Tran
mail: tran.b@ninhthuan.gov.vn
userPassword: {password}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def slapd(tmp: Path, password: str) -> Iterator[str]:
    """Yields the ldap:// URL of a running slapd holding one person, uid=tran.b."""
    if not shutil.which("slapd") or not shutil.which("slapadd"):
        pytest.skip("slapd is not installed (.ci/run installs it)")
    (tmp / "data").mkdir(parents=True)
    conf = tmp / "slapd.conf"
    conf.write_text(CONF.format(dir=tmp, suffix=SUFFIX))
    ldif = tmp / "data.ldif"
    ldif.write_text(DATA.format(suffix=SUFFIX, password=password))
    subprocess.run(["slapadd", "-f", str(conf), "-l", str(ldif)], check=True, capture_output=True)
    port = _free_port()
    url = f"ldap://127.0.0.1:{port}"
    proc = subprocess.Popen(
        ["slapd", "-f", str(conf), "-h", f"{url}/", "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"slapd did not start: {proc.stderr.read()!r}") from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stderr.close()
