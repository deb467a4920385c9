"""The rules that read official-document metadata (Decree 30/2020/NĐ-CP), as tables.

An admin changes what the parser recognises here, not in the parser. Words are compared
*folded*: no diacritics, đ → d, lower case (``fold_key``), so "Quyết định", "QUYẾT ĐỊNH",
"Quyet dinh" (OCR that lost the marks) and old/new tone placement ("hoà"/"hòa",
"uỷ"/"ủy") are one key. Abbreviations in a ký hiệu are compared in upper case and keep
Đ, because "HĐ" (hợp đồng) and "HD" (hướng dẫn) are different types.

Patterns marked *folded* run on the folded text; the others run on the NFC text.
Sources: Decree 30/2020 Art. 7-8, Appendix I and III (reference/vn-edoc.md §1).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class DocType:
    name: str  # the name we report, as Decree 30 writes it
    abbreviations: tuple[str, ...] = ()  # first group of the ký hiệu ("QĐ" in 15/QĐ-BNV)
    named: bool = False  # cited by name without a number ("Luật Tổ chức … ngày …")


# fmt: off
DOC_TYPES: tuple[DocType, ...] = (
    # Legal-normative documents (Law on promulgation of legal documents)
    DocType("Hiến pháp", named=True),
    DocType("Bộ luật", named=True),
    DocType("Luật", named=True),
    DocType("Pháp lệnh", named=True),
    DocType("Nghị định", ("NĐ", "ND")),               # ND: Đ read as D by OCR
    DocType("Thông tư liên tịch", ("TTLT",)),
    DocType("Thông tư", ("TT",)),
    DocType("Nghị quyết liên tịch", ("NQLT",)),
    # Administrative documents, Decree 30 Art. 7 and Appendix III
    DocType("Nghị quyết", ("NQ",)),
    DocType("Quyết định", ("QĐ", "QD")),              # QD: Đ read as D by OCR
    DocType("Chỉ thị", ("CT",)),
    DocType("Quy chế", ("QC",)),
    DocType("Quy định", ("QYĐ", "QĐI")),               # "QyĐ"; party "01-QĐi/TW"
    DocType("Thông cáo", ("TC",)),
    DocType("Thông báo", ("TB",)),
    DocType("Hướng dẫn", ("HD",)),
    DocType("Chương trình", ("CTR",)),                 # "CTr"
    DocType("Kế hoạch", ("KH",)),
    DocType("Phương án", ("PA",)),
    DocType("Đề án", ("ĐA",)),
    DocType("Dự án", ("DA",)),
    DocType("Báo cáo", ("BC",)),
    DocType("Biên bản", ("BB",)),
    DocType("Tờ trình", ("TTR",)),                     # "TTr"
    DocType("Hợp đồng", ("HĐ",)),
    DocType("Công văn", ("CV",)),                      # no official abbreviation; "CV" in party
                                                       # documents (123-CV/TU) and in subjects
    DocType("Công điện", ("CĐ",)),
    DocType("Bản ghi nhớ", ("BGN", "GN")),             # GN: Circular 01/2011 (before 2020)
    DocType("Bản thỏa thuận", ("BTT", "TTH")),         # TTh: Circular 01/2011
    DocType("Giấy ủy quyền", ("GUQ", "UQ")),           # UQ: Circular 01/2011
    DocType("Giấy mời", ("GM",)),
    DocType("Giấy giới thiệu", ("GGT", "GT")),         # GT: Circular 01/2011
    DocType("Giấy nghỉ phép", ("GNP", "NP")),          # NP: Circular 01/2011
    DocType("Phiếu gửi", ("PG",)),
    DocType("Phiếu chuyển", ("PC",)),
    DocType("Phiếu báo", ("PB",)),
    DocType("Kết luận", ("KL",)),                      # party documents (05-KL/TU)
)
# fmt: on

# Abbreviations written in a subject line instead of the type name ("[CV 123/…]", "QĐ 45/…").
SUBJECT_ABBREVIATIONS = ("CV", "QĐ", "QD", "KH", "TB", "BC", "TTr", "GM", "CT", "NQ", "CĐ", "HD")

# The words before "số" when the number line names the type ("Luật số: 77/2015/QH13").
NUMBER_LABEL_TYPES = ("Luật", "Bộ luật", "Pháp lệnh", "Lệnh", "Nghị quyết")

# Words that mean "a document" in a citation without a type: "văn bản số 123/UBND-VX".
GENERIC_DOCUMENT_WORDS = ("văn bản",)

# ---------------------------------------------------------------------------------------
# Header lines that are not the issuing agency (Appendix I: Quốc hiệu, Tiêu ngữ; party
# documents: "ĐẢNG CỘNG SẢN VIỆT NAM"). Folded patterns, found anywhere in a line because
# two-column headers often come out of PDFs side by side on one line.
NATIONAL_HEADER = (
    r"cong\s*hoa\s+xa\s+hoi\s+chu\s+nghia\s+viet\s+nam",
    r"doc\s*lap\s*[-–—.,]?\s*tu\s*do\s*[-–—.,]?\s*hanh\s*phuc",
    r"dang\s+cong\s+san\s+viet\s+nam",
)

# Marks printed above or beside the header that are not part of the agency name (folded,
# whole line).
HEADER_MARKS = (
    r"hoa\s+toc(?:\s+hen\s+gio)?",
    r"thuong\s+khan",
    r"khan",
    r"(?:toi|tuyet)?\s*mat",
    r"du\s+thao(?:\s+lan\s+\d+)?",
    r"ban\s+sao|sao\s+y(?:\s+ban\s+chinh)?|sao\s+luc|trich\s+sao",
    r"phu\s+luc(?:\s+[ivxlc\d]+)?",
)

# Words that start the name of an agency; an upper-case header line that does not start
# with one continues the line above ("ỦY BAN NHÂN DÂN" / "TỈNH NINH THUẬN" is one name,
# "UBND TỈNH NINH THUẬN" / "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" is parent / issuer). Folded.
AGENCY_HEADS = (
    "uy ban", "ubnd", "hoi dong", "hdnd", "so", "bo", "van phong", "ban", "phong",
    "trung tam", "cuc", "tong cuc", "chi cuc", "vu", "vien", "truong", "benh vien",
    "cong an", "bo chi huy", "bo tu lenh", "thanh tra", "kho bac", "chinh phu", "thu tuong",
    "chu tich nuoc", "quoc hoi", "toa an", "vien kiem sat", "bao hiem xa hoi", "bhxh",
    "tinh uy", "thanh uy", "huyen uy", "thi uy", "quan uy", "dang uy", "dang bo",
    "ban chap hanh", "ban thuong vu", "mat tran", "lien doan", "hoi", "doan", "tong cong ty",
    "cong ty", "chi nhanh", "dai", "hoc vien", "dai hoc", "ngan hang", "tong lien doan",
)  # fmt: skip

# ---------------------------------------------------------------------------------------
# The body starts at the first line beginning with one of these (folded); the header (số,
# place and date, title) is read above it.
BODY_MARKERS = (
    r"can\s+cu\b", r"thuc\s+hien\b", r"kinh\s+gui\b", r"kinh\s+moi\b",
    r"xet\s+(?:de\s+nghi|to\s+trinh)\b",
    r"dieu\s+1\b", r"chuong\s+i\b", r"noi\s+nhan\b", r"theo\s+de\s+nghi\b",
)  # fmt: skip

# Words that open a paragraph of the body right after a trích yếu (folded, capital in the
# text): a line starting with one never continues the trích yếu.
BODY_OPENINGS = (
    r"nham\b", r"de\b", r"ngay\b", r"trong\b", r"hom\s+nay\b", r"qua\b", r"theo\b",
    r"tren\s+co\s+so\b", r"sau\s+khi\b", r"tiep\s+theo\b", r"thoi\s+gian\b",
    r"dia\s+diem\b", r"thanh\s+phan\b", r"noi\s+dung\b", r"trien\s+khai\s+thuc\s+hien\b",
)  # fmt: skip

# A line that is only a separator ("______", "-----", "*", "***").
SEPARATOR_LINE = r"^[\s_\-–—=*~.•·]*$"

# Digital-signature appearance text in PDFs (VGCA tools) and the like: dropped before
# parsing, they are not content. Folded, start of line.
SIGNATURE_STAMP_LINES = (
    r"ky\s+boi\s*:", r"thoi\s+gian\s+ky\s*:", r"ngay\s+ky\s*:", r"co\s+quan\s*:",
    r"email\s*:", r"signature\s+(?:valid|not\s+verified)", r"digitally\s+signed\s+by",
    r"signed\s+by\s*:", r"date\s*:\s*\d{4}[.-]",
)  # fmt: skip

# ---------------------------------------------------------------------------------------
# Số và ký hiệu (Appendix I: "Số:" then number "/" ký hiệu; groups joined by "-").
# One group of a ký hiệu: capitals (Đ, Ư … in "ƯDCNTT"), digits, "&", at most one lower-case letter
# (TTg, TTr, QyĐ, CTr, TrS), never followed by another letter (so "Ninh" is no group).
NOTATION_GROUP = r"[0-9&]*[A-ZĂÂĐÊÔƠƯ][A-ZĂÂĐÊÔƠƯ0-9&]*(?:[a-zđ][A-ZĂÂĐÊÔƠƯ0-9&]*)?(?![^\W_])"
# "-" between groups; OCR may put one space around it or use a dash.
NOTATION_DASH = r"\s?[-–]\s?"
# 5985/UBND-KTN, 28/2018/QĐ-TTg, "     /QĐ-UBND" (a draft: no number yet).
NUMBER_ADMIN = (
    rf"(?P<num>\d{{1,7}})?[\s._…]*/\s*"
    rf"(?P<notation>(?:(?:19|20)\d\d\s*/\s*)?{NOTATION_GROUP}(?:{NOTATION_DASH}{NOTATION_GROUP})*)"
)
# Party documents: 09-NQ/TU, 123-CV/BTGTU.
NUMBER_PARTY = (
    rf"(?P<pnum>\d{{1,7}})\s?[-–]\s?"
    rf"(?P<pnotation>{NOTATION_GROUP}\s?/\s?{NOTATION_GROUP}(?:{NOTATION_DASH}{NOTATION_GROUP})*)"
)
# The "Số" label (folded): "Số:", "SỐ:", "Số", OCR "So :".
NUMBER_LABEL = r"so\s*[:.;]?\s*"
# "Số:" inside a line (columns merged by OCR); folded, the colon required.
NUMBER_LABEL_INSIDE = r"(?<=\s)so\s*:\s*"
# "số" right before a number in an e-mail subject; folded.
SUBJECT_NUMBER_LABEL = r"(?<![a-z])so\s*:?\s*$"
# What follows a number in a sentence, never in a header ("Số 12/QĐ-UBND ngày … của …").
CITATION_TAIL = r"\s*,?\s*(?:ngay|cua|ve|ban\s+hanh|nam)\b"

# ---------------------------------------------------------------------------------------
# Dates (folded). Worded as Appendix I writes them, or numeric d/m/yyyy (also d-m-yyyy,
# d.m.yyyy). Blanks in a draft ("ngày    tháng    năm 2020") give no date.
DATE_WORDED = r"ngay\s*(?P<d>\d{1,2})\s*thang\s*(?P<m>\d{1,2})\s*nam\s*(?P<y>\d{4})"
DATE_NUMERIC = r"(?P<nd>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<nm>\d{1,2})\s*(?P=sep)\s*(?P<ny>\d{4})"
DATE_BLANK = r"ngay\s*[._…\s]*thang\s*[._…\s]*nam\b"
YEAR_RANGE = (1945, 2100)  # plausible years for a Vietnamese administrative document

# ---------------------------------------------------------------------------------------
# Trích yếu of a công văn: "V/v …" (also "V/V", "V/v:", OCR "V / v"); folded.
SUBJECT_LABEL = r"(?<![a-z0-9])v\s*/\s*v\b\s*[:.]?\s*"
# Before Decree 30 some công văn wrote "Về việc …" under the số instead of "V/v" (folded,
# only on the line right below "Số:").
OLD_SUBJECT_LABEL = r"^ve\s+viec\b\s*[:.]?\s*"
# The type title and its trích yếu on one line: "QUYẾT ĐỊNH Về việc …" (folded).
TITLE_THEN_SUBJECT = r"^(\D+?)\s+(?=ve\b|v\s*/\s*v\b)"
# A line that starts a list item or a heading of the body, never a wrapped trích yếu.
BODY_ITEM = r"^(?:[-+•(\[]|[IVX]+\.|\d+\.|[a-zđ]\))"
# The name of a law after "Luật" (folded): up to 14 words, stopping at "số", "ngày",
# "năm 2015" or punctuation.
LAW_TITLE = r"[ ]((?:(?!so\b|ngay\b|nam\s+\d)[^\s,;.()\n]+[ ]?){1,14})"
# Trích yếu in an e-mail subject: after "V/v" or "về việc" (folded).
SUBJECT_LINE_LABEL = r"(?<![a-z0-9])(?:v\s*/\s*v\b|ve\s+viec\b)\s*[:.]?\s*"
# … or a "về …" right after the number and date ("Nghị quyết 09-NQ/TU về chuyển đổi số").
SUBJECT_ABOUT = r"\s*[-:–]?\s*ve\b"

# ---------------------------------------------------------------------------------------
# Signature block (Decree 30 Art. 13, Appendix I box 7): authority prefix, title lines,
# signature, full name. Prefixes (folded, with the dot, or party style with "/").
SIGNER_PREFIXES = {
    "TM": r"t\s*[./]?\s*m\b\.?",  # thay mặt (tập thể); party style "T/M"
    "KT": r"k\s*[./]?\s*t\b\.?",  # ký thay
    "TUQ": r"t\s*[./]?\s*uq\b\.?",  # thừa ủy quyền
    "TL": r"t\s*[./]?\s*l\b\.?",  # thừa lệnh
    "Q": r"q\.",  # quyền
}
# Words that begin a signer's title line (folded); "PHÓ" is read before them.
SIGNER_TITLE_HEADS = (
    "chu tich", "giam doc", "tong giam doc", "bo truong", "thu truong", "thu tuong",
    "bi thu", "chanh van phong", "truong ban", "truong phong", "truong khoa",
    "cuc truong", "vu truong", "tong cuc truong", "chi cuc truong", "hieu truong",
    "vien truong", "chanh thanh tra", "chanh an", "chu nhiem", "tong bien tap",
    "thu ky", "chu toa", "chi huy truong", "tu lenh", "chinh uy", "truong", "chu tich nuoc",
    "tong thu ky", "ke toan truong", "nguoi uy quyen", "nguoi duoc uy quyen", "tong kiem toan",
)  # fmt: skip
SIGNER_TITLE_PREFIX = r"(?:pho|quyen)\s+"  # "PHÓ CHỦ TỊCH", "QUYỀN GIÁM ĐỐC"

# Lines between the title and the name: the signature itself (folded, whole line).
SIGNATURE_PLACEHOLDERS = (
    r"[(\[].*[)\]]",  # (Đã ký), [signed], (Ký tên, đóng dấu), (signature)
    r"da\s+ky", r"signed", r"signature", r"ky\s+ten(?:\s*,?\s*dong\s+dau)?",
)  # fmt: skip

# Military and police ranks written before the name ("Đại tá Nguyễn Văn A"); folded.
RANKS = (
    "dai tuong", "thuong tuong", "trung tuong", "thieu tuong", "dai ta", "thuong ta",
    "trung ta", "thieu ta", "dai uy", "thuong uy", "trung uy", "thieu uy",
)  # fmt: skip

# Family names (folded). A name written in capitals is accepted only with one of these;
# a name in title case is accepted after a signer title even with another family name.
FAMILY_NAMES = frozenset((
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
    "ho", "ngo", "duong", "ly", "dinh", "trinh", "truong", "mai", "cao", "lam", "luong", "to",
    "ha", "quach", "tang", "chau", "la", "van", "dao", "doan", "kieu", "luu", "tieu", "thai",
    "thach", "lai", "phung", "khuc", "tong", "quan", "hua", "giang", "mac", "thieu", "chu",
    "dieu", "dam", "ton", "nong", "lo", "cam", "bac", "be", "luc", "ma", "tu", "ong", "kim",
    "lang", "khong", "quang", "cu", "ngu", "vi", "hau", "sung", "ksor", "nie", "rmah", "siu",
    "y", "danh", "son", "kha", "gia", "nghiem", "ung", "lieu", "an", "ninh", "khuat", "dong",
    "hong", "tiet", "vuong", "ta", "than", "thuy", "dau", "mong", "chieng", "giap", "nhu",
))  # fmt: skip

# Upper-case lines right after the type title that name the authority, not the trích yếu
# ("CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH …", "HỘI ĐỒNG NHÂN DÂN TỈNH …"); folded.
AUTHORITY_LINE_HEADS = (
    "hoi dong nhan dan", "uy ban nhan dan", "chinh phu", "quoc hoi", "ban thuong vu",
    "ban chap hanh", "ban bi thu", "bo chinh tri", "khoa",
)  # fmt: skip

# Lower-case words that belong to a place name ("Thành phố Hồ Chí Minh", "Thị xã …").
PLACE_CONNECTORS = frozenset({"phố", "xã", "trấn", "-", "–"})

# Lines of the recipients' column ("Nơi nhận:", "- Như trên;", "- Lưu: VT, KTN.") — folded.
RECIPIENT_LINE = r"^(?:noi\s+nhan|[-+•]\s|[-+•](?=\S)|luu\s*:|nhu\s+tren)"


# ---------------------------------------------------------------------------------------
# Folding (used on the tables above and on the text)
def _fold_char(char: str) -> str:
    if char in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", char)[0].lower()
    return base if len(base) == 1 else char


# One character in, one character out (offsets carry over). Latin letters with every
# Vietnamese mark are in the table; other characters stay as they are.
_FOLD = {
    code: ord(_fold_char(chr(code)))
    for block in (range(0x250), range(0x1E00, 0x1F00))
    for code in block
}


def fold(text: str) -> str:
    """Lower case without diacritics, đ → d; same length as ``text`` (offsets carry over)."""
    return text.translate(_FOLD)


def fold_key(text: str) -> str:
    """The folded letters and digits only: the key for comparing titles and names."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _words(phrases: tuple[str, ...] | list[str]) -> str:
    """An alternation of folded phrases, longest first, spaces flexible."""
    parts = sorted({fold(p) for p in phrases}, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in parts)


