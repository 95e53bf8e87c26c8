"""The Connections page: each help desk connection of the accounts the viewer may see —
kind, base URL, the token masked (`…last4`), last sync, cursor position, last error, a
sync running now and the next scheduled one. Read only, from
service.sync_schedule.connection_states (what GET /api/v1/connections answers too)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.service.sync_schedule import connection_states
from cxpulse.web.dashboard.common import page
from cxpulse.web.dashboard.format import when
from cxpulse.web.i18n import gettext as _
from cxpulse.web.dashboard.session import ViewerDep

router = APIRouter(include_in_schema=False)

EPOCH_FROM = 946_684_800  # 2000-01-01: a cursor number past it is a time (a `start_time`), not a count


def cursor_position(text: str) -> list[tuple[str, str]]:
    """The saved cursor (JSON) as (what, where) pairs a person can read: times as times,
    the help desk's opaque cursors as they are. [] before the first sync.

    >>> cursor_position('{"tickets": "MTcz", "events_since": 1764979200}')
    [('tickets', 'MTcz'), ('events since', '2025-12-06 00:00 UTC')]
    >>> cursor_position("")
    []
    """
    if not text:
        return []
    try:
        data: Any = json.loads(text)
    except ValueError:
        return [("cursor", text)]
    if not isinstance(data, dict):
        return [("cursor", text)]
    out = []
    for k, v in data.items():
        if isinstance(v, int | float) and not isinstance(v, bool) and v >= EPOCH_FROM:
            v = when(datetime.fromtimestamp(v, UTC))
        out.append((str(k).replace("_", " "), v if isinstance(v, str) else json.dumps(v)))
    return out


@router.get("/connections", response_class=HTMLResponse)
async def connections_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    ctx = request.app.state.context
    seen = None if viewer.key.admin else {viewer.account or ""}
    rows = await run_in_threadpool(connection_states, ctx, seen)
    now = request.app.state.clock()
    for r in rows:
        r["position"] = cursor_position(r["cursor"])
        r["due_now"] = r["next_sync_at"] is not None and r["next_sync_at"] <= now
    return page(request, viewer, "connections.html", title=_("Connections"), active="/connections", connections=rows,
                admin=viewer.key.admin)
