"""The search page: the query language of `govmail search` plus filters, snippets,
exact totals, pagination and CSV download — the same SearchService, the same scope."""

from __future__ import annotations

import csv
import io
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from search.query import QuerySyntaxError
from search.service import SearchService
from web.pages import (
    app_state,
    bad_request,
    forbidden,
    record,
    render,
    sign_in_redirect,
    viewer_of,
)
from web.security import spreadsheet_safe
from web.viewing import scope_of

FILTERS = ("from_date", "to_date", "agency", "type", "signed", "scanned", "direction")
CSV_LIMIT = 10_000
# The engine collects every hit before the requested page: an unbounded page number
# (page=999999999) makes tantivy allocate hundreds of gigabytes and aborts the server.
MAX_PAGE = 1_000
_SAFE_VALUE = re.compile(r'^[^"]{1,200}$')


def query_of(params) -> str:
    """The query box plus the filters, as one query in the query language."""
    parts = [params.get("q", "").strip()]
    start, end = params.get("from_date", ""), params.get("to_date", "")
    if start or end:
        parts.append(f"date:{start}..{end}")
    for name in ("agency", "type"):
        value = params.get(name, "").strip()
        if value and _SAFE_VALUE.match(value):
            parts.append(f'{name}:"{value}"')
    for name in ("signed", "scanned"):
        if params.get(name) in ("yes", "no"):
            parts.append(f"{name}:{params[name]}")
    if params.get("direction") in ("in", "out", "internal"):
        parts.append(f"direction:{params['direction']}")
    return " ".join(p for p in parts if p)


def _service(request: Request) -> SearchService:
    state = app_state(request)
    return SearchService(state.settings, state.archive)


async def search_page(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request)
    if not viewer.can("search"):
        return forbidden(request, viewer, "search", "search")
    params = request.query_params
    text = query_of(params)
    raw_page = params.get("page", "1")
    valid = raw_page.isascii() and raw_page.isdigit() and len(raw_page) <= 9
    if not valid or not 1 <= int(raw_page) <= MAX_PAGE:
        return bad_request(request, viewer, "bad_parameter")
    page_number = int(raw_page)
    result = error = None
    if "q" in params:
        service = _service(request)
        try:
            result = service.search(text, scope_of(request, viewer), page=page_number)
        except QuerySyntaxError as exc:
            error = exc
        finally:
            service.close()
        record(
            request,
            viewer,
            "search",
            target=text[:500],
            outcome="ok" if error is None else "failed",
            detail=None if result is None else f"{result.total} hits",
        )
    return render(
        request,
        "search.html",
        viewer,
        params=params,
        text=text,
        result=result,
        error=error,
        filters=FILTERS,
    )


async def search_csv(request: Request) -> Response:
    viewer = viewer_of(request)
    if viewer is None:
        return sign_in_redirect(request)
    if not viewer.can("search"):
        return forbidden(request, viewer, "export", "search.csv")
    text = query_of(request.query_params)
    service = _service(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "message_id", "date", "from", "subject", "matched_in", "snippet"])
    try:
        scope = scope_of(request, viewer)
        page, written = 1, 0
        while written < CSV_LIMIT:
            result = service.search(text, scope, page=page, limit=500)
            for hit in result.hits:
                writer.writerow(
                    spreadsheet_safe(cell)
                    for cell in [
                        hit.id,
                        hit.message_id or "",
                        hit.date.isoformat() if hit.date else "",
                        hit.sender or "",
                        hit.subject or "",
                        hit.matched_in,
                        hit.snippet.text(""),
                    ]
                )
                written += 1
            if page >= result.pages:
                break
            page += 1
    except QuerySyntaxError:
        return Response("query error", status_code=400)
    finally:
        service.close()
    record(request, viewer, "export", target=text[:500], detail=f"{written} rows (CSV)")
    return Response(
        out.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="ket-qua-tim-kiem.csv"'},
    )


routes = [
    Route("/search", search_page, methods=["GET"]),
    Route("/search.csv", search_csv, methods=["GET"]),
]
