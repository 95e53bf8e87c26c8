"""Why satisfaction moves: CSAT by first-reply time, reopens, reassignments and the
promised date (the report's csat-by-kpi rows), and the low ratings themselves with their comments and
the words over-represented in them (service.drilldown)."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.service.drilldown import SIGNIFICANT_Z
from cxpulse.service.drilldown import low_ratings as drilldown
from cxpulse.service.drilldown import ticket_comments
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import Store
from cxpulse.surveys.definitions import REASONS
from cxpulse.surveys.i18n import reason_text
from cxpulse.web import charts, i18n
from cxpulse.service import breakdowns
from cxpulse.web.dashboard.format import mean as mean_text
from cxpulse.web.dashboard.format import nps as nps_text
from cxpulse.web.dashboard.format import percent
from cxpulse.web.dashboard.common import Period, filters, page, period
from cxpulse.web.dashboard.session import ViewerDep
from cxpulse.web.i18n import N_
from cxpulse.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

DRIVERS = (  # report metric, heading, what the buckets count
    ("csat_by_first_reply", N_("%(figure)s by first-reply time"), N_("time to the first agent reply")),
    ("csat_by_reopens", N_("%(figure)s by reopens"), N_("times the ticket was reopened")),
    ("csat_by_reassignments", N_("%(figure)s by reassignments"), N_("times the ticket changed agent")),
    ("csat_by_due", N_("%(figure)s by the promised date"), N_("solved by the time promised to the customer, or late")),
)
# the buckets' labels as storage/queries.py and service/breakdowns.py name them
BUCKET_WORDS = (N_("<1 h"), N_("1–4 h"), N_("4–24 h"), N_(">24 h"), N_("no reply"), N_("on time"), N_("late"))
OPTIONAL = frozenset({"csat_by_due"})  # shown only when the account's tickets carry due dates
LOW_RATINGS_SHOWN = 30
# a list page shows this much of a comment or subject and links to the whole: a 1 MB comment
# made the Low ratings page 2.1 MB
TEXT_SHOWN = 280


def clipped(text: str | None, limit: int = TEXT_SHOWN) -> tuple[str, bool]:
    """`text` cut to `limit` characters at a word boundary where one is near, and whether it was cut."""
    text = text or ""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 3 // 4 else cut).rstrip() + "…", True


DRIVER_METRICS = {  # ?metric=: label, what a bar shows, the chart's bounds and format
    "csat": ("CSAT", N_("Share of satisfied answers"), (0.0, 100.0), lambda v: percent(v, 0)),
    "nps": ("NPS", N_("Promoters minus detractors"), (-100.0, 100.0), nps_text),
    "ces": ("CES", N_("Mean effort answer, higher is easier"), None, lambda v: mean_text(v, 1)),
}


def drivers(store: Store, account: str, p: Period, where: tuple[tuple[str, str], ...] = (),
            metric: str = "csat", now=None) -> list[dict]:
    """CSAT (the report's csat-by-kpi rows), NPS or CES (service.breakdowns.by_bucket) for
    each bucket of first-reply time, reopens, reassignments and the promised date."""
    label, _shows, bounds, fmt = DRIVER_METRICS[metric]
    if metric == "csat":
        rows = report(store, ReportQuery(metrics=("csat-by-kpi",), account=account, since=p.since, until=p.until,
                                         where=where, now=now))
        found = {m: [charts.Point(r["bucket"], r["value"], r["low"], r["high"], r["n"])
                     for r in rows if r["metric"] == m] for m, _h, _c in DRIVERS}
        scale = ""
    else:
        buckets = breakdowns.by_bucket(store, account, p.since, p.until, where, kind=metric, now=now)
        found = {f"csat_by_{b}": [charts.Point(lbl, e.value, e.low, e.high, e.n) for lbl, e, _s in rows]
                 for b, rows in buckets.items()}
        scale = next((s for rows in buckets.values() for _l, _e, s in rows), "")
    if metric == "ces" and scale:
        lo, hi = (1.0, 7.0) if scale == "1-7" else (1.0, 10.0)
        bounds = (lo, hi)
    out = []
    for key, heading, counts in DRIVERS:
        bars = found.get(key, [])
        if not bars and key in OPTIONAL:
            continue
        heading = _(heading) % {"figure": label}
        shown = [replace(b, label=_(b.label)) for b in bars]  # the bars keep the bucket as stored: links carry it
        desc = _("%(figure)s for each bucket of %(counts)s: ") % {"figure": label, "counts": _(counts)} + "; ".join(
            f"{b.label}: {fmt(b.value)} (n = {b.n})" for b in shown) if bars else _("no answers")
        chart_id = key.replace("csat_by_", f"{metric}_by_").replace("_", "-")
        svg = charts.bar_chart(shown, chart_id=chart_id, title=heading, desc=desc, fmt=fmt,
                               bounds=bounds or (0.0, 100.0)) if bars else ""
        out.append({"key": key, "heading": heading, "counts": counts, "bars": bars, "svg": svg, "kind": metric,
                    "scale": scale})
    return out


def reason_words(reason: str) -> str:
    """A survey reason in the page's language when the surveys translate it (their catalogs,
    surveys/locales); a help desk's own reason, and every reason in English, as stored."""
    lang = i18n.language()
    if lang == "en" or reason not in REASONS:
        return reason
    return reason_text(reason, lang)


