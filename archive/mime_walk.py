"""Walk a message into a flat list of parts: MIME parts, nested messages, archive members.

The walk is a pure function of the parsed message and the limits: it decodes payloads,
detects real types and unpacks containers, but stores nothing.
"""

from __future__ import annotations

import contextlib
import email.header
import logging
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser

from archive import filetype
from archive.containers import (
    PKCS7_MIME_TYPES,
    Budget,
    LimitExceeded,
    Member,
    unp7m,
    untnef,
    unzip,
)
from archive.parse import ARCHIVE_POLICY

log = logging.getLogger("govmail.archive")


@dataclass(frozen=True)
class WalkLimits:
    max_depth: int = 5
    max_parts: int = 2000
    max_archive_members: int = 1000
    max_archive_bytes: int = 200 * 1024 * 1024
    max_compression_ratio: int = 200


@dataclass
class PartNode:
    ordinal: int
    parent: int | None
    path: str
    container: str  # mime | message | zip | tnef | msg
    depth: int  # how many messages/archives deep
    declared_type: str | None = None
    detected_type: str | None = None
    filename: str | None = None
    disposition: str | None = None
    charset: str | None = None
    payload: bytes | None = None
    is_attachment: bool = False
    is_body: bool = False
    error: str | None = None
    text_type: str | None = None  # how a body part is read: text/plain or text/html

    @property
    def size(self) -> int:
        return len(self.payload) if self.payload is not None else 0


@dataclass
class WalkResult:
    parts: list[PartNode] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def attachments(self) -> list[PartNode]:
        return [p for p in self.parts if p.is_attachment]

    def body_parts(self) -> list[PartNode]:
        return [p for p in self.parts if p.is_body]


NESTED_MESSAGE_TYPES = {"message/rfc822", "message/global", "message/news"}


class _Stop(Exception):
    pass


