"""The SLA page: the account's policies in match order, and how the targets went — per
kind the share met with its interval, breached and still running, by month, and CSAT of
tickets that met every target against those with a breach (the report's sla rows)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.domain.sla import TARGET_KINDS
from cxpulse.service.accounts import get_account
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.sla import policy_rows
from cxpulse.storage import Store
from cxpulse.web import charts, i18n
from cxpulse.web.dashboard.common import Period, filters, page, period
from cxpulse.web.dashboard.format import minutes, percent
from cxpulse.web.i18n import N_
from cxpulse.web.i18n import gettext as _
from cxpulse.web.dashboard.session import ViewerDep

router = APIRouter(include_in_schema=False)

TARGET_NAMES = {"first_reply": N_("First reply"), "next_reply": N_("Next reply"), "resolution": N_("Resolution"),
                "requester_wait": N_("Requester wait")}  # translated where shown
BUCKET_WORDS = {"met": N_("met"), "breached": N_("breached")}  # csat_by_sla's buckets, as the chart labels them


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
        shown = [replace(b, label=_(BUCKET_WORDS.get(b.label, b.label))) for b in bars]
        desc = _("CSAT of tickets with every SLA target met, and with one or more breached: ") + "; ".join(
            f"{b.label}: {percent(b.value)} (n = {b.n})" for b in shown)
        svg = charts.bar_chart(shown, chart_id="csat-by-sla", title=_("CSAT by SLA"), desc=desc,
                               fmt=lambda v: percent(v, 0))
    return {"policies": _policies(store, account), "figures": figures, "csat": bars, "csat_svg": svg,
            "target_names": TARGET_NAMES}


def _policies(store: Store, account: str) -> list[dict]:
    """service.sla.policy_rows, each target's time in the page's language ("1 ч рабочего времени")."""
    rows = policy_rows(store, account)
    if i18n.language() == "en":
        return rows
    policies = [pol for s in get_account(store, account).account.sla for pol in s.policies]
    for row, pol in zip(rows, policies, strict=True):
        for kind in TARGET_KINDS:
            t = pol.target(kind)
            if t:
                row[kind] = (_("%(time)s business") if t.business_hours else "%(time)s") % {"time": minutes(t.minutes)}
    return rows


@router.get("/sla", response_class=HTMLResponse)
async def sla_page(request: Request, viewer: ViewerDep, days: str | None = None) -> HTMLResponse:
    p, f = period(request, days), filters(request)
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("SLA"), active="/sla", period=p)
    data = await run_in_threadpool(sla_view, request.app.state.store, viewer.account, p, request.app.state.clock(),
                                   f.where)
    choices = await run_in_threadpool(request.app.state.context.choices, viewer.account, p.since, p.until)
    return page(request, viewer, "sla.html", title=_("SLA targets — %(account)s") % {"account": viewer.account},
                active="/sla", period=p,
                filters=f, choices=choices, sla=data)
