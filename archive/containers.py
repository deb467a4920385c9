"""Unpack attachments that hold other files: ZIP archives, TNEF (winmail.dat).

Every unpacker works against a shared ``Budget`` so one message cannot make govmail
decompress more than the configured bytes or members, whatever the archive claims.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

log = logging.getLogger("govmail.archive")


class LimitExceeded(Exception):
    """An archive went past a configured limit; the verdict names which."""


@dataclass
class Budget:
    """What is left to unpack for one message."""

    bytes_left: int
    members_per_archive: int
    max_ratio: int


@dataclass(frozen=True)
class Member:
    """One file found inside a container; ``error`` when it could not be read."""

    name: str
    data: bytes | None
    error: str | None = None
    declared_type: str | None = None


def unzip(data: bytes, budget: Budget) -> Iterator[Member]:
    """Members of a ZIP archive, refusing bombs, encrypted members and oversize members."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise LimitExceeded(f"not a readable ZIP archive: {exc}") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > budget.members_per_archive:
            yield Member(
                "",
                None,
                f"archive has {len(infos)} members; only the first "
                f"{budget.members_per_archive} unpacked (limits.max_archive_members)",
            )
            infos = infos[: budget.members_per_archive]
        for info in infos:
            yield _zip_member(zf, info, budget)


def _zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> Member:
    name = _zip_name(info)
    if info.flag_bits & 0x1:
        return Member(name, None, "encrypted archive member (not unpacked)")
    if info.compress_size and info.file_size / max(info.compress_size, 1) > budget.max_ratio:
        return Member(
            name,
            None,
            f"compression ratio above {budget.max_ratio} "
            "(limits.max_compression_ratio): possible archive bomb, not unpacked",
        )
    if info.file_size > budget.bytes_left:
        return Member(
            name, None, "decompressed size over the limit (limits.max_archive_bytes): not unpacked"
        )
    try:
        with zf.open(info) as fh:
            data = fh.read(budget.bytes_left + 1)
    except (
        zipfile.BadZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        return Member(name, None, f"cannot unpack: {exc}")
    except Exception as exc:
        return Member(name, None, f"cannot unpack: {type(exc).__name__}: {exc}")
    if len(data) > budget.bytes_left:
        budget.bytes_left = 0
        return Member(name, None, "decompressed size over the limit (limits.max_archive_bytes)")
    budget.bytes_left -= len(data)
    return Member(name, data)


def _zip_name(info: zipfile.ZipInfo) -> str:
    """ZIP names without the UTF-8 flag are often UTF-8 anyway (or cp437 for real)."""
    name = info.filename
    if not info.flag_bits & 0x800:
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            name = name.encode("cp437").decode("utf-8")
    return name


PKCS7_MIME_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime"}


def unp7m(data: bytes) -> bytes:
    """The signed content (a MIME entity) inside an S/MIME ``smime.p7m`` (CMS SignedData)."""
    cms = _cms()

    if not data.startswith(b"\x30"):  # base64 inside the (already decoded) part
        with contextlib.suppress(ValueError):
            data = base64.b64decode(data)
    try:
        info = cms.ContentInfo.load(data)
        kind = info["content_type"].native
        if kind == "enveloped_data":
            raise LimitExceeded("encrypted S/MIME message: not readable without the key")
        if kind != "signed_data":
            raise LimitExceeded(f"S/MIME {kind}: not unpacked")
        content = info["content"]["encap_content_info"]["content"].native
    except LimitExceeded:
        raise
    except Exception as exc:
        raise LimitExceeded(f"not a readable S/MIME (CMS) structure: {exc}") from None
    if not isinstance(content, bytes):
        raise LimitExceeded("S/MIME signature without its content (detached)")
    return content


def _cms():
    """asn1crypto's ``cms``, once the modules that add names to its OID maps are loaded.

    asn1crypto freezes a map's name-to-OID side the first time it is used; pyhanko (the PDF
    signature checks, in the same worker) adds timestamp and AdES names at import. Parsing
    a p7m first would leave them out, and pyhanko would then fail on "tst_info".
    """
    from asn1crypto import cms, tsp  # noqa: F401
    from pyhanko.sign import validation  # noqa: F401  (its imports register the rest)

    return cms


def untnef(data: bytes, budget: Budget) -> Iterator[Member]:
    """Attachments and body of a TNEF stream (Outlook's winmail.dat)."""
    import tnefparse

    try:
        tnef = tnefparse.TNEF(data, do_checksum=False)
    except Exception as exc:
        raise LimitExceeded(f"not a readable TNEF stream: {exc}") from None
    bodies: list[Member] = []
    if tnef.htmlbody:
        html = tnef.htmlbody
        bodies.append(
            Member("", html.encode() if isinstance(html, str) else html, declared_type="text/html")
        )
    elif tnef.body:
        body = tnef.body
        bodies.append(
            Member("", body.encode() if isinstance(body, str) else body, declared_type="text/plain")
        )
    else:
        try:
            rtf = tnef.rtfbody
        except Exception:
            rtf = None
        if rtf:
            bodies.append(Member("", rtf, declared_type="text/rtf"))
    yield from bodies
    for count, att in enumerate(tnef.attachments):
        if count >= budget.members_per_archive:
            yield Member("", None, "too many TNEF attachments (limits.max_archive_members)")
            return
        name = _tnef_name(att, tnef.codepage)
        payload = att.data if isinstance(att.data, bytes) else bytes(att.data or b"")
        if len(payload) > budget.bytes_left:
            yield Member(name, None, "over the limit (limits.max_archive_bytes)")
            continue
        budget.bytes_left -= len(payload)
        yield Member(name, payload)


def _tnef_name(att, codepage: str | None) -> str:
    """An attachment's name; old Outlook writes it in its ANSI code page (cp1258 in Vietnam),
    which tnefparse reads as UTF-8 and raises on."""
    with contextlib.suppress(Exception):
        name = att.long_filename()
        if name:
            return _tnef_text(name, codepage)
    return _tnef_text(getattr(att, "_name", b"") or b"", codepage)


def _tnef_text(value: str | bytes, codepage: str | None) -> str:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip("\x00")
    for charset in ("utf-8", codepage, "cp1252"):
        if charset:
            with contextlib.suppress(LookupError, ValueError):
                return _tnef_text(bytes(value).decode(charset), None)
    return _tnef_text(bytes(value).decode("latin-1"), None)
