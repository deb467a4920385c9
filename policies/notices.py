"""Texts of policy notices to the sender and the admin: Vietnamese (with diacritics) first,
then English. The gateway wraps them in a message; the texts live here with the rules."""

from __future__ import annotations

from policies.verdict import Verdict

_ACTION_VI = {
    "reject": "đã bị từ chối",
    "quarantine": "đang được giữ lại để kiểm tra",
    "tag": "đã được đánh dấu",
    "accept": "đã được chấp nhận",
}
_ACTION_EN = {
    "reject": "was refused",
    "quarantine": "is held for review",
    "tag": "was marked",
    "accept": "was accepted",
}


def notice_subject(verdict: Verdict) -> str:
    vi = _ACTION_VI.get(verdict.action, verdict.action)
    en = _ACTION_EN.get(verdict.action, verdict.action)
    return f"Thư của bạn {vi} / Your message {en} ({verdict.rule})"


def notice_body(
    verdict: Verdict, audience: str, subject: str, sender: str, recipients: list[str]
) -> str:
    """Plain-text body for ``audience`` ("sender" or "admin")."""
    rcpts = ", ".join(recipients)
    vi_action = _ACTION_VI.get(verdict.action, verdict.action)
    en_action = _ACTION_EN.get(verdict.action, verdict.action)
    lines = [
        f"Thư “{subject}” từ {sender} tới {rcpts} {vi_action} theo quy tắc {verdict.rule}.",
        "",
        verdict.reason_vi,
        "",
    ]
    if audience == "admin" and verdict.action == "quarantine":
        lines += ["Xem và xử lý: govmail quarantine list / release / delete.", ""]
    elif audience == "sender":
        lines += ["Nếu bạn cho rằng đây là nhầm lẫn, hãy liên hệ quản trị viên thư.", ""]
    lines += [
        "-" * 40,
        "",
        f"The message “{subject}” from {sender} to {rcpts} {en_action} by rule {verdict.rule}.",
        "",
        verdict.reason_en,
        "",
    ]
    if audience == "admin" and verdict.action == "quarantine":
        lines.append("Review it with: govmail quarantine list / release / delete.")
    elif audience == "sender":
        lines.append("If you think this is a mistake, contact your mail administrator.")
    return "\n".join(lines) + "\n"
