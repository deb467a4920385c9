"""Official-document metadata (thể thức, Decree 30/2020/NĐ-CP) read from document text.

A pure function over text: every field may be absent and none is invented. The rules are
tables an admin can read (``metadata_rules.py``); this module only walks the lines.

The text is NFC-normalised and cut into lines; each line also exists *folded* (no marks,
đ → d, lower case, same length), so keywords are matched on the folded line and values
are cut from the original at the same offsets. Two-column headers that a PDF gives side by
side on one line are handled by removing the parts we recognise (Quốc hiệu, place and
date, số) from a line before reading what is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from archive.documents import metadata_rules as rules
from archive.documents.normalise import clean_unicode


@dataclass(frozen=True)
class Citation:
    """A document the text cites ("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 …")."""

    number: str | None  # "30"
    notation: str | None  # "2020/NĐ-CP" (year kept in the notation as written)
    doc_type: str | None  # "Nghị định"
    issued_date: date | None
    title: str | None = None  # name of a law cited without number ("Tổ chức chính quyền …")


@dataclass(frozen=True)
class DocumentMetadata:
    number: str | None = None  # số, "5985"
    notation: str | None = None  # ký hiệu, "UBND-KTN" or "2018/QĐ-TTg"
    issued_date: date | None = None
    place: str | None = None  # "Ninh Thuận"
    doc_type: str | None = None  # "Công văn", "Quyết định", …
    issuer: str | None = None  # tên cơ quan ban hành
    subject: str | None = None  # trích yếu (for công văn: the text after "V/v")
    signer_name: str | None = None
    signer_title: str | None = None
    cites: tuple[Citation, ...] = field(default_factory=tuple)
    source: str | None = None  # "text" | "subject" | None when nothing was found
    issuer_parent: str | None = None  # tên cơ quan chủ quản, the header line above the issuer
    signer_authority: str | None = None  # "KT", "TM", "TL", "TUQ", "Q" (Decree 30 Art. 13)

    @property
    def empty(self) -> bool:
        return self.source is None


MAX_TEXT = 400_000  # characters read; a document's metadata is in its first pages and end
HEADER_LINES = 40  # the header (số, place, date, title) is within the first lines
HEADER_LINE_CHARS = 500  # a header field sits within this much of its line's start
TITLE_CHARS = 80  # the longest type title ("NGHỊ QUYẾT LIÊN TỊCH", …) with room to spare
SUBJECT_MAX = 500  # Appendix VI: Subject String(500)

# Any run of spaces becomes one plain space (a lone plain space is not matched: same result).
_SPACES = re.compile(
    r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]"
)
_NEWLINES = re.compile(r"\r\n?|[\f\v\u2028\u2029\x85]")
_ODD_SPACE = re.compile("[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_ODD_NEWLINE = re.compile("[\r\f\v\u2028\u2029\x85]")
_ANY_SPACE = re.compile(r"\s+")
_GROUP_SEPARATOR = re.compile(r"[-/]")
_YEAR = re.compile(r"(?:19|20)\d\d")


def read_metadata(text: str | None, subject: str | None = None) -> DocumentMetadata:
    """Read the metadata from a document's text, else from the e-mail subject.

    The text counts when it yields a số/ký hiệu or a document type; only then are its
    other fields reported. Otherwise the subject is read (it needs a number with a type
    name, a type abbreviation, "số" or "V/v" beside it); else nothing.

    The type comes from the title line ("QUYẾT ĐỊNH"); else "Công văn" when there is a
    "V/v" line (only a công văn has one, and some issuers' own abbreviations look like a
    type: Cục Thuế writes "CT-TTHT"); else from the ký hiệu ("QĐ-UBND" → Quyết định).
    """
    if text:
        found = _read_text(_Lines.of(text[:MAX_TEXT]))
        if found is not None:
            return found
    if subject:
        found = _read_subject(subject)
        if found is not None:
            return found
    return DocumentMetadata()


# --------------------------------------------------------------------------------------
# Lines


@dataclass(frozen=True)
class _Lines:
    raw: tuple[str, ...]  # NFC, spaces collapsed, stripped
    folded: tuple[str, ...]  # rules.fold of raw (same offsets)

    @classmethod
    def of(cls, text: str) -> _Lines:
        text = clean_unicode(text)
        if _ODD_NEWLINE.search(text):
            text = _NEWLINES.sub("\n", text)
        if "  " in text or _ODD_SPACE.search(text):  # a search is 5x cheaper than a sub
            text = _SPACES.sub(" ", text)
        raw, folded = [], []
        for line in text.split("\n"):
            line = line.strip(" |¦")
            fold = rules.fold(line)
            if not rules.SIGNATURE_STAMP_RE.match(fold):
                raw.append(line)
                folded.append(fold)
        return cls(tuple(raw), tuple(folded))

    def __len__(self) -> int:
        return len(self.raw)


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def _is_separator(text: str) -> bool:
    return bool(rules.SEPARATOR_RE.match(text))


def _starts_body(raw: str, folded: str) -> bool:
    """A body paragraph ("Căn cứ …") starts with a capital; "thực hiện …" continues a line."""
    return raw[:1].isupper() and rules.BODY_MARKER_RE.match(folded) is not None


def _header_end(lines: _Lines) -> int:
    """Index of the first body line (Căn cứ, Kính gửi, …), at most HEADER_LINES."""
    limit = min(len(lines), HEADER_LINES)
    for i in range(limit):
        if _starts_body(lines.raw[i], lines.folded[i]):
            return i
    return limit


# --------------------------------------------------------------------------------------
# Reading a document


@dataclass
class _Header:
    number_at: int | None = None  # line index of "Số:"
    number_span: tuple[int, int] = (0, 0)
    number_wrap: int = 0  # characters of the next line that end the số/ký hiệu (wrapped)
    number: str | None = None
    notation: str | None = None
    date_at: int | None = None
    place_span: tuple[int, int] = (0, 0)  # place and date on line date_at
    place: str | None = None
    issued: date | None = None
    title_at: int | None = None
    title_rest: str = ""  # trích yếu written on the title line
    doc_type: str | None = None
    vv_at: int | None = None  # line index of "V/v"
    vv_text: str = ""


def _read_text(lines: _Lines) -> DocumentMetadata | None:
    header = _read_header(lines)
    notation_type = _type_of_notation(header.notation)
    if header.doc_type is None and header.vv_at is not None:
        doc_type = "Công văn"  # Decree 30: only a công văn carries "V/v"
    else:
        doc_type = header.doc_type or notation_type
    if header.notation is None and doc_type is None:
        return None
    issuer, parent = _read_issuer(lines, header)
    title, authority, name = _read_signer(lines, _signer_search_start(header))
    own = (header.number, header.notation)
    cites = tuple(c for c in _read_cites(lines) if (c.number, c.notation) != own)
    return DocumentMetadata(
        number=header.number,
        notation=header.notation,
        issued_date=header.issued,
        place=header.place,
        doc_type=doc_type,
        issuer=issuer,
        subject=_read_subject_line(lines, header),
        signer_name=name,
        signer_title=title,
        cites=cites,
        source="text",
        issuer_parent=parent,
        signer_authority=authority,
    )


def _signer_search_start(header: _Header) -> int:
    """The signature block comes after every part of the header."""
    anchors = (_number_end(header), header.date_at, header.title_at, header.vv_at)
    return max((a for a in anchors if a is not None), default=-1) + 1


def _read_header(lines: _Lines) -> _Header:
    header = _Header()
    end = _header_end(lines)
    for i in range(end):
        if header.number_at is None:
            _find_number(lines, i, header)
        if header.date_at is None:
            _find_place_date(lines, i, header)
    for i in range(min(len(lines), HEADER_LINES + 20)):
        if _find_title(lines, i, header):
            break
    if header.title_at is None:
        for i in range(end):
            if _find_vv(lines, i, header):
                break
    below = _number_end(header)
    below = below + 1 if below is not None else None
    if header.title_at is None and header.vv_at is None and below and below < len(lines):
        old = rules.OLD_SUBJECT_LABEL_RE.match(lines.folded[below])
        if old:  # công văn before Decree 30 sometimes wrote "Về việc" under the số
            header.vv_at = below
            header.vv_text = _strip_header_parts(lines, below, header, old.end())
    return header


def _find_number(lines: _Lines, i: int, header: _Header) -> None:
    raw, folded = lines.raw[i], lines.folded[i]
    starts = []
    label = rules.NUMBER_LABEL_RE.match(folded)
    if label and raw[:1].isupper():
        starts.append(label)
    starts.extend(
        m for m in rules.NUMBER_LABEL_INSIDE_RE.finditer(folded) if raw[m.start()] == "S"
    )  # "… TỈNH NINH THUẬN Số: 12/…" when columns merged: the colon is required
    for start in starts:
        found = rules.NUMBER_RE.match(raw, start.end())
        wrap = 0
        if i + 1 < len(lines) and (found is None or raw[found.end() :].strip() in ("-", "–")):
            # the value on the next line, whole or in part, as PDF text layers give a
            # narrow header column or a number stamped by the system: "Số:" / "15/BC-STTTT",
            # "Số: 15/BC-" / "STTTT"; the rest of the "Số" line must belong to it
            joined = f"{raw} {lines.raw[i + 1]}"
            longer = rules.NUMBER_RE.match(joined, start.end() + (joined[start.end()] == " "))
            if longer is not None and longer.end() > len(raw) + 1:
                found, wrap = longer, longer.end() - len(raw) - 1
        if found is None or rules.CITATION_TAIL_RE.match(
            lines.folded[i + 1] if wrap else folded, wrap or found.end()
        ):
            continue
        number = found.group("pnum") or found.group("num")
        notation = found.group("pnotation") or found.group("notation")
        header.number_at, header.number_wrap = i, wrap
        header.number_span = (start.start(), len(raw) if wrap else found.end())
        header.number = number
        header.notation = _clean_notation(notation)
        return


def _number_end(header: _Header) -> int | None:
    """The last line of the số/ký hiệu."""
    if header.number_at is None:
        return None
    return header.number_at + (1 if header.number_wrap else 0)


def _clean_notation(notation: str) -> str:
    return _ANY_SPACE.sub("", notation).replace("–", "-")


def _find_place_date(lines: _Lines, i: int, header: _Header) -> None:
    raw, folded = lines.raw[i], lines.folded[i]
    # a text without line breaks is one long line: its header is at the start
    for m in rules.PLACE_DATE_RE.finditer(folded, 0, HEADER_LINE_CHARS):
        text = m.group(0)
        if "ngay" not in text and not text.startswith(","):
            continue
        cut = header.number_span[1] if header.number_at == i else 0
        if header.number_wrap and header.number_at == i - 1:
            cut = header.number_wrap
        cut += _after_national_header(folded[cut : m.start()])
        place, place_start = _trailing_place(raw[cut : m.start()])
        if place is None and raw[cut : m.start()].strip():
            continue  # a date inside a sentence ("… kèm theo Quyết định … ngày 31/10/2016")
        if place is None and "ngay" not in text:
            continue  # a bare "d/m/yyyy" counts only after a place
        header.date_at = i
        header.place = place
        header.issued = _date_of(m)
        header.place_span = (cut + place_start, m.end())
        return


def _after_national_header(folded: str) -> int:
    end = 0
    for m in rules.NATIONAL_HEADER_RE.finditer(folded):
        end = m.end()
    return end


def _trailing_place(text: str) -> tuple[str | None, int]:
    """The capitalised words at the end of ``text`` ("… Ninh Thuận") and where they start."""
    words = text.rstrip(" ,").split(" ")
    taken: list[str] = []
    for word in reversed(words):
        if not word or len(taken) >= 6:
            break
        capital = word[0].isupper() and not any(ch.isdigit() or ch in ":/" for ch in word)
        if not (capital or word in rules.PLACE_CONNECTORS):
            break
        taken.append(word)
    while taken and not taken[-1][0].isupper():
        taken.pop()  # the place starts with a capital
    if not taken:
        return None, len(text)
    place = " ".join(reversed(taken))
    return place, text.rstrip(" ,").rfind(place)


def _date_of(m: re.Match[str]) -> date | None:
    groups = m.groupdict()
    if groups.get("d"):
        d, mo, y = groups["d"], groups["m"], groups["y"]
    elif groups.get("nd"):
        d, mo, y = groups["nd"], groups["nm"], groups["ny"]
    else:
        return None
    return _valid_date(int(y), int(mo), int(d))


def _valid_date(year: int, month: int, day: int) -> date | None:
    low, high = rules.YEAR_RANGE
    if not low <= year <= high:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None  # 31/02 and the like


def title_type(text: str) -> str | None:
    """The document type a title line names ("QUYẾT ĐỊNH" → Quyết định), else None."""
    if len(text) > TITLE_CHARS:
        return None
    return rules.TYPE_BY_TITLE_KEY.get(rules.fold_key(text))


def _find_title(lines: _Lines, i: int, header: _Header) -> bool:
    raw, folded = lines.raw[i], lines.folded[i]
    if not raw or raw.endswith(":") or not raw[0].isupper():
        return False
    doc_type = title_type(raw)
    rest = ""
    if doc_type is None:  # "QUYẾT ĐỊNH Về việc …" on one line
        m = rules.TITLE_THEN_SUBJECT_RE.match(folded)
        if m is None:
            return False
        doc_type = title_type(raw[: m.end(1)])
        rest = raw[m.end() :]
        raw = raw[: m.end(1)]
    if doc_type is None or not _is_upper(raw):
        return False
    header.title_at, header.doc_type, header.title_rest = i, doc_type, rest
    return True


def _find_vv(lines: _Lines, i: int, header: _Header) -> bool:
    m = rules.SUBJECT_LABEL_RE.search(lines.folded[i])
    if m is None:
        return False
    header.vv_at = i
    header.vv_text = _strip_header_parts(lines, i, header, m.end())
    return True


def _strip_header_parts(lines: _Lines, i: int, header: _Header, start: int = 0) -> str:
    """Line ``i`` from ``start`` without Quốc hiệu, place and date, or the số."""
    raw = lines.raw[i]
    cut = [(header.number_span, header.number_at), (header.place_span, header.date_at)]
    if header.number_wrap:
        cut.append(((0, header.number_wrap), _number_end(header)))
    keep = list(raw)
    for (a, b), at in cut:
        if at == i:
            keep[a:b] = [""] * (b - a)
    for m in rules.NATIONAL_HEADER_RE.finditer(lines.folded[i]):
        keep[m.start() : m.end()] = [""] * (m.end() - m.start())
    return _SPACES.sub(" ", "".join(keep[start:])).strip(" -–")


# --------------------------------------------------------------------------------------
# Trích yếu


def _read_subject_line(lines: _Lines, header: _Header) -> str | None:
    if header.title_at is not None:
        i, first = header.title_at, header.title_rest.strip()
        if not first:
            i, first = _first_after_title(lines, header.title_at)
            if first is None:
                return None
    elif header.vv_at is not None:
        i, first = header.vv_at, header.vv_text
        if not first:
            return None
    else:
        return None
    parts = [first, *_continuation(lines, i, header, upper=_is_upper(first))]
    text = " ".join(parts).strip(" .;,")
    return text[:SUBJECT_MAX] or None


def _first_after_title(lines: _Lines, t: int) -> tuple[int, str | None]:
    for i in range(t + 1, min(len(lines), t + 4)):
        raw, folded = lines.raw[i], lines.folded[i]
        if not raw:
            continue
        if _is_separator(raw) or (_starts_body(raw, folded) and i > t + 1):
            return i, None
        if _is_upper(raw) and rules.AUTHORITY_LINE_RE.match(folded):
            return i, None
        return i, raw
    return t, None


def _continuation(lines: _Lines, i: int, header: _Header, upper: bool) -> list[str]:
    """Lines after ``i`` that continue a trích yếu (a wrapped centred line)."""
    parts: list[str] = []
    previous = lines.raw[i]
    for j in range(i + 1, min(len(lines), i + 6)):
        folded = lines.folded[j]
        text = _strip_header_parts(lines, j, header)
        numbered = (header.number_at, _number_end(header))
        if not text or _is_separator(text) or j in (*numbered, header.title_at):
            break
        if _starts_body(text, rules.fold(text)) or rules.NUMBER_LABEL_RE.match(folded[:4]):
            break
        if title_type(text) or rules.SUBJECT_LABEL_RE.match(rules.fold(text)):
            break
        if rules.BODY_ITEM_RE.match(text) or text.endswith(":"):
            break  # a list or a heading of the body, or the line that introduces one
        if upper:
            if not _is_upper(text) or rules.AUTHORITY_LINE_RE.match(rules.fold(text)):
                break
        elif _is_upper(text):
            break
        elif text[0].isupper() and (
            len(text) > 80
            or previous.rstrip().endswith((".", ";", ":"))
            or rules.BODY_OPENING_RE.match(rules.fold(text))
        ):
            break  # a paragraph of the body
        parts.append(text)
        previous = text
    return parts


# --------------------------------------------------------------------------------------
# Issuing agency


def _read_issuer(lines: _Lines, header: _Header) -> tuple[str | None, str | None]:
    # The agency sits above the số; without one, above the title (or the date).
    anchors = [a for a in (header.number_at, header.title_at, header.date_at) if a is not None]
    if not anchors:
        return None, None
    anchor = anchors[0]
    collected: list[str] = []
    if header.number_at == anchor:  # agency on the same line before "Số:" (merged OCR)
        head = lines.raw[anchor][: header.number_span[0]]
        head = _strip_national_header(head)
        if _is_upper(head):
            collected.append(head)
    for i in range(anchor - 1, -1, -1):
        text = _strip_header_parts(lines, i, header)
        if not text or _is_separator(text):
            continue
        folded = rules.fold(text)
        if rules.HEADER_MARK_RE.match(folded) or i in (header.title_at, header.vv_at):
            continue
        if not _is_upper(text) or len(collected) >= 4:
            break
        collected.append(text)
    return _split_agencies(list(reversed(collected)))


def _strip_national_header(text: str) -> str:
    keep = list(text)
    for m in rules.NATIONAL_HEADER_RE.finditer(rules.fold(text)):
        keep[m.start() : m.end()] = [""] * (m.end() - m.start())
    return _SPACES.sub(" ", "".join(keep)).strip(" -–")


def _split_agencies(lines: list[str]) -> tuple[str | None, str | None]:
    """Header lines → (issuer, parent): a line not starting with an agency word continues."""
    agencies: list[str] = []
    for line in lines:
        line = line.strip(" -–*")
        if not line:
            continue
        if agencies and not rules.AGENCY_HEAD_RE.match(rules.fold(line)):
            agencies[-1] = f"{agencies[-1]} {line}"
        else:
            agencies.append(line)
    if not agencies:
        return None, None
    parent = " ".join(agencies[:-1]) or None
    return agencies[-1], parent


# --------------------------------------------------------------------------------------
# Signature block


def _read_signer(lines: _Lines, start: int) -> tuple[str | None, str | None, str | None]:
    """(title, authority, name) of the first complete signature block after ``start``."""
    i = start
    while i < len(lines):
        block = _title_block(lines, i)
        if block is None:
            i += 1
            continue
        titles, authority, after = block
        name = _name_after(lines, after)
        if name is not None or authority is not None:
            return ", ".join(titles), authority, name
        i += 1
    return None, None, None


def _title_start(raw: str, folded: str) -> tuple[int, str | None] | None:
    """Where a signer title starts in a line, and its authority prefix if any."""
    for pattern, inside in ((rules.SIGNER_PREFIX_AT_START_RE, False),
                            (rules.SIGNER_PREFIX_INSIDE_RE, True)):  # fmt: skip
        m = pattern.search(folded) if inside else pattern.match(folded)
        if m and _is_upper(raw[m.end() :]) and (not inside or _recipient_line(folded)):
            return m.start(), next(k for k, v in m.groupdict().items() if v)
    if rules.SIGNER_TITLE_RE.match(folded) and _is_upper(raw):
        return 0, None
    if _recipient_line(folded):
        m = rules.SIGNER_TITLE_INSIDE_RE.search(folded)
        if m and _is_upper(raw[m.start() :]):
            return m.start(), None
    return None


def _recipient_line(folded: str) -> bool:
    return bool(rules.RECIPIENT_LINE_RE.match(folded))


def _title_block(lines: _Lines, i: int) -> tuple[list[str], str | None, int] | None:
    found = _title_start(lines.raw[i], lines.folded[i])
    if found is None:
        return None
    at, authority = found
    titles = [lines.raw[i][at:].strip()]
    j = i + 1
    while j < len(lines) and len(titles) < 5:
        raw, folded = lines.raw[j], lines.folded[j]
        nxt = _title_start(raw, folded)
        if nxt is not None:
            titles.append(raw[nxt[0] :].strip())
            authority = nxt[1] or authority  # the prefix nearest the name is the signer's
        elif raw and _is_upper(raw) and not _recipient_line(folded) and len(raw) < 60:
            if _looks_like_name(raw) is not None:
                break
            titles[-1] = f"{titles[-1]} {raw}"  # "KT. GIÁM ĐỐC SỞ THÔNG TIN" / "VÀ TRUYỀN THÔNG"
        else:
            break
        j += 1
    return titles, authority, j


def _name_after(lines: _Lines, j: int) -> str | None:
    for k in range(j, min(len(lines), j + 10)):
        raw, folded = lines.raw[k], lines.folded[k]
        if not raw or _is_separator(raw) or rules.PLACEHOLDER_RE.match(folded):
            continue
        if _recipient_line(folded):
            tail = _trailing_name(raw)
            if tail is not None:
                return tail
            continue
        name = _looks_like_name(raw)
        if name is not None:
            return name
        if sum(ch.isalpha() for ch in raw) <= 3:
            continue  # OCR of the seal or the signature
        return None
    return None


def _looks_like_name(raw: str) -> str | None:
    text = raw.strip(" .")
    folded = rules.fold(text)
    rank = rules.RANK_RE.match(folded)
    if rank:
        text, folded = text[rank.end() :], folded[rank.end() :]
    words = text.split(" ")
    if not 2 <= len(words) <= 6 or not all(w.isalpha() and w[0].isupper() for w in words):
        return None
    family_known = folded.split(" ")[0] in rules.FAMILY_NAMES
    if all(w.isupper() for w in words):  # only with a known family name, never an agency
        office = rules.AGENCY_HEAD_RE.match(folded) or rules.AUTHORITY_LINE_RE.match(folded)
        return text.title() if family_known and not office else None
    if all(w[1:].islower() or len(w) == 1 for w in words):
        return text
    return None


def _trailing_name(raw: str) -> str | None:
    """A name at the end of a recipients line ("- Lưu: VT, KTN. Nguyễn Văn A")."""
    words = raw.split(" ")
    for n in range(min(6, len(words) - 1), 1, -1):
        candidate = " ".join(words[-n:])
        name = _looks_like_name(candidate)
        if name and rules.fold(name).split(" ")[0] in rules.FAMILY_NAMES:
            return name
    return None


# --------------------------------------------------------------------------------------
# Citations


def _read_cites(lines: _Lines) -> list[Citation]:
    raw, folded = "\n".join(lines.raw), "\n".join(lines.folded)
    cites: list[Citation] = []
    seen: set[tuple] = set()
    for m in rules.CITED_TYPE_RE.finditer(folded):
        cite = _cite_at(raw, folded, m)
        if cite is not None:
            key = (cite.number, cite.notation, cite.doc_type, cite.title, cite.issued_date)
            if key not in seen:
                seen.add(key)
                cites.append(cite)
    return cites


def _cite_at(raw: str, folded: str, m: re.Match[str]) -> Citation | None:
    doc_type = _type_named(m.group(0))
    named = doc_type in rules.NAMED_TYPES
    if named and not raw[m.start()].isupper():
        return None  # "pháp luật", "văn bản quy phạm pháp luật"
    pos, title = m.end(), None
    if named:
        title, pos = _law_title(raw, folded, pos)
    label = rules.CITED_NUMBER_LABEL_RE.match(folded, pos)
    number = rules.NUMBER_WITH_DIGITS_RE.match(raw, label.end()) if label else None
    num = notation = None
    if number is not None:
        num = number.group("pnum") or number.group("num2")
        notation = _clean_notation(number.group("pnotation") or number.group("notation2"))
        pos = number.end()
    elif not named:
        return None
    when = rules.DATE_AFTER_RE.match(folded, pos)
    issued = _date_of(when) if when else None
    if num is None and issued is None:
        return None
    if doc_type is None:
        doc_type = _type_of_notation(notation)
    return Citation(num, notation, doc_type, issued, title)


def _law_title(raw: str, folded: str, pos: int) -> tuple[str | None, int]:
    """The name after "Luật" up to "số"/"ngày"/punctuation/another law; ≤ 14 words."""
    m = rules.LAW_TITLE_RE.match(folded, pos)
    if m is None:
        return None, pos
    words = raw[m.start(1) : m.end(1)].split(" ")
    kept: list[str] = []
    for word in words:
        if kept and rules.fold(word) in ("luat",) and word[0].isupper():
            return None, pos  # "Luật A và Luật B …": cite the last one
        if word:
            kept.append(word)
    if not kept:
        return None, pos
    return " ".join(kept), m.end(1)


def _type_named(folded_name: str) -> str | None:
    return rules.TYPE_BY_FOLDED_NAME.get(_ANY_SPACE.sub(" ", folded_name))


def _type_of_notation(notation: str | None) -> str | None:
    """The type from the ký hiệu's first group: QĐ-UBND → Quyết định; NQ/TU → Nghị quyết."""
    if not notation:
        return None
    groups = _GROUP_SEPARATOR.split(notation)
    if groups and _YEAR.fullmatch(groups[0]):
        groups = groups[1:]
    return rules.TYPE_BY_ABBREVIATION.get(groups[0].upper()) if groups else None