# Compiled forms, built once from the tables.
TYPE_BY_TITLE_KEY = {fold_key(t.name): t.name for t in DOC_TYPES}
TYPE_BY_ABBREVIATION = {a.upper(): t.name for t in DOC_TYPES for a in t.abbreviations}
NAMED_TYPES = frozenset(t.name for t in DOC_TYPES if t.named)
TYPE_BY_FOLDED_NAME = {fold(t.name): t.name for t in DOC_TYPES}

NATIONAL_HEADER_RE = re.compile("|".join(NATIONAL_HEADER))
HEADER_MARK_RE = re.compile(rf"^(?:{'|'.join(HEADER_MARKS)})\W*$")
AGENCY_HEAD_RE = re.compile(rf"^(?:{_words(AGENCY_HEADS)})\b")
BODY_MARKER_RE = re.compile(rf"^\W*(?:{'|'.join(BODY_MARKERS)})")
BODY_OPENING_RE = re.compile(rf"^(?:{'|'.join(BODY_OPENINGS)})")
SEPARATOR_RE = re.compile(SEPARATOR_LINE)
SIGNATURE_STAMP_RE = re.compile(rf"^\W*(?:{'|'.join(SIGNATURE_STAMP_LINES)})")

NUMBER_RE = re.compile(rf"{NUMBER_PARTY}|{NUMBER_ADMIN}")
NUMBER_LABEL_INSIDE_RE = re.compile(NUMBER_LABEL_INSIDE)
SUBJECT_NUMBER_LABEL_RE = re.compile(SUBJECT_NUMBER_LABEL)
TITLE_THEN_SUBJECT_RE = re.compile(TITLE_THEN_SUBJECT)
BODY_ITEM_RE = re.compile(BODY_ITEM)
LAW_TITLE_RE = re.compile(LAW_TITLE)
CITATION_TAIL_RE = re.compile(CITATION_TAIL)
NUMBER_WITH_DIGITS_RE = re.compile(
    rf"{NUMBER_PARTY}|(?P<num2>\d{{1,7}})\s*/\s*"
    rf"(?P<notation2>(?:(?:19|20)\d\d\s*/\s*)?{NOTATION_GROUP}(?:{NOTATION_DASH}{NOTATION_GROUP})*)"
)
NUMBER_LABEL_RE = re.compile(
    rf"(?:(?:{_words(NUMBER_LABEL_TYPES)})\s+)?{NUMBER_LABEL}"
)  # fmt: skip

