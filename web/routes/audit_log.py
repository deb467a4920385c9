"""The audit log for auditors and admins: read and export."""

from __future__ import annotations

from datetime import datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web import audit
from web.i18n import VN_TZ
from web.pages import app_state, forbidden, render, sign_in_redirect, viewer_of


def _filters(request: Request) -> dict:
    q = request.query_params
    filters: dict = {
        "username": q.get("user") or None,
        "action": q.get("action") if q.get("action") in audit.ACTIONS else None,
        "outcome": q.get("outcome") if q.get("outcome") in ("ok", "denied", "failed") else None,
    }
    for key, name, shift in (("since", "from", 0), ("until", "to", 1)):
        try:
            day = datetime.strptime(q.get(name, ""), "%Y-%m-%d").replace(tzinfo=VN_TZ)
            filters[key] = day + timedelta(days=shift)
        except ValueError:
            pass
    return filters


async def audit_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request)
    if not viewer.can("audit"):
        return forbidden(request, viewer, "view", "audit-log")
    state = app_state(request)
    filters = _filters(request)
    with state.archive.sessions() as session:
        rows = audit.entries(session, limit=500, **filters)
        if request.query_params.get("format") == "csv":
            body = audit.to_csv(rows)
            return Response(
                body.encode("utf-8-sig"),
                media_type="text/csv; charset=utf-8",
                headers={"content-disposition": 'attachment; filename="audit-log.csv"'},
            )
    return render(
        request, "audit.html", viewer, rows=rows, actions=audit.ACTIONS, query=request.query_params
    )


routes = [Route("/audit", audit_page, methods=["GET"])]
