"""The readable text of a message body: decoded plain text, or HTML turned into text."""

from __future__ import annotations

import codecs
import re
import unicodedata
from html.parser import HTMLParser

_BLOCK = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "blockquote",
    "pre",
    "hr",
    "section",
    "article",
    "header",
    "footer",
    "ul",
    "ol",
    "dd",
    "dt",
    "title",
}
_SKIP = {"script", "style", "head", "noscript", "template", "svg"}


def decode_text(payload: bytes, charset: str | None) -> str:
    """Bytes to str with the declared charset, falling back to UTF-8 then Windows-1252."""
    for candidate in (charset, "utf-8", "cp1252"):
        if not candidate:
            continue
        try:
            codecs.lookup(candidate)
            return unicodedata.normalize("NFC", payload.decode(candidate))
        except (LookupError, ValueError):  # ValueError: a charset name with a NUL in it
            continue
    return unicodedata.normalize("NFC", payload.decode("utf-8", "replace"))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and self.skip:
            self.skip -= 1
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, one line per block."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    return tidy("".join(parser.out))


def tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def body_text(parts: list[tuple[str, bytes, str | None]]) -> str:
    """Text of the body parts ``(content type, payload, charset)``: plain preferred.

    Plain text is kept as sent (decoded, NFC): for the usual single UTF-8 part it is then
    byte for byte the part itself, and the blob store keeps one copy.
    """
    plain = [decode_text(p, c) for t, p, c in parts if t == "text/plain"]
    if any(s.strip() for s in plain):
        return "\n\n".join(plain)
    html = [html_to_text(decode_text(p, c)) for t, p, c in parts if t == "text/html"]
    return "\n\n".join(h for h in html if h)
