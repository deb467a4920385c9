"""Domain lists: which domains are free mail providers, abroad or at home.

Two list formats are read: SpamAssassin's ``freemail_domains`` lines (wildcards: ``*`` is any
run of characters inside one label part, ``?`` one character, as in SpamAssassin's
FreeMail plugin) and plain files with one domain a line. Matching is a set lookup plus one
compiled pattern for the wildcards, so a decision stays far below a millisecond.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "config" / "data"
CORE_FREE_FOREIGN = DATA_DIR / "free_foreign.txt"
CORE_FREE_DOMESTIC = DATA_DIR / "free_domestic.txt"


class ListFileError(ValueError):
    """A list file cannot be read; carries the path and the line."""

    def __init__(self, path: Path, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def normalise_domain(domain: str) -> str:
    """Lower case, no trailing dot, IDN as A-labels (xn--), so lists and mail compare equal."""
    domain = domain.strip().rstrip(".").lower()
    if domain.isascii():
        return domain
    try:
        # after IDNA: a full-width or ideographic full stop ("。") is a dot there too
        return domain.encode("idna").decode("ascii").rstrip(".")
    except UnicodeError:
        return domain


@dataclass
class DomainList:
    """Exact names and wildcard patterns; ``in`` answers whether a domain is listed."""

    exact: set[str] = field(default_factory=set)
    wildcards: list[str] = field(default_factory=list)
    _pattern: re.Pattern[str] | None = None

    def add(self, entry: str) -> None:
        entry = normalise_domain(entry.lstrip("@"))
        if not entry:
            return
        if "*" in entry or "?" in entry:
            self.wildcards.append(entry)
            self._pattern = None
        else:
            self.exact.add(entry)

    def extend(self, entries: Iterable[str]) -> None:
        for entry in entries:
            self.add(entry)

    def __contains__(self, domain: str) -> bool:
        if domain in self.exact:
            return True
        if not self.wildcards:
            return False
        if self._pattern is None:
            self._pattern = _compile(self.wildcards)
        return self._pattern.fullmatch(domain) is not None

    def __len__(self) -> int:
        return len(self.exact) + len(self.wildcards)


def _compile(wildcards: list[str]) -> re.Pattern[str]:
    parts = []
    for item in wildcards:
        escaped = re.escape(item).replace(r"\*", "[^.]*").replace(r"\?", ".")
        parts.append(escaped)
    return re.compile("|".join(f"(?:{p})" for p in parts))


def read_list_file(path: Path) -> list[str]:
    """Entries of a SpamAssassin ``freemail_domains`` file or a one-domain-a-line file."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ListFileError(path, f"cannot read: {exc.strerror or exc}") from None
    entries: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] == "freemail_domains":
            entries.extend(words[1:])
        elif words[0] in ("ifplugin", "endif", "if", "else") or "_" in words[0]:
            continue  # other SpamAssassin directives (freemail_whitelist, …)
        elif len(words) == 1 and _looks_like_domain(words[0]):
            entries.append(words[0])
        else:
            raise ListFileError(path, f"line {number}: not a domain: {raw.strip()[:80]!r}")
    return entries


def _looks_like_domain(word: str) -> bool:
    word = word.lstrip("@")
    return "." in word and not any(ch in word for ch in "/:;,\"'<>()[]\\")


def load_list(paths: Iterable[Path], extra: Iterable[str] = ()) -> DomainList:
    result = DomainList()
    for path in paths:
        result.extend(read_list_file(path))
    result.extend(extra)
    return result


def under_suffix(domain: str, suffixes: Iterable[str]) -> bool:
    """``a.b.gov.vn`` is under ``gov.vn``; so is ``gov.vn`` itself."""
    return any(domain == s or domain.endswith("." + s) for s in suffixes)
