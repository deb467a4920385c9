"""Pure decisions of IMAP ingestion: which folders, which direction, which batches, which ref.

No I/O here, so every rule is tested without a server.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from urllib.parse import quote

from config.sections.imap import ImapAccount
from gateway.imap.client import Folder


def _norm(name: str) -> str:
    """NFC and case-folded: ``Thư đã gửi`` typed in NFD or upper case still matches."""
    return unicodedata.normalize("NFC", name).casefold()


def matches(name: str, patterns: Sequence[str]) -> bool:
    """Glob match on the name people read, case-insensitively (INBOX is INBOX in any case)."""
    target = _norm(name)
    return any(fnmatchcase(target, _norm(p)) for p in patterns)


def folder_direction(folder: Folder, account: ImapAccount) -> str:
    """Explicit mapping first, then the server's \\Sent mark, then sent-folder names."""
    display = _path_with_slashes(folder)
    for pattern, direction in account.folder_directions.items():
        if matches(display, [pattern]):
            return direction
    if "\\sent" in {f.lower() for f in folder.flags}:
        return "outbound"
    if matches(display, account.sent_folders):
        return "outbound"
    return account.default_direction


def _path_with_slashes(folder: Folder) -> str:
    """Patterns use "/" between levels whatever the server's delimiter is."""
    display = folder.display
    if folder.delimiter and folder.delimiter != "/":
        display = display.replace(folder.delimiter, "/")
    return display


@dataclass(frozen=True)
class PlannedFolder:
    folder: Folder
    direction: str

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def display(self) -> str:
        return self.folder.display


def select_folders(folders: Sequence[Folder], account: ImapAccount) -> list[PlannedFolder]:
    """The selectable folders the account's include/exclude patterns keep, INBOX first."""
    chosen = []
    for folder in folders:
        display = _path_with_slashes(folder)
        if not folder.selectable:
            continue
        if not matches(display, account.folders_include):
            continue
        if matches(display, account.folders_exclude):
            continue
        chosen.append(PlannedFolder(folder, folder_direction(folder, account)))
    chosen.sort(key=lambda p: (p.display.upper() != "INBOX", p.display))
    return chosen


def plan_batches(
    uid_sizes: Sequence[tuple[int, int]], max_count: int, max_bytes: int
) -> list[list[int]]:
    """Split (UID, size) pairs into UID FETCH batches of at most ``max_count`` messages and
    about ``max_bytes`` (a single bigger message gets a batch of its own)."""
    batches: list[list[int]] = []
    current: list[int] = []
    size = 0
    for uid, nbytes in uid_sizes:
        if current and (len(current) >= max_count or size + nbytes > max_bytes):
            batches.append(current)
            current, size = [], 0
        current.append(uid)
        size += nbytes
    if current:
        batches.append(current)
    return batches


def needs_rescan(known_uidvalidity: int | None, server_uidvalidity: int) -> bool:
    """A different UIDVALIDITY means every UID we remember now names something else."""
    return known_uidvalidity is not None and known_uidvalidity != server_uidvalidity


RETRY_AFTER_SECONDS = 60
MAX_SKIP_ATTEMPTS = 10


def retry_due(attempts: int, last_at: datetime, now: datetime) -> bool:
    """Whether a skipped message is due for another fetch: 1, 2, 4 … minutes after the last
    failure, ten attempts in all (about 17 hours), so a passing fault (a file locked, a
    server restarting) costs minutes and a lasting one stops asking."""
    if attempts >= MAX_SKIP_ATTEMPTS:
        return False
    wait = RETRY_AFTER_SECONDS * 2 ** max(attempts - 1, 0)
    return (now - last_at).total_seconds() >= wait


def sighting_ref(account: str, folder: Folder | str, uidvalidity: int, uid: int) -> str:
    """``imap://ACCOUNT/FOLDER;UIDVALIDITY=v;UID=n`` (folder percent-encoded, RFC 5092)."""
    display = folder.display if isinstance(folder, Folder) else folder
    where = f"{quote(account, safe='')}/{quote(display, safe='/')}"
    return f"imap://{where};UIDVALIDITY={uidvalidity};UID={uid}"


def lag(last_uid: int, server_uidnext: int | None) -> int | None:
    """Messages the server has that we have not looked at (UIDNEXT-1 minus our last UID)."""
    if server_uidnext is None:
        return None
    return max(0, server_uidnext - 1 - last_uid)
