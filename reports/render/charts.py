"""The report's charts as one PNG (matplotlib, Agg canvas, no GUI and no global state)."""

from __future__ import annotations

import io
import textwrap

from config.sections.reports import ReportsSettings
from reports.model import ESTIMATE, MIXED, Report

DPI = 100


def render_png(report: Report, settings: ReportsSettings) -> bytes:
    """Four panels: documents sent/received, electronic share, scans, signatures, each
    against its target; groups whose total is estimated are hatched and the note says so."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(settings.chart_width / DPI, settings.chart_height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    groups = _groups(report, settings.chart_max_groups)
    labels = [g["label"] for g in groups]
    axes = figure.subplots(2, 2)
    _volumes(axes[0][0], groups, labels)
    electronic = report.table("electronic")
    target = next((r["electronic_target"] for r in electronic.rows), None)
    _shares(
        axes[0][1],
        labels,
        [g["electronic_share"] for g in groups],
        "Tỷ lệ văn bản đi điện tử (%)",
        target,
        "mục tiêu",
        hatched=[g["estimated"] for g in groups],
    )
    _shares(
        axes[1][0],
        labels,
        [g["scanned_share"] for g in groups],
        "Tỷ lệ văn bản scan (%)",
        settings.scanned_max,
        "tối đa",
    )
    _shares(
        axes[1][1],
        labels,
        [g["valid_share"] for g in groups],
        "Tỷ lệ có chữ ký số hợp lệ (%)",
        settings.signed_target,
        "mục tiêu",
    )
    figure.suptitle(report.title, fontsize=13)
    footer = [n for n in report.notes if report.estimated and n.startswith("Ước tính")]
    if any(g["estimated"] for g in groups):
        footer.insert(0, "Cột gạch chéo: tổng số văn bản ước tính (estimate).")
    if footer:
        figure.text(0.01, 0.01, textwrap.fill(" ".join(footer), 190), fontsize=7, va="bottom")
    figure.subplots_adjust(left=0.06, right=0.98, top=0.9, bottom=0.2, hspace=0.7, wspace=0.15)
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=DPI,
        metadata={"Title": report.title, "Description": "\n".join(report.notes)},
    )
    return buffer.getvalue()


def _groups(report: Report, limit: int) -> list[dict]:
    """Rows of the figures tables side by side, busiest first, at most ``limit``."""
    exchange = {r["group"]: r for r in report.table("exchange").rows}
    electronic = {r["group"]: r for r in report.table("electronic").rows}
    signatures = {r["group"]: r for r in report.table("signatures").rows}
    groups = []
    for key, row in exchange.items():
        if key == "total":
            continue
        source = electronic[key]["total_source"]
        groups.append(
            {
                "label": _short(key, report.by),
                "sent": row["sent"],
                "received": row["received"],
                "electronic_share": electronic[key]["electronic_share"],
                "estimated": source in (ESTIMATE, MIXED),
                "scanned_share": signatures[key]["scanned_share"],
                "valid_share": signatures[key]["valid_share"],
            }
        )
    if len(groups) > limit:
        keep = sorted(groups, key=lambda g: g["sent"] + g["received"], reverse=True)[:limit]
        groups = [g for g in groups if g in keep]
    return groups


def _short(key: str, by: str) -> str:
    if by == "agency":
        from reports.agency_codes import AgencyCodeError, short_code

        try:
            return short_code(key)
        except AgencyCodeError:
            return key
    return key


def _volumes(ax, groups: list[dict], labels: list[str]) -> None:
    positions = range(len(groups))
    ax.bar([p - 0.2 for p in positions], [g["sent"] for g in groups], 0.4, label="VB đi")
    ax.bar([p + 0.2 for p in positions], [g["received"] for g in groups], 0.4, label="VB đến")
    ax.set_title("Văn bản đi / đến qua thư điện tử", fontsize=10)
    _ticks(ax, labels)
    if groups:
        ax.legend(fontsize=8)


def _shares(ax, labels, values, title, target, target_label, hatched=None) -> None:
    heights = [v or 0 for v in values]
    bars = ax.bar(range(len(labels)), heights, 0.6, color="#4c72b0")
    for bar, hatch in zip(bars, hatched or [False] * len(bars), strict=True):
        if hatch:
            bar.set_hatch("//")
            bar.set_facecolor("#9fb4d8")
    if target is not None:
        ax.axhline(target, color="#c44e52", linestyle="--", linewidth=1.2)
        ax.text(
            len(labels) - 0.5 if labels else 0,
            target,
            f" {target_label} {target:g}%",
            color="#c44e52",
            fontsize=8,
            va="bottom",
            ha="right",
        )
    ax.set_ylim(0, max([100.0, *heights]) * 1.05)
    ax.set_title(title, fontsize=10)
    _ticks(ax, labels)


def _ticks(ax, labels: list[str]) -> None:
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
    ax.tick_params(axis="y", labelsize=8)
