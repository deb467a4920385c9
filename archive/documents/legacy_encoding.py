"""TCVN3 (ABC, ``.VnTime``) and VNI-Windows text to Unicode, and telling them apart.

Old Word and Excel files (and PDFs made from them) carry Vietnamese in 8-bit fonts: the text
we extract is made of Latin-1 look-alikes ("TiÕng ViÖt", "Tieáng Vieät"). The tables below map
them back. Detection converts with each table and keeps the one that yields the most valid
Vietnamese syllables, so French or German text (é, à, ü …) is left alone.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Vietnamese vowels in the order: no tone, sắc, huyền, hỏi, ngã, nặng.
_TONED = {
    "a": "aáàảãạ",
    "ă": "ăắằẳẵặ",
    "â": "âấầẩẫậ",
    "e": "eéèẻẽẹ",
    "ê": "êếềểễệ",
    "i": "iíìỉĩị",
    "o": "oóòỏõọ",
    "ô": "ôốồổỗộ",
    "ơ": "ơớờởỡợ",
    "u": "uúùủũụ",
    "ư": "ưứừửữự",
    "y": "yýỳỷỹỵ",
}

# TCVN3 (TCVN 5712:1993 VN3): one byte per lower-case letter; only Ă Â Ê Ô Ơ Ư Đ exist as
# capitals (other capitals come from the ".VnTimeH" fonts, drawn at lower-case positions).
# Same tone order as _TONED; None where the letter is plain ASCII.
_TCVN3_BYTES = {
    "a": (None, 0xB8, 0xB5, 0xB6, 0xB7, 0xB9),
    "ă": (0xA8, 0xBE, 0xBB, 0xBC, 0xBD, 0xC6),
    "â": (0xA9, 0xCA, 0xC7, 0xC8, 0xC9, 0xCB),
    "e": (None, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1),
    "ê": (0xAA, 0xD5, 0xD2, 0xD3, 0xD4, 0xD6),
    "i": (None, 0xDD, 0xD7, 0xD8, 0xDC, 0xDE),
    "o": (None, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4),
    "ô": (0xAB, 0xE8, 0xE5, 0xE6, 0xE7, 0xE9),
    "ơ": (0xAC, 0xED, 0xEA, 0xEB, 0xEC, 0xEE),
    "u": (None, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4),
    "ư": (0xAD, 0xF8, 0xF5, 0xF6, 0xF7, 0xF9),  # 0xAD is the Latin-1 soft hyphen
    "y": (None, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE),
}
_TCVN3_EXTRA = {
    0xAE: "đ",
    0xA1: "Ă",
    0xA2: "Â",
    0xA7: "Đ",
    0xA3: "Ê",
    0xA4: "Ô",
    0xA5: "Ơ",
    0xA6: "Ư",
}

# VNI-Windows: an ASCII base letter followed by mark characters (hat/breve/horn, then tone);
# a few letters are a single character. Upper-case forms use the upper-case marks.
_VNI_TONES = ("", "ù", "ø", "û", "õ", "ï")
_VNI_BASES = {
    "a": "a",
    "ă": "aê",
    "â": "aâ",
    "e": "e",
    "ê": "eâ",
    "o": "o",
    "ô": "oâ",
    "ơ": "ô",
    "u": "u",
    "ư": "ö",
    "y": "y",
}
_VNI_SPECIAL = {"í": "í", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î", "đ": "ñ"}
# â/ê/ô take different tone marks after their hat (á à å ã ä) than plain vowels; ă too (é è ú ü ë).
_VNI_HAT_TONES = ("", "á", "à", "å", "ã", "ä")
_VNI_BREVE_TONES = ("", "é", "è", "ú", "ü", "ë")


def _tcvn3_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for vowel, codes in _TCVN3_BYTES.items():
        for tone, code in enumerate(codes):
            if code is not None:
                table[chr(code)] = _TONED[vowel][tone]
    table.update({chr(code): letter for code, letter in _TCVN3_EXTRA.items()})
    return table


def _vni_table() -> dict[str, str]:
    """Encoded sequence -> Unicode letter, lower and upper case."""
    table: dict[str, str] = {}
    for vowel, base in _VNI_BASES.items():
        for tone in range(6):
            if vowel in "âêô":
                seq = base[0] + (_VNI_HAT_TONES[tone] if tone else "â")
            elif vowel == "ă":
                seq = "a" + (_VNI_BREVE_TONES[tone] if tone else "ê")
            else:
                seq = base + _VNI_TONES[tone]
            if seq == vowel:
                continue
            letter = _TONED[vowel][tone]
            table[seq] = letter
            table[seq.upper()] = letter.upper()
            table[seq[0].upper() + seq[1:]] = letter.upper()  # capital base, small marks
    for letter, seq in _VNI_SPECIAL.items():
        table[seq] = letter
        table[seq.upper()] = letter.upper()
    return table


TCVN3 = _tcvn3_table()
VNI = _vni_table()
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(VNI, key=len, reverse=True)))
_TCVN3_CHARS = frozenset(TCVN3)
_LEGACY_RANGE = re.compile(r"[\u00a1-\u00ff]")


def _tcvn3_letters(text: str) -> str:
    return "".join(TCVN3.get(c, c) for c in text)


# Letters without ASCII lower case around a capital: "QUYếT", "ủY" (and "Số", "Trần": "T").
_CAPITALS_RUN = re.compile(r"[^\W\d_a-z]*[A-ZĂÂĐÊÔƠƯ][^\W\d_a-z]*")


def _h_font_capitals(m: re.Match[str]) -> str:
    """The run upper-cased when it is a whole word with a capital after its first letter."""
    word, text, end = m.group(0), m.string, m.end()
    if (end < len(text) and text[end].isalpha()) or not any(c.isupper() for c in word[1:]):
        return word
    start = m.start()
    return word if start and text[start - 1].isalpha() else word.upper()


def from_tcvn3(text: str) -> str:
    """TCVN3 to Unicode. A ".VnTimeH" font draws capitals at the lower-case code points, so
    a word typed in capitals comes out as "QUYÕT §ÞNH" → "QUYếT ĐịNH": a word with a capital
    after its first letter and no lower-case ASCII letter is upper-cased ("QUYẾT ĐỊNH").
    A title-case word ("Số") or a word typed all in lower case stays as it is."""
    return _CAPITALS_RUN.sub(_h_font_capitals, _tcvn3_letters(text))


def from_vni(text: str) -> str:
    """Longest match first: a VNI letter is a base plus one or two marks, or one character."""
    return _VNI_PATTERN.sub(lambda m: VNI[m.group(0)], text)


# --- detection ------------------------------------------------------------------------
_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|q|r|s|t|v|x"
# Vowel nuclei without tone marks (glides included), and final consonants.
_NUCLEI = (
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|uê|"
    "ui|uô|uơ|uy|ưa|ưi|ưu|ươ|yê|iêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu|yêu"
)
_NUCLEUS = "|".join(sorted(_NUCLEI.split("|"), key=len, reverse=True))  # longest first
_SYLLABLE = re.compile(rf"(?:{_INITIALS})?(?:{_NUCLEUS})(?:ch|ng|nh|c|m|n|p|t)?")
_WORD = re.compile(r"[^\W\d_]+")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


@functools.lru_cache(maxsize=65536)  # Vietnamese has a few thousand syllables: words repeat
def _untoned(word: str) -> tuple[str, int]:
    decomposed = unicodedata.normalize("NFD", word)
    marks = sum(1 for c in decomposed if c in _TONE_MARKS)
    bare = "".join(c for c in decomposed if c not in _TONE_MARKS)
    return unicodedata.normalize("NFC", bare), marks


def syllable_score(text: str) -> tuple[int, int]:
    """(valid, invalid) counts of words carrying a non-ASCII letter.

    Plain ASCII words say nothing about encodings and are not counted.
    """
    valid = invalid = 0
    for word in _WORD.findall(text.lower()):
        if word.isascii():
            continue
        bare, marks = _untoned(word)
        if marks <= 1 and _SYLLABLE.fullmatch(bare):
            valid += 1
        else:
            invalid += 1
    return valid, invalid


def detect(text: str) -> str | None:
    """``"tcvn3"``, ``"vni"`` or None (already Unicode, or not Vietnamese at all)."""
    sample = text[:200_000]
    suspect = len(_LEGACY_RANGE.findall(sample))
    if suspect < 3:
        return None
    if _unicode_vietnamese(sample, suspect):
        return None
    valid, invalid = syllable_score(sample)
    best, best_score = None, valid - invalid
    margin = max(2, (valid + invalid) // 10)
    for name, conv in (("tcvn3", _tcvn3_letters), ("vni", from_vni)):
        v, i = syllable_score(conv(sample))
        if v - i > best_score + margin and v > i:
            best, best_score = name, v - i
    return best


# Letters only Unicode Vietnamese has: neither TCVN3 nor VNI read as Latin-1/cp1252 text
# can produce them, while every line of Unicode Vietnamese is full of them.
_VIETNAMESE_ONLY = re.compile("[ăđơưĂĐƠƯ\u1ea0-\u1ef9]")
_LATIN1_VIETNAMESE = re.compile("[àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ]")


def _unicode_vietnamese(sample: str, suspect: int) -> bool:
    """True when the text is plainly Unicode Vietnamese, so scoring conversions is wasted.

    Latin-1 vowels with marks (à, é, ô …) are part of Unicode Vietnamese too, so only the
    Latin-1 characters Vietnamese never uses count against it.
    """
    native = len(_VIETNAMESE_ONLY.findall(sample))
    if native < 20:
        return False
    foreign = suspect - len(_LATIN1_VIETNAMESE.findall(sample))
    return native > 4 * foreign


def convert(text: str, encoding: str) -> str:
    if encoding == "tcvn3":
        return from_tcvn3(text)
    if encoding == "vni":
        return from_vni(text)
    raise ValueError(f"unknown legacy encoding {encoding!r}")
