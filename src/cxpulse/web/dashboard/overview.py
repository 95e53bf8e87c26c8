"""The overview: satisfaction figures with their intervals and change, trends, response
rate and KPIs — what a support lead reads first.

Everything comes from `service.report.report` (the same rows as `cxpulse report` and
`GET /api/v1/metrics`): one call for the period compared with the one before, one for
the trend (by week over the last 26 weeks, by month over a year). Both are read through
the app's one report cache (`App.reports`, service/report_cache.py, the same kept rows
`GET /api/v1/metrics` answers from), so a lead flicking between pages does not recount.
The page assembled from them (figures, SVG trends) is kept beside the rows it was built
from (`Views`) and built again only when the cache hands out new rows.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.service import breakdowns
from cxpulse.service.report import ReportQuery
from cxpulse.web import charts, i18n
from cxpulse.web.dashboard import format as formats
from cxpulse.web.dashboard.common import Period, filters, page, period
from cxpulse.web.dashboard.session import ViewerDep
from cxpulse.web.i18n import N_
from cxpulse.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

TREND_WEEKS = 26
FIGURES = ("csat", "nps", "ces", "csi")
LABELS = {"csat": "CSAT", "nps": "NPS", "ces": "CES", "csi": "CSI"}
EXPLAIN = {
    "csat": N_("share of satisfied answers"),
    "nps": N_("promoters minus detractors, −100 to +100"),
    "ces": N_("mean effort score, higher is easier"),
    "csi": N_("satisfaction index, 0–100"),
}
BOUNDS = {"csat": (0.0, 100.0), "nps": (-100.0, 100.0), "csi": (0.0, 100.0)}
KPIS = (  # metric, label, format kind
    ("first_reply_minutes", N_("Median first reply"), "minutes"),
    ("full_resolution_minutes", N_("Median full resolution"), "minutes"),
    ("reopen_rate", N_("Reopen rate"), "rate"),
    ("one_touch_rate", N_("One-touch resolution"), "rate"),
    ("resolution_rate", N_("Resolved (of tickets created)"), "rate"),
    ("requester_wait_minutes", N_("Median customer wait"), "minutes"),
    ("overdue_rate", N_("Overdue (of tickets with a due date)"), "rate"),  # shown when the account has due dates
)
OPTIONAL_KPIS = frozenset({"overdue_rate"})
# what each KPI counts, said on its card (issue 18 §5: a rate over 100% needs its definition)
KPI_NOTES = {
    "first_reply_minutes": N_("From creation to the first public agent reply; median of the tickets created in the "
                              "period."),
    "full_resolution_minutes": N_("From creation to the last solve; median of the solved tickets created in the "
                                  "period."),
    "reopen_rate": N_("Of the solved tickets created in the period, the share reopened at least once."),
    "one_touch_rate": N_("Of the solved tickets created in the period, the share solved with one agent reply and no "
                         "reopen."),
    "resolution_rate": N_("Tickets solved in the period ÷ tickets created in it: over 100% when more were solved than "
                          "came in (the backlog shrank). Interval: the ratio of two counts."),
    "requester_wait_minutes": N_("Time the customer waited on the agents (new, open, on hold); median of the tickets "
                                 "created in the period."),
    "overdue_rate": N_("Of the tickets with a promised time, the share solved after it or still open past it."),
}
# each KPI card links to the tickets it counted (/tickets), sorted or narrowed to show it
KPI_LINKS = {
    "first_reply_minutes": {"sort": "first_reply"},
    "full_resolution_minutes": {"sort": "resolution"},
    "requester_wait_minutes": {"sort": "wait"},
    "reopen_rate": {"reopened": "1"},
    "resolution_rate": {"solved": "1"},
}


@dataclass
class Figure:
    """One headline figure: the report row (value, low, high, n and the change) and how to read it."""

    key: str
    label: str
    kind: str
    row: dict | None
    note: str = ""


@dataclass
class Trend:
    key: str
    label: str
    grain: str  # week | month
    points: list[charts.Point]
    svg: str


@dataclass
class Overview:
    period: Period
    figures: list[Figure]
    kpis: list[Figure]
    response_rates: list[dict]
    trends: list[Trend]
    created: int | None  # tickets created in the period


class Views:
    """Assembled overviews by (account, period), each with the report rows it was built
    from: one is answered only while the report cache still hands out those very rows, so
    it is never older than they are (no clock of its own)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: dict[tuple, tuple[tuple[list[dict], ...], Overview]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, sources: tuple[list[dict], ...]) -> Overview | None:
        hit = self._items.get(key)
        if hit is None or len(hit[0]) != len(sources) or any(a is not b for a, b in zip(hit[0], sources)):
            return None
        return hit[1]

    def put(self, key: tuple, sources: tuple[list[dict], ...], view: Overview) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (sources, view)