def reason_charts(reasons: list) -> list[dict]:
    """Per survey kind, the reasons its low answers picked, counted, as a bar chart of their
    shares: what customers themselves say went wrong."""
    out = []
    for kind in ("csat", "nps", "ces"):
        mine = [r for r in reasons if r.kind == kind]
        if not mine:
            continue
        label = DRIVER_METRICS[kind][0]
        bars = [charts.Point(reason_words(r.reason), r.share, None, None, r.n) for r in mine]
        top = max(b.value for b in bars)
        upper = next((t for t in (20, 25, 40, 50, 60, 80, 100) if t >= top), 100)
        desc = _("Reasons given with low %(figure)s answers: ") % {"figure": label} + "; ".join(
            f"{b.label}: {b.n} ({percent(b.value, 0)})" for b in bars)
        svg = charts.bar_chart(bars, chart_id=f"reasons-{kind}",
                               title=_("Reasons picked with low %(figure)s answers") % {"figure": label},
                               desc=desc, fmt=lambda v: percent(v, 0), bounds=(0.0, float(upper)))
        out.append({"kind": kind, "label": label, "bars": bars, "svg": svg, "n": sum(b.n for b in bars)})
    return out


@router.get("/drivers", response_class=HTMLResponse)
async def drivers_page(request: Request, viewer: ViewerDep, days: str | None = None,
                       metric: str = "csat") -> HTMLResponse:
    p, f = period(request, days), filters(request)
    metric = metric if metric in DRIVER_METRICS else "csat"
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Drivers"), active="/drivers", period=p)
    data = await run_in_threadpool(drivers, request.app.state.store, viewer.account, p, f.where, metric,
                                   request.app.state.clock())
    choices = await run_in_threadpool(request.app.state.context.choices, viewer.account, p.since, p.until)
    return page(request, viewer, "drivers.html",
                title=_("What drives satisfaction — %(account)s") % {"account": viewer.account},
                active="/drivers", period=p, filters=f, choices=choices, drivers=data, metric=metric,
                metrics=DRIVER_METRICS)


@router.get("/low-ratings", response_class=HTMLResponse)
async def low_ratings_page(request: Request, viewer: ViewerDep, days: str | None = None) -> HTMLResponse:
    p, f = period(request, days), filters(request)
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Low ratings"), active="/low-ratings", period=p)
    data = await run_in_threadpool(lambda: drilldown(request.app.state.store, account=viewer.account, since=p.since,
                                                     until=p.until, limit=LOW_RATINGS_SHOWN, where=f.where,
                                                     min_z=SIGNIFICANT_Z))
    ctx = request.app.state.context
    choices = await run_in_threadpool(ctx.choices, viewer.account, p.since, p.until)
    reasons = reason_charts(await run_in_threadpool(ctx.kept, breakdowns.low_reasons, viewer.account, p.since,
                                                    p.until, f.where))
    for t in data.tickets:
        t["comment_shown"], t["comment_cut"] = clipped(t["comment"])
        t["subject_shown"], t["subject_cut"] = clipped(t["subject"])
    return page(request, viewer, "low_ratings.html", title=_("Low ratings — %(account)s") % {"account": viewer.account},
                active="/low-ratings", period=p, filters=f, choices=choices, data=data, reasons=reasons,
                min_z=SIGNIFICANT_Z)


@router.get("/comments", response_class=HTMLResponse)
async def comments_page(request: Request, viewer: ViewerDep, ticket: str = "") -> HTMLResponse:
    """One ticket's answers with their whole comments, for the viewer's account only: another
    account's ticket id finds nothing, the same as an unknown one."""
    found = []
    if viewer.account is not None and ticket:
        found = await run_in_threadpool(ticket_comments, request.app.state.store, viewer.account, ticket)
    if not found:
        return page(request, viewer, "message.html", title=_("No such ticket"), active="/low-ratings", status_code=404,
                    message=_("This account has no answers for that ticket."))
    return page(request, viewer, "comments.html", title=_("Ticket %(ticket)s — %(account)s") % {
                    "ticket": ticket, "account": viewer.account}, active="/low-ratings",
                ticket=ticket, answers=found, subject=found[0]["subject"])