# --------------------------------------------------------------------------------------
# E-mail subject


def _read_subject(subject: str) -> DocumentMetadata | None:
    raw = _SPACES.sub(" ", clean_unicode(subject).replace("\n", " ")).strip()
    folded = rules.fold(raw)
    for found in rules.NUMBER_WITH_DIGITS_RE.finditer(raw):
        number = found.group("pnum") or found.group("num2")
        notation = _clean_notation(found.group("pnotation") or found.group("notation2"))
        doc_type, type_at = _subject_type(raw[: found.start()], folded[: found.start()])
        vv = rules.SUBJECT_LINE_LABEL_RE.search(folded, found.end())
        vv_before = rules.SUBJECT_LINE_LABEL_RE.search(folded, 0, found.start())
        labelled = rules.SUBJECT_NUMBER_LABEL_RE.search(folded[: found.start()]) is not None
        doc_type = doc_type or _type_of_notation(notation)
        doc_type = doc_type or ("Công văn" if vv or vv_before else None)
        if doc_type is None and not labelled:
            continue  # "Đơn hàng 123/ABC-XY": nothing says it is a document
        when = rules.DATE_AFTER_RE.match(folded, found.end())
        if vv is None and vv_before is not None:  # "V/v … (Công văn 123/SNV-VP)"
            end = type_at if type_at > vv_before.end() else found.start()
            text = raw[vv_before.end() : end]
            if end == found.start():
                label = rules.SUBJECT_NUMBER_LABEL_RE.search(rules.fold(text))
                text = text[: label.start()] if label else text
            text = text.strip(" -:–.;,([")
        else:
            text = _subject_text(raw, folded, when.end() if when else found.end(), vv)
        return DocumentMetadata(
            number=number,
            notation=notation,
            issued_date=_date_of(when) if when else None,
            doc_type=doc_type,
            subject=text[:SUBJECT_MAX] or None,
            source="subject",
        )
    return None


def _subject_type(before_raw: str, before: str) -> tuple[str | None, int]:
    """The type named nearest before the number, and where its name starts."""
    found: list[tuple[int, str | None]] = [
        (m.start(), _type_named(m.group(0))) for m in rules.SUBJECT_TYPE_RE.finditer(before)
    ]
    found += [
        (m.start(), rules.TYPE_BY_ABBREVIATION.get(m.group(0).upper()))
        for m in rules.SUBJECT_ABBREVIATION_RE.finditer(before_raw)
    ]
    if not found:
        return None, len(before)
    at, doc_type = max(found)
    return doc_type, at


def _subject_text(raw: str, folded: str, end: int, vv: re.Match[str] | None) -> str:
    """The trích yếu after "V/v"/"về việc", after "[CV 12/…]", or a "về …" after the number."""
    if vv is not None:
        text = raw[vv.end() :]
    else:
        bracket = raw.find("]", end)
        rest = raw[bracket + 1 :] if bracket >= 0 else raw[end:]
        about = rules.SUBJECT_ABOUT_RE.match(rules.fold(rest))
        text = rest if bracket >= 0 or about else ""
    return text.strip(" -:–.;,")