DATE_RE = re.compile(rf"{DATE_WORDED}|(?:ngay\s*)?{DATE_NUMERIC}")
DATE_AFTER_RE = re.compile(rf"\s*[,(]?\s*(?:ban\s+hanh\s+)?(?:{DATE_WORDED}|ngay\s*{DATE_NUMERIC})")
PLACE_DATE_RE = re.compile(rf",?\s*(?:{DATE_WORDED}|{DATE_BLANK}|(?:ngay\s*)?{DATE_NUMERIC})")

SUBJECT_LABEL_RE = re.compile(SUBJECT_LABEL)
SUBJECT_LINE_LABEL_RE = re.compile(SUBJECT_LINE_LABEL)
SUBJECT_ABOUT_RE = re.compile(SUBJECT_ABOUT)
OLD_SUBJECT_LABEL_RE = re.compile(OLD_SUBJECT_LABEL)

SIGNER_PREFIX_RE = re.compile(
    "|".join(rf"(?P<{key}>{pattern})" for key, pattern in SIGNER_PREFIXES.items())
)
SIGNER_PREFIX_AT_START_RE = re.compile(rf"^(?:{SIGNER_PREFIX_RE.pattern})\s*(?=[a-z])")
SIGNER_PREFIX_INSIDE_RE = re.compile(rf"(?<=\s)(?:{SIGNER_PREFIX_RE.pattern})\s*(?=[a-z])")
SIGNER_TITLE_RE = re.compile(rf"^(?:{SIGNER_TITLE_PREFIX})?(?:{_words(SIGNER_TITLE_HEADS)})\b")
SIGNER_TITLE_INSIDE_RE = re.compile(
    rf"(?<=[\s;,.])(?:{SIGNER_TITLE_PREFIX})?(?:{_words(SIGNER_TITLE_HEADS)})\b"
)
PLACEHOLDER_RE = re.compile(rf"^(?:{'|'.join(SIGNATURE_PLACEHOLDERS)})\W*$")
RANK_RE = re.compile(rf"^(?:{_words(RANKS)})\s+")
RECIPIENT_LINE_RE = re.compile(RECIPIENT_LINE)
AUTHORITY_LINE_RE = re.compile(
    rf"^(?:{_words(AUTHORITY_LINE_HEADS)}|(?:{SIGNER_TITLE_PREFIX})?(?:{_words(SIGNER_TITLE_HEADS)}))\b"
)

CITED_TYPE_RE = re.compile(
    rf"(?<![a-z])(?:{_words([t.name for t in DOC_TYPES] + list(GENERIC_DOCUMENT_WORDS))})(?![a-z])"
)
CITED_NUMBER_LABEL_RE = re.compile(r"\s*(?:so\s*[:.]?\s*)?")
SUBJECT_TYPE_RE = re.compile(rf"(?<![a-z])(?:{_words([t.name for t in DOC_TYPES])})(?![a-z])")
SUBJECT_ABBREVIATION_RE = re.compile(
    rf"(?<![^\W_])(?:{'|'.join(map(re.escape, SUBJECT_ABBREVIATIONS))})(?![^\W_])"
)