class Walker:
    def __init__(self, limits: WalkLimits):
        self.limits = limits
        self.result = WalkResult()
        self.budget = Budget(
            limits.max_archive_bytes, limits.max_archive_members, limits.max_compression_ratio
        )

    # -- nodes -----------------------------------------------------------------------
    def _add(self, node_kwargs: dict) -> PartNode:
        if len(self.result.parts) >= self.limits.max_parts:
            self.result.errors.append(
                f"more than {self.limits.max_parts} parts (limits.max_parts): walk stopped"
            )
            raise _Stop
        node = PartNode(ordinal=len(self.result.parts), **node_kwargs)
        self.result.parts.append(node)
        return node

    # -- MIME ------------------------------------------------------------------------
    def walk_message(
        self, msg: Message, parent: int | None, path: str, depth: int, top: bool
    ) -> None:
        self._walk_entity(
            msg,
            parent,
            path,
            depth,
            container="mime" if top else "message",
            top=top,
            in_alternative=False,
        )

    def _walk_entity(
        self,
        part: Message,
        parent: int | None,
        path: str,
        depth: int,
        container: str,
        top: bool,
        in_alternative: bool,
    ) -> None:
        ctype = _no_nul(_safe(lambda: part.get_content_type(), "application/octet-stream"))
        filename = _filename(part)
        disposition = _no_nul(_safe(lambda: part.get_content_disposition(), None))
        base = dict(
            parent=parent,
            path=path,
            container=container,
            depth=depth,
            declared_type=ctype,
            filename=filename,
            disposition=disposition,
            charset=_no_nul(_safe(lambda: part.get_content_charset(), None)),
        )
        if part.is_multipart():
            node = self._add(base | {"detected_type": ctype})
            payload = part.get_payload()
            children = payload if isinstance(payload, list) else []
            alternative = ctype == "multipart/alternative"
            if ctype in NESTED_MESSAGE_TYPES:
                for child in children:
                    if isinstance(child, Message):
                        self._nested_message(child, node, path, depth)
                return
            if ctype.startswith("message/"):  # delivery-status and friends: header blocks
                node.payload = b"".join(_block_bytes(c) for c in children)
                node.is_attachment = True
                node.detected_type = filetype.detect(node.payload)
                return
            for i, child in enumerate(children, 1):
                if isinstance(child, Message):
                    self._walk_entity(
                        child,
                        node.ordinal,
                        child_path(path, i),
                        depth,
                        container,
                        top,
                        alternative or in_alternative,
                    )
            return
        seen = len(part.defects)
        payload = _decode_payload(part)
        damaged = sorted(
            {type(d).__name__.removesuffix("Defect") for d in part.defects[seen:]}
            - {"InvalidBase64Padding"}  # padding added back: the bytes are all there
        )
        # A multipart whose boundary never appears is read as the text it really is.
        text_type = "text/plain" if ctype.startswith("multipart/") else ctype
        text_like = text_type in ("text/plain", "text/html") and not filename
        inline_text = text_like and disposition != "attachment"
        node = self._add(base | {"payload": payload, "text_type": text_type})
        node.is_body = top and inline_text
        node.is_attachment = not inline_text
        if damaged:  # decoding had to skip or guess (bad base64): the bytes may be incomplete
            node.error = "damaged content transfer encoding: " + ", ".join(damaged)
            self.result.errors.append(f"{path}: {node.error}")
        self._leaf(node, payload)

    def _nested_message(self, msg: Message, holder: PartNode, path: str, depth: int) -> None:
        holder.is_attachment = True
        if depth + 1 > self.limits.max_depth:
            holder.error = f"nested deeper than {self.limits.max_depth} (limits.max_nesting_depth)"
            return
        try:
            holder.payload = msg.as_bytes(policy=policy.compat32)
        except Exception:
            holder.payload = None
        self.walk_message(msg, holder.ordinal, f"{path}.0", depth + 1, top=False)

    # -- leaves and containers -------------------------------------------------------
    def _leaf(self, node: PartNode, payload: bytes | None) -> None:
        if payload is None:
            node.detected_type = None
            return
        kind = filetype.detect(payload)
        node.detected_type = kind
        if not node.is_attachment:
            return
        try:
            if filetype.is_zip(kind):
                self._unpack(node, "zip", unzip(payload, self.budget))
            elif filetype.is_tnef(kind):
                self._unpack(node, "tnef", untnef(payload, self.budget))
            elif filetype.is_outlook_msg(kind):
                self._outlook(node, payload)
            elif filetype.is_message(kind) and node.declared_type != "text/plain":
                self._message_bytes(node, payload)
            elif node.declared_type in PKCS7_MIME_TYPES or (
                (node.filename or "").lower().endswith(".p7m")
                and kind == "application/octet-stream"
            ):
                self._signed_content(node, payload)
        except LimitExceeded as exc:
            node.error = str(exc)
        except _Stop:
            raise
        except Exception as exc:  # a reader's bug: this attachment only, not the whole walk
            node.error = f"cannot unpack: {type(exc).__name__}: {exc}"
            self.result.errors.append(f"{node.path}: {node.error}")

    def _check_depth(self, node: PartNode) -> bool:
        if node.depth + 1 > self.limits.max_depth:
            node.error = f"nested deeper than {self.limits.max_depth} (limits.max_nesting_depth)"
            self.result.errors.append(f"{node.path}: {node.error}")
            return False
        return True

    def _unpack(self, node: PartNode, container: str, members) -> None:
        if not self._check_depth(node):
            return
        for i, member in enumerate(members, 1):
            self._member(node, container, i, member)

    def _member(self, holder: PartNode, container: str, index: int, member: Member) -> None:
        if member.data is None and not member.name:  # a verdict about the whole container
            holder.error = member.error
            self.result.errors.append(f"{holder.path}: {member.error}")
            return
        name = _clean_name(member.name)
        path = f"{holder.path}/{container}:{name or index}"
        child = self._add(
            dict(
                parent=holder.ordinal,
                path=path,
                container=container,
                depth=holder.depth + 1,
                declared_type=member.declared_type,
                filename=name,
                payload=member.data,
                error=member.error,
                is_attachment=True,
            )
        )
        if member.error:
            self.result.errors.append(f"{path}: {member.error}")
        self._leaf(child, member.data)

    def _outlook(self, node: PartNode, payload: bytes) -> None:
        from archive.outlook_msg import msg_to_email

        if not self._check_depth(node):
            return
        try:
            msg = msg_to_email(payload)
        except Exception as exc:
            node.error = f"unreadable Outlook .msg: {exc}"
            return
        self.walk_message(msg, node.ordinal, f"{node.path}.0", node.depth + 1, top=False)

    def _signed_content(self, node: PartNode, payload: bytes) -> None:
        """S/MIME ``smime.p7m``: the signed MIME entity inside is walked like the message's
        own content when the whole message is signed, else like an attached message."""
        if not self._check_depth(node):
            return
        inner = BytesParser(policy=ARCHIVE_POLICY).parsebytes(unp7m(payload))
        self.walk_message(
            inner, node.ordinal, f"{node.path}.0", node.depth + 1, top=node.parent is None
        )

    def _message_bytes(self, node: PartNode, payload: bytes) -> None:
        if not self._check_depth(node):
            return
        try:
            msg = BytesParser(policy=ARCHIVE_POLICY).parsebytes(payload)
        except Exception as exc:
            node.error = f"unreadable attached message: {exc}"
            return
        self.walk_message(msg, node.ordinal, f"{node.path}.0", node.depth + 1, top=False)


def walk(msg: Message, limits: WalkLimits) -> WalkResult:
    """All parts of ``msg`` in document order, with payloads and detected types."""
    walker = Walker(limits)
    try:
        walker.walk_message(msg, None, "0", 0, top=True)
    except _Stop:
        pass
    except RecursionError:
        walker.result.errors.append("MIME structure too deep to walk")
    return walker.result


def child_path(parent: str, index: int) -> str:
    """IMAP-style part numbers: 1, 2, 2.1 …; a nested message's root is ``<holder>.0``."""
    if parent == "0":
        return str(index)
    if parent.endswith(".0"):
        return f"{parent[:-2]}.{index}"
    return f"{parent}.{index}"


def _block_bytes(block: object) -> bytes:
    if not isinstance(block, Message):
        return b""
    try:
        return block.as_bytes(policy=policy.compat32)
    except Exception:
        return b""


def _decode_payload(part: Message) -> bytes | None:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        raw = part.get_payload()
        payload = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else None
    return payload if isinstance(payload, bytes) else None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        return None
    if "=?" in name:  # RFC 2047 inside a parameter: wrong, but common
        with contextlib.suppress(Exception):
            name = str(email.header.make_header(email.header.decode_header(name)))
    return _clean_name(name)


def _clean_name(name: str | None) -> str | None:
    """A file name as people read it: NFC, no NULs, runs of white space as one space."""
    if not name:
        return None
    name = unicodedata.normalize("NFC", " ".join(name.replace("\x00", "").split()))
    return name or None


def _no_nul(text: str | None) -> str | None:
    """Header text as the database takes it (PostgreSQL refuses NUL characters)."""
    return text.replace("\x00", "") if text else text


def _safe(fn, default):
    try:
        return fn()
    except Exception:
        return default
