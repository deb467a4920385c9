"""What a signed-in viewer may see: their scope, computed once per request."""

from __future__ import annotations

from starlette.requests import Request

from gateway.access import user_scope
from search.scope import Scope
from web.context import Viewer
from web.pages import app_state


def scope_of(request: Request, viewer: Viewer) -> Scope:
    state = app_state(request)
    with state.archive.sessions() as session:
        user = viewer.user
        return user_scope(session, user.role, user.mailbox, user.agency)