# ---- assembling the page ---------------------------------------------------------------------


def _biggest(rows: list[dict], metric: str) -> dict | None:
    """The row of `metric` with most answers (CES/CSI: the account's main scale)."""
    found = [r for r in rows if r["metric"] == metric]
    return max(found, key=lambda r: r["n"] or 0) if found else None


def trend_window(p: Period) -> tuple[str, date]:
    """By week over the last TREND_WEEKS weeks for a short period, by month over a year."""
    if p.days > 90:
        first = date(p.until.year, p.until.month, 1)
        for _ in range(11):
            first = (first - timedelta(days=1)).replace(day=1)
        return "month", first
    monday = p.until - timedelta(days=p.until.weekday())
    return "week", monday - timedelta(weeks=TREND_WEEKS - 1)


def trend_periods(grain: str, since: date, until: date) -> list[tuple[str, str]]:
    """(key as the report labels it, label for the chart) for each week or month."""
    out = []
    d = since
    while d <= until:
        if grain == "week":
            iso = d.isocalendar()
            out.append((f"{iso.year}-W{iso.week:02d}", formats.short_day(d)))
            d += timedelta(weeks=1)
        else:
            out.append((f"{d.year}-{d.month:02d}", formats.month(d, with_year=d.month == 1 or d == since)))
            d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _trend(key: str, grain: str, periods: list[tuple[str, str]], rows: list[dict], scale: str | None) -> Trend:
    metric_rows = {r["group"][grain]: r for r in rows
                   if r["metric"] == key and (scale is None or r.get("scale") == scale)}
    points = [
        charts.Point(label, r["value"], r["low"], r["high"], r["n"]) if (r := metric_rows.get(k)) else
        charts.Point(label, None)
        for k, label in periods
    ]
    fmt = {"csat": lambda v: formats.percent(v, 0), "nps": formats.nps, "ces": lambda v: formats.mean(v, 1),
           "csi": lambda v: formats.score(v)}[key]
    values = [p for p in points if p.value is not None]
    span = _("%(start)s to %(end)s") % {"start": periods[0][1], "end": periods[-1][1]} if periods else ""
    desc = (f"{formats.by_grain(LABELS[key], grain)}, {span}: " + "; ".join(f"{p.label} {fmt(p.value)}" for p in values)
            if values else _("no %(figure)s answers from %(span)s") % {"figure": LABELS[key], "span": span})
    ticks = {"csat": lambda v: formats.percent(v, 0), "nps": formats.nps, "ces": lambda v: formats.mean(v, 1),
             "csi": lambda v: formats.number(v, 0)}[key]
    title = _("%(what)s with 95%% interval") % {"what": formats.by_grain(LABELS[key], grain)}
    svg = charts.line_chart(points, chart_id=f"trend-{key}", title=title,
                            desc=desc, fmt=fmt, bounds=BOUNDS.get(key), tick_fmt=ticks)
    return Trend(key, LABELS[key], grain, points, svg)


def _note(key: str, row: dict | None, rows: list[dict]) -> str:
    """How to read a figure, and what is behind it: CES's share of easy answers, CSI's
    attributes to fix first (important and unsatisfying)."""
    if row is None:
        return _(EXPLAIN[key])
    if key == "ces":
        easy = next((r for r in rows if r["metric"] == "ces_easy" and r["scale"] == row["scale"]), None)
        share = ("; " + _("%(share)s found it easy") % {"share": formats.percent(easy["value"], 0)}
                 if easy and easy["value"] is not None else "")
        return _("mean effort on the %(scale)s scale, higher is easier") % {"scale": row["scale"]} + share
    if key == "csi":
        fix = [r["attribute"].replace("_", " ") for r in rows
               if r["metric"] == "csi_attribute" and r["scale"] == row["scale"] and r.get("quadrant") == "fix first"]
        return _(EXPLAIN[key]) + ("; " + _("fix first: %(attributes)s") % {"attributes": ", ".join(fix)} if fix else "")
    return _(EXPLAIN[key])


def overview_queries(account: str, p: Period, where: tuple[tuple[str, str], ...] = ()) -> tuple[ReportQuery, ...]:
    """The overview's two reports: the period compared with the one before, and the trend."""
    grain, since = trend_window(p)
    return (ReportQuery(account=account, since=p.since, until=p.until, compare_previous=True, where=where),
            ReportQuery(metrics=FIGURES, by=(grain,), account=account, since=since, until=p.until, where=where))


