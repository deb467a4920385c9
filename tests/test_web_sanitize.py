"""HTML mail is displayed inert: the sanitiser's promises, one by one."""

from __future__ import annotations

import re

from web.sanitize import sanitize_mail_html

HOSTILE = """<html><head><style>body{color:red}</style><script>alert(1)</script></head>
<body onload="steal()"><p style="color:red" onclick="evil()">Xin chào <b>bạn</b></p>
<img src="http://tracker.example/p.gif" onerror="alert(2)" alt="pixel">
<img src="cid:logo@ninhthuan.gov.vn"><img src="data:image/png;base64,iVBORw0KGgo=">
<img src="data:image/svg+xml;base64,PHN2Zz4=">
<a href="javascript:alert(3)">js</a> <a href="https://ninhthuan.gov.vn/a">cổng thông tin</a>
<iframe src="https://evil.example"></iframe><svg onload="alert(4)"></svg>
<form action="https://evil.example"><input name="password"></form>
<a href="data:text/html,<script>alert(5)</script>">data</a></body></html>"""


def test_scripts_handlers_styles_frames_and_forms_are_gone() -> None:
    out = sanitize_mail_html(HOSTILE, "/m/1/cid/", allow_remote_images=False).html
    lowered = out.lower()
    for needle in (
        "<script",
        "alert(",
        "onload",
        "onclick",
        "onerror",
        "style",
        "<iframe",
        "<svg",
        "<form",
        "<input",
        "javascript:",
        "data:text",
    ):
        assert needle not in lowered, needle
    assert "<p>Xin chào <b>bạn</b></p>" in out


def test_remote_images_blocked_until_asked() -> None:
    blocked = sanitize_mail_html(HOSTILE, "/m/1/cid/", allow_remote_images=False)
    assert blocked.blocked_images == 1 and "tracker.example" not in blocked.html
    allowed = sanitize_mail_html(HOSTILE, "/m/1/cid/", allow_remote_images=True)
    assert allowed.blocked_images == 0 and 'src="http://tracker.example/p.gif"' in allowed.html


def test_inline_images_come_from_the_message_and_svg_data_is_refused() -> None:
    out = sanitize_mail_html(HOSTILE, "/m/1/cid/", allow_remote_images=False).html
    assert 'src="/m/1/cid/logo%40ninhthuan.gov.vn"' in out
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out
    assert "svg+xml" not in out


def test_links_are_marked_external_without_referrer() -> None:
    result = sanitize_mail_html(HOSTILE, "/m/1/cid/", allow_remote_images=False)
    assert result.links == ["https://ninhthuan.gov.vn/a"]
    tag = re.search(r"<a ([^>]*)>cổng thông tin</a>", result.html).group(1)
    attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag))
    assert attributes == {
        "href": "https://ninhthuan.gov.vn/a",
        "class": "external",
        "target": "_blank",
        "rel": "noopener noreferrer nofollow",
    }
