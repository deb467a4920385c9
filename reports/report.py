"""Assembling the exchange report: scope from the options, numbers from SQL, targets beside.

The numbers come from ``reports.aggregate`` (SQL over ``reports.summary``'s monthly sums);
this module only chooses the scope, labels the groups, orders the rows and puts each
configured target beside its share.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from config.sections.reports import LEVELS, ReportsSettings
from reports import aggregate, summary
from reports.attribution import Directory
from reports.directory import find_agency, load_directory
from reports.model import (
    ESTIMATE,
    ESTIMATE_NOTE,
    MIXED,
    REGISTER,
    Column,
    Report,
    Table,
)
from reports.periods import Period, month_label

LEVEL_LABELS = {
    "province": "Cấp tỉnh",
    "department": "Sở, ban, ngành",
    "district": "Cấp huyện",
    "commune": "Cấp xã",
    "central": "Trung ương",
    "other": "Khác",
}
TOTAL_LABEL = "Tổng cộng"
TARGET_SOURCE = "Mục tiêu theo Chỉ thị 15/CT-TTg và công văn 1950/TTg-KGVX (cấu hình [reports])."


@dataclass(frozen=True)
class ReportRequest:
    period: Period
    by: str = "agency"  # agency | month | level
    agency: str | None = None  # any spelling of a code: the agency and its units
    level: str | None = None


def build_report(
    sessions: sessionmaker[Session], settings: ReportsSettings, request: ReportRequest
) -> Report:
    """The whole report for ``request``; raises ``AgencyNotFound`` for an unknown code.

    The monthly sums are brought up to date first (``reports.summary.refresh``).
    """
    if request.by not in aggregate.BY:
        raise ValueError(f"by must be one of {', '.join(aggregate.BY)}")
    if request.level is not None and request.level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}")
    summary.refresh(sessions)
    with sessions() as session:
        return _build(session, settings, request)


def _build(session: Session, settings: ReportsSettings, request: ReportRequest) -> Report:
    directory = load_directory(session)
    ids, filters = _selection(session, directory, request)
    scope = aggregate.Scope(
        period=request.period,
        by=request.by,
        agency_ids=ids,
        require_trust=settings.fully_electronic_requires_trust,
        violation_actions=tuple(settings.violation_actions),
    )
    figures = aggregate.figures(session, scope)
    violations = aggregate.violations(session, scope)
    labels = _Labels(directory, request)
    figures.sort(key=labels.order)
    violations.sort(key=lambda r: (labels.order(r), r["action"] or "", r["rule"] or ""))
    for row in figures + violations:
        row["group"], row["name"] = labels.label(row["grp"])
    targets = _Targets(settings, request, directory)
    estimated = any(r["from_estimate"] for r in figures)
    notes = [ESTIMATE_NOTE] if estimated else []
    if ids is None:
        lost = aggregate.unattributed(session, scope)
        if lost:
            notes.append(
                f"{lost} thư trong kỳ không xác định được cơ quan gửi hay nhận: danh mục cơ "
                "quan chưa có địa chỉ hoặc tên miền của họ (govmail agencies import)."
            )
    notes.append(TARGET_SOURCE)
    return Report(
        title=f"Báo cáo trao đổi văn bản điện tử kỳ {request.period.label}",
        period=request.period.label,
        previous_period=request.period.previous_year().label,
        by=request.by,
        filters=filters,
        generated_at=datetime.now(UTC),
        tables=[
            _exchange_table(figures, request),
            _electronic_table(figures, request, targets),
            _received_table(figures, request, targets),
            _signatures_table(figures, request, settings),
            _late_table(figures, request),
            _violations_table(violations, request),
        ],
        notes=notes,
        estimated=estimated,
    )


def _selection(
    session: Session, directory: Directory, request: ReportRequest
) -> tuple[frozenset[int] | None, dict[str, str]]:
    ids: set[int] | None = None
    filters: dict[str, str] = {}
    if request.agency:
        agency = find_agency(session, request.agency, request.period.end)
        ids = directory.subtree(agency.id)
        filters["agency"] = f"{directory.code_at(agency.id, request.period.end)} {agency.name}"
    if request.level:
        level_ids = {a for a, level in directory.levels.items() if level == request.level}
        ids = level_ids if ids is None else ids & level_ids
        filters["level"] = request.level
    return (frozenset(ids) if ids is not None else None), filters


class _Labels:
    def __init__(self, directory: Directory, request: ReportRequest) -> None:
        self.directory = directory
        self.request = request

    def label(self, grp: str) -> tuple[str, str]:
        if grp == aggregate.TOTAL:
            return aggregate.TOTAL, TOTAL_LABEL
        by = self.request.by
        if by == "agency":
            agency = int(grp)
            code = self.directory.code_at(agency, self.request.period.end)
            return code, self.directory.names.get(agency, "")
        if by == "level":
            return grp, LEVEL_LABELS.get(grp, grp)
        month = int(grp)
        return month_label(month), f"Tháng {month % 100:02d}/{month // 100}"

    def order(self, row: dict[str, Any]) -> tuple:
        grp = row["grp"]
        if grp == aggregate.TOTAL:
            return (1, "")
        if self.request.by == "level":
            return (0, f"{LEVELS.index(grp):02d}" if grp in LEVELS else grp)
        if self.request.by == "agency":
            code = self.directory.code_at(int(grp), self.request.period.end)
            return (0, code[-3:] + code)  # by level-1 code, then the rest
        return (0, f"{int(grp):06d}")


class _Targets:
    def __init__(
        self, settings: ReportsSettings, request: ReportRequest, directory: Directory
    ) -> None:
        self.settings = settings
        self.request = request
        self.directory = directory
        years = [y for y in settings.electronic_targets if y <= request.period.year]
        self.electronic = settings.electronic_targets[max(years)] if years else None

    def online(self, grp: str) -> float | None:
        if self.request.by == "agency" and grp != aggregate.TOTAL:
            level = self.directory.levels.get(int(grp))
        elif self.request.by == "level" and grp != aggregate.TOTAL:
            level = grp
        else:
            level = self.request.level
        return self.settings.online_targets.get(level) if level else None


def _group_columns(request: ReportRequest) -> list[Column]:
    first = {"agency": "Mã định danh", "month": "Tháng", "level": "Cấp"}[request.by]
    second = {"agency": "Cơ quan", "month": "Kỳ", "level": "Nhóm cơ quan"}[request.by]
    return [Column("group", first, "text"), Column("name", second, "text")]


def _pick(rows: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    return [{k: r.get(k) for k in ["group", "name", *keys]} for r in rows]


def _exchange_table(figures: list[dict[str, Any]], request: ReportRequest) -> Table:
    previous = request.period.previous_year().label
    columns = [
        Column("sent", "VB đi"),
        Column("sent_prev", f"VB đi {previous}"),
        Column("sent_change", "Thay đổi VB đi (%)", "percent"),
        Column("received", "VB đến"),
        Column("received_prev", f"VB đến {previous}"),
        Column("received_change", "Thay đổi VB đến (%)", "percent"),
        Column("internal", "VB nội bộ"),
    ]
    return Table(
        "exchange",
        "Văn bản đi, văn bản đến qua thư điện tử (so với cùng kỳ năm trước)",
        _group_columns(request) + columns,
        _pick(figures, [c.key for c in columns]),
    )


def _electronic_table(
    figures: list[dict[str, Any]], request: ReportRequest, targets: _Targets
) -> Table:
    columns = [
        Column("total_sent", "Tổng VB đi (cả giấy)"),
        Column("total_source", "Nguồn tổng số", "text"),
        Column("electronic", "VB đi điện tử"),
        Column("electronic_share", "Tỷ lệ điện tử (%)", "percent"),
        Column("electronic_target", "Mục tiêu (%)", "percent"),
        Column("fully_electronic", "VB có chữ ký số hợp lệ"),
        Column("fully_electronic_share", "Tỷ lệ điện tử hoàn toàn (%)", "percent"),
    ]
    rows = [
        row
        | {
            "total_source": _source(row),
            "electronic": row["sent"],
            "electronic_target": targets.electronic,
        }
        for row in figures
    ]
    return Table(
        "electronic",
        "Tỷ lệ văn bản đi gửi dưới dạng điện tử so với mục tiêu",
        _group_columns(request) + columns,
        _pick(rows, [c.key for c in columns]),
    )


def _received_table(
    figures: list[dict[str, Any]], request: ReportRequest, targets: _Targets
) -> Table:
    columns = [
        Column("received", "VB đến điện tử"),
        Column("received_total", "Tổng VB đến (cả giấy)"),
        Column("received_share", "Tỷ lệ VB đến điện tử (%)", "percent"),
        Column("records", "Hồ sơ công việc"),
        Column("records_online", "Hồ sơ xử lý trên mạng"),
        Column("online_share", "Tỷ lệ xử lý trên mạng (%)", "percent"),
        Column("online_target", "Mục tiêu (%)", "percent"),
    ]
    rows = [row | {"online_target": targets.online(row["grp"])} for row in figures]
    return Table(
        "received",
        "Văn bản đến điện tử và hồ sơ công việc xử lý trên mạng (theo sổ đăng ký)",
        _group_columns(request) + columns,
        _pick(rows, [c.key for c in columns]),
    )


def _source(row: dict[str, Any]) -> str | None:
    if row["from_register"] and row["from_estimate"]:
        return MIXED
    if row["from_estimate"]:
        return ESTIMATE
    if row["from_register"]:
        return REGISTER
    return None


def _signatures_table(
    figures: list[dict[str, Any]], request: ReportRequest, settings: ReportsSettings
) -> Table:
    columns = [
        Column("documents", "VB đi điện tử"),
        Column("scanned", "VB scan"),
        Column("scanned_share", "Tỷ lệ scan (%)", "percent"),
        Column("scanned_max", "Tối đa (%)", "percent"),
        Column("signed", "VB có chữ ký số"),
        Column("signed_share", "Tỷ lệ ký số (%)", "percent"),
        Column("signed_target", "Mục tiêu ký số (%)", "percent"),
        Column("valid", "Chữ ký hợp lệ"),
        Column("valid_share", "Tỷ lệ chữ ký hợp lệ (%)", "percent"),
    ]
    rows = [
        row
        | {
            "documents": row["sent"],
            "scanned_max": settings.scanned_max,
            "signed_target": settings.signed_target,
        }
        for row in figures
    ]
    return Table(
        "signatures",
        "Văn bản scan và văn bản có chữ ký số trong văn bản đi điện tử",
        _group_columns(request) + columns,
        _pick(rows, [c.key for c in columns]),
    )


def _late_table(figures: list[dict[str, Any]], request: ReportRequest) -> Table:
    columns = [
        Column("timed", "VB có ngày ký"),
        Column("late", "VB gửi chậm"),
        Column("late_share", "Tỷ lệ gửi chậm (%)", "percent"),
        Column("max_delay", "Chậm nhất (ngày làm việc)", "days"),
    ]
    return Table(
        "late",
        "Gửi chậm: quá sáng ngày làm việc tiếp theo sau ngày ký",
        _group_columns(request) + columns,
        _pick(figures, [c.key for c in columns]),
    )


def _violations_table(rows: list[dict[str, Any]], request: ReportRequest) -> Table:
    columns = [
        Column("action", "Xử lý", "text"),
        Column("rule", "Quy tắc", "text"),
        Column("outgoing", "Thư gửi đi"),
        Column("incoming", "Thư đến"),
    ]
    return Table(
        "violations",
        "Vi phạm quy chế sử dụng thư điện tử công vụ",
        _group_columns(request) + columns,
        _pick(rows, [c.key for c in columns]),
    )
