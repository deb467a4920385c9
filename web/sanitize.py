"""HTML mail made inert for display (nh3): no scripts, no event handlers, no styles, remote
images blocked until the reader asks, inline ``cid:`` images served from the message,
links marked as external and opened without a referrer."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import nh3

TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area"}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"title", "lang", "dir"},
}
SCHEMES = {"http", "https", "mailto", "cid", "data"}


@dataclass
class Sanitized:
    html: str
    blocked_images: int = 0
    links: list[str] = field(default_factory=list)


def sanitize_mail_html(html: str, cid_url: str, allow_remote_images: bool) -> Sanitized:
    """``cid_url`` is the URL prefix that serves this message's inline parts by Content-ID."""
    result = Sanitized("")

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        lowered = value.strip().lower()
        if tag == "img" and attribute == "src":
            if lowered.startswith("cid:"):
                return cid_url + quote(value.strip()[4:].strip("<>"), safe="")
            if lowered.startswith("data:image/") and not lowered.startswith("data:image/svg"):
                return value
            if lowered.startswith(("http:", "https:", "//")):
                if allow_remote_images:
                    return value
                result.blocked_images += 1
            return None
        if tag == "a" and attribute == "href":
            if lowered.startswith(("http:", "https:", "mailto:")):
                result.links.append(value)
                return value
            return None
        return value

    result.html = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style", "noscript", "template", "title"},
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank", "class": "external"}},
    )
    return result