def build_overview(account: str, p: Period, rows: list[dict], trend_rows: list[dict], views: Views | None = None,
                   where: tuple[tuple[str, str], ...] = ()) -> Overview:
    """The overview's figures for one account, period and filters, from the rows of its two
    reports (`overview_queries`, as the cache handed them out; kept in `views` while those
    rows stay the cache's)."""
    grain, since = trend_window(p)
    key = (account, p, where, i18n.language())  # the page's words and formats are the language's
    view = views.get(key, (rows, trend_rows)) if views is not None else None
    if view is None:
        view = _assemble(p, rows, grain, since, trend_rows)
        if views is not None:
            views.put(key, (rows, trend_rows), view)
    return view


def _assemble(p: Period, rows: list[dict], grain: str, since: date, trend_rows: list[dict]) -> Overview:
    figures = []
    for key in FIGURES:
        row = _biggest(rows, key)
        figures.append(Figure(key, LABELS[key], key, row, _note(key, row, rows)))
    kpis = [Figure(m, label, kind, _biggest(rows, m)) for m, label, kind in KPIS]
    kpis = [k for k in kpis if k.row is not None or k.key not in OPTIONAL_KPIS]
    rates = sorted((r for r in rows if r["metric"] == "response_rate"), key=lambda r: FIGURES.index(r["kind"])
                   if r["kind"] in FIGURES else 9)
    created = next((r["n"] for r in rows if r["metric"] == "resolution_rate"), None)

    periods = trend_periods(grain, since, p.until)
    trends = []
    for f in figures:
        if f.row is None and not any(r["metric"] == f.key for r in trend_rows):
            continue
        trends.append(_trend(f.key, grain, periods, trend_rows, f.row.get("scale") if f.row else None))
    return Overview(p, figures, kpis, rates, trends, created)


def spread_charts(spreads: list) -> list[dict]:
    """One bar chart per survey kind and scale: the share of the answers at each score, so
    a lead sees a polarised 1-or-5 CSAT apart from a lukewarm 3-and-4 one of the same value."""
    out = []
    for s in spreads:
        if not s.n:
            continue
        bars = [charts.Point(str(score), 100.0 * n / s.n, None, None, n) for score, n in s.counts]
        top = max(b.value for b in bars)
        upper = next((t for t in (10, 20, 25, 40, 50, 60, 80, 100) if t >= top), 100)
        title = _("%(figure)s answers by score (%(scale)s)") % {"figure": LABELS[s.kind], "scale": s.scale}
        desc = _("%(title)s, %(n)s answers: ") % {"title": title, "n": s.n} + "; ".join(
            f"{b.label}: {formats.percent(b.value, 0)} ({b.n})" for b in bars)
        svg = charts.bar_chart(bars, chart_id=f"spread-{s.kind}-{s.scale}", title=title, desc=desc,
                               fmt=lambda v: formats.percent(v, 0), bounds=(0.0, float(upper)),
                               row_height=22 if len(bars) > 7 else 30)
        out.append({"kind": s.kind, "scale": s.scale, "title": title, "svg": svg, "bars": bars, "n": s.n})
    return out


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, viewer: ViewerDep, days: str | None = None) -> HTMLResponse:
    p, f = period(request, days), filters(request)
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Overview"), active="/", period=p)
    ctx = request.app.state.context
    # the page's reads run side by side (each on its own connection): a cold page waits
    # for the slowest of them, not for their sum
    summary_q, trend_q = overview_queries(viewer.account, p, f.where)
    rows, trend_rows, choices, spreads = await asyncio.gather(
        run_in_threadpool(ctx.reports.get, ctx.store, summary_q),
        run_in_threadpool(ctx.reports.get, ctx.store, trend_q),
        run_in_threadpool(ctx.choices, viewer.account, p.since, p.until),
        run_in_threadpool(ctx.kept, breakdowns.spreads, viewer.account, p.since, p.until, f.where))
    data = await run_in_threadpool(build_overview, viewer.account, p, rows, trend_rows,
                                   request.app.state.overview_views, f.where)
    return page(request, viewer, "overview.html", title=_("Overview — %(account)s") % {"account": viewer.account},
                active="/", period=p,
                filters=f, choices=choices, data=data, labels=LABELS, kpi_links=KPI_LINKS, kpi_notes=KPI_NOTES,
                spreads=spread_charts(spreads))
