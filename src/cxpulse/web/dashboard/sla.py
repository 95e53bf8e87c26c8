"""The SLA page: the account's policies in match order, and how the targets went — per
kind the share met with its interval, breached and still running, by month, and CSAT of
tickets that met every target against those with a breach (the report's sla rows)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.domain.sla import TARGET_KINDS
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.sla import policy_rows
from cxpulse.storage import Store
from cxpulse.web import charts
from cxpulse.web.dashboard.common import Period, filters, page, period
from cxpulse.web.dashboard.format import percent
from cxpulse.web.dashboard.session import ViewerDep

router = APIRouter(include_in_schema=False)

TARGET_NAMES = {"first_reply": "First reply", "next_reply": "Next reply", "resolution": "Resolution",
                "requester_wait": "Requester wait"}


def sla_view(store: Store, account: str, p: Period, now: datetime | None = None,
             where: tuple[tuple[str, str], ...] = ()) -> dict:
    """Policies (every version), the figures of the tickets created in the period, and CSAT by
    SLA; a running target is judged against `now` (the app's clock)."""
    now = now or datetime.now(UTC)
    rows = report(store, ReportQuery(metrics=("sla",), account=account, since=p.since, until=p.until, now=now,
                                     where=where))
    figures = []
    for kind in TARGET_KINDS:
        row = next((r for r in rows if r["metric"] == f"sla_{kind}"), None)
        if row is not None:
            figures.append({**row, "name": TARGET_NAMES[kind]})
    bars = [charts.Point(r["bucket"], r["value"], r["low"], r["high"], r["n"])
            for r in rows if r["metric"] == "csat_by_sla"]
    svg = ""
    if bars:
        desc = "CSAT of tickets with every SLA target met, and with one or more breached: " + "; ".join(
            f"{b.label}: {percent(b.value)} (n = {b.n})" for b in bars)
        svg = charts.bar_chart(bars, chart_id="csat-by-sla", title="CSAT by SLA", desc=desc,
                               fmt=lambda v: percent(v, 0))
    return {"policies": policy_rows(store, account), "figures": figures, "csat": bars, "csat_svg": svg,
            "target_names": TARGET_NAMES}


@router.get("/sla", response_class=HTMLResponse)
async def sla_page(request: Request, viewer: ViewerDep, days: str | None = None) -> HTMLResponse:
    p, f = period(request, days), filters(request)
    if viewer.account is None:
        return page(request, viewer, "empty.html", title="SLA", active="/sla", period=p)
    data = await run_in_threadpool(sla_view, request.app.state.store, viewer.account, p, request.app.state.clock(),
                                   f.where)
    choices = await run_in_threadpool(request.app.state.context.choices, viewer.account, p.since, p.until)
    return page(request, viewer, "sla.html", title=f"SLA targets — {viewer.account}", active="/sla", period=p,
                filters=f, choices=choices, sla=data)
