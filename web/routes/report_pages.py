"""The reports page: the exchange reports of `govmail report`, with their chart, and the
same exports (XLSX, CSV, printable HTML). A clerk sees their own agency only."""

from __future__ import annotations

import base64
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reports.directory import AgencyNotFound
from reports.periods import parse_period
from reports.render import render
from reports.render.formatting import display, verdicts
from reports.report import ReportRequest, build_report
from web.pages import app_state, bad_request, forbidden, record, sign_in_redirect, viewer_of
from web.pages import render as render_page

EXPORTS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "html": ("text/html; charset=utf-8", "html"),
}
LEVELS = ("", "province", "department", "district", "commune")


def _request(request: Request, viewer) -> tuple[ReportRequest | None, dict]:
    params = request.query_params
    form = {
        "period": params.get("period") or f"{date.today().year}",
        "agency": params.get("agency", "").strip(),
        "level": params.get("level", "") if params.get("level", "") in LEVELS else "",
        "by": params.get("by", "agency")
        if params.get("by") in ("agency", "month", "level")
        else "agency",
    }
    if viewer.role == "clerk":
        form["agency"] = viewer.user.agency or ""
    try:
        period = parse_period(form["period"])
    except ValueError as exc:
        form["error"] = str(exc)
        return None, form
    return ReportRequest(period, form["by"], form["agency"] or None, form["level"] or None), form


def _allowed(request: Request):
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request), None
    if not viewer.can("reports"):
        return forbidden(request, viewer, "report", "reports"), None
    return viewer, viewer


async def reports_page(request: Request) -> Response:
    response, viewer = _allowed(request)
    if viewer is None:
        return response
    state = app_state(request)
    wanted, form = _request(request, viewer)
    report = chart = None
    if wanted is not None and "period" in request.query_params:
        try:
            report = build_report(state.archive.sessions, state.settings.reports, wanted)
        except (AgencyNotFound, ValueError) as exc:
            form["error"] = str(exc)
        if report is not None:
            png = render(report, "png", state.settings.reports)
            chart = "data:image/png;base64," + base64.b64encode(png).decode()
            record(request, viewer, "report", target=f"{form['period']} {form['agency']}")
    return render_page(
        request,
        "reports.html",
        viewer,
        form=form,
        report=report,
        chart=chart,
        display=display,
        verdicts=verdicts,
        levels=LEVELS,
        query=request.url.query,
    )


async def reports_export(request: Request) -> Response:
    response, viewer = _allowed(request)
    if viewer is None:
        return response
    fmt = request.path_params["fmt"]
    if fmt not in EXPORTS:
        return bad_request(request, viewer)
    state = app_state(request)
    wanted, form = _request(request, viewer)
    if wanted is None:
        return bad_request(request, viewer)
    try:
        report = build_report(state.archive.sessions, state.settings.reports, wanted)
    except (AgencyNotFound, ValueError):
        return bad_request(request, viewer)
    media, ext = EXPORTS[fmt]
    body = render(report, fmt, state.settings.reports)
    record(
        request, viewer, "export", target=f"report {form['period']} {form['agency']}", detail=fmt
    )
    name = f"bao-cao-{form['period']}.{ext}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if fmt == "html":  # the printable report styles itself; let it, in its own sandbox
        headers["content-security-policy"] = "sandbox; style-src 'unsafe-inline'; img-src data:"
    return Response(body, media_type=media, headers=headers)


routes = [
    Route("/reports", reports_page, methods=["GET"]),
    Route("/reports/export/{fmt}", reports_export, methods=["GET"]),
]
