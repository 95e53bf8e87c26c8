"""Agents and groups side by side: satisfaction and KPIs per row, sortable by any column
through plain links (?sort=column&dir=asc|desc) — no script needed."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import Store
from cxpulse.web import charts, i18n
from cxpulse.web.dashboard.format import percent
from cxpulse.web.dashboard.common import Period, Sort, csv_response, filters, page, period
from cxpulse.web.dashboard.session import ViewerDep
from cxpulse.web.i18n import N_
from cxpulse.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

FEW = 20  # fewer answers than this: the interval is wide, each figure computed from them is marked "few"
COLUMNS: tuple[tuple[str, str, bool], ...] = (  # key, heading, numeric
    ("name", N_("Name"), False),
    ("csat", "CSAT", True),
    ("csat_n", "CSAT n", True),
    ("nps", "NPS", True),
    ("ces", "CES", True),
    ("first_reply", N_("Median first reply"), True),
    ("resolution", N_("Median resolution"), True),
    ("reopen_rate", N_("Reopen rate"), True),
    ("one_touch", N_("One-touch"), True),
    ("tickets", N_("Tickets"), True),
)  # headings translated where shown
KPI_KEYS = {"first_reply_minutes": "first_reply", "full_resolution_minutes": "resolution",
            "reopen_rate": "reopen_rate", "one_touch_rate": "one_touch"}


def breakdown(store: Store, account: str, by: str, p: Period, where: tuple[tuple[str, str], ...] = ()) -> list[dict]:
    """One row per agent (or group): CSAT with its interval, NPS, CES, KPIs, tickets created.
    Each satisfaction figure says whether it rests on fewer than FEW answers (`csat_few`,
    `nps_few`, `ces_few`), so the page marks that figure, not just its row."""
    rows = report(store, ReportQuery(metrics=("csat", "nps", "ces", "kpi"), by=(by,), account=account,
                                     since=p.since, until=p.until, where=where))
    table: dict[str, dict] = defaultdict(dict)
    ces_n: dict[str, int] = defaultdict(int)
    for r in rows:
        key = r["group"][by]
        out = table[key]
        out.setdefault("id", key)
        out.setdefault("name", r.get("agent_name") or key or (_("(unassigned)") if by == "agent" else _("(no group)")))
        m = r["metric"]
        if m == "csat":
            out.update(csat=r["value"], csat_low=r["low"], csat_high=r["high"], csat_n=r["n"])
        elif m == "nps":
            out.update(nps=r["value"], nps_n=r["n"])
        elif m == "ces" and r["n"] > ces_n[key]:  # the scale with most answers
            ces_n[key] = r["n"]
            out.update(ces=r["value"], ces_n=r["n"], ces_scale=r["scale"])
        elif m in KPI_KEYS:
            out[KPI_KEYS[m]] = r["value"]
        if m == "resolution_rate":
            out["tickets"] = r["n"]
    for out in table.values():
        for key, _heading, _numeric in COLUMNS:
            out.setdefault(key, None)
        for figure in ("csat", "nps", "ces"):
            out[f"{figure}_few"] = out[figure] is not None and (out.get(f"{figure}_n") or 0) < FEW
        out["few"] = out["csat_few"] or out["nps_few"] or out["ces_few"]
    return list(table.values())


def with_tickets(rows: list[dict]) -> tuple[list[dict], int]:
    """The rows with tickets created in the period, and how many were left out: an agent
    whose answers in the period all rate older tickets has a row of the report, but a
    lead reading "tickets 0" beside a CSAT cannot tell what it is. The page says how many
    it leaves out; the report (`cxpulse report --by agent`) still lists them."""
    kept = [r for r in rows if r.get("tickets")]
    return kept, len(rows) - len(kept)


async def _table_page(request: Request, viewer, by: str, days: str | None, sort: str | None,
                      direction: str | None) -> HTMLResponse:
    p, f = period(request, days), filters(request)
    title = _("Agents") if by == "agent" else _("Groups")
    path = "/agents" if by == "agent" else "/groups"
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=title, active=path, period=p)
    order = Sort.parse(sort, direction, tuple(c for c, _h, _n in COLUMNS), "tickets", default_descending=True)
    rows, left_out = with_tickets(await run_in_threadpool(breakdown, request.app.state.store, viewer.account, by, p,
                                                          f.where))
    rows = order.apply(rows)
    if request.query_params.get("format") == "csv":
        return table_csv(f"{viewer.account}-{path.strip('/')}-{p.since}-{p.until}.csv", rows)
    ctx = request.app.state.context
    choices = await run_in_threadpool(ctx.choices, viewer.account, p.since, p.until)
    small = await run_in_threadpool(ctx.kept, trends, viewer.account, by, p, f.where, i18n.language())
    return page(request, viewer, "table.html", title=f"{title} — {viewer.account}", active=path, period=p,
                filters=f, choices=choices, rows=rows, sort=order, columns=COLUMNS, base=path, by=by, few=FEW,
                trends=small, left_out=left_out)


TREND_AGENTS = 12  # small charts for this many agents (or groups) with the most answers


def trends(store: Store, account: str, by: str, p: Period, where: tuple[tuple[str, str], ...] = (),
           language: str = "en") -> list[dict]:
    """CSAT by week (by month for a period over 90 days) for each of the agents (or groups)
    with the most answers: small charts on one scale, so one agent's slide shows beside the others.
    `language`: the charts' words and formats are the current language's; it is an argument so
    that the app's kept copy (App.kept) is one per language."""
    from cxpulse.web.dashboard.overview import trend_periods, trend_window

    grain, since = trend_window(p)
    rows = report(store, ReportQuery(metrics=("csat",), by=(by, grain), account=account, since=since,
                                     until=p.until, where=where))
    per: dict[str, dict[str, dict]] = defaultdict(dict)
    names: dict[str, str] = {}
    for r in rows:
        key = r["group"][by]
        per[key][r["group"][grain]] = r
        names[key] = r.get("agent_name") or key or (_("(unassigned)") if by == "agent" else _("(no group)"))
    busiest = sorted(per, key=lambda k: -sum(r["n"] for r in per[k].values()))[:TREND_AGENTS]
    periods = trend_periods(grain, since, p.until)
    out = []
    for key in sorted(busiest, key=lambda k: names[k].casefold()):
        points = [charts.Point(label, r["value"], r["low"], r["high"], r["n"]) if (r := per[key].get(k)) else
                  charts.Point(label, None) for k, label in periods]
        shown = [pt for pt in points if pt.value is not None]
        title = (_("CSAT of %(name)s by week") if grain == "week" else _("CSAT of %(name)s by month")) % {
            "name": names[key]}
        desc = f"{title}: " + "; ".join(f"{pt.label} {percent(pt.value, 0)} (n = {pt.n})" for pt in shown)
        svg = charts.line_chart(points, chart_id=f"trend-{by}-{len(out)}", title=title,
                                desc=desc, fmt=lambda v: percent(v, 0), bounds=(0.0, 100.0), width=320, height=150)
        out.append({"id": key, "name": names[key], "svg": svg, "n": sum(pt.n for pt in shown), "grain": grain})
    return out


CSV_COLUMNS = ("id", "name", "csat", "csat_low", "csat_high", "csat_n", "nps", "nps_n", "ces", "ces_n", "ces_scale",
               "first_reply", "resolution", "reopen_rate", "one_touch", "tickets")


def table_csv(filename: str, rows: list[dict]) -> Response:
    """The table as shown (same period, filters and order), figures unrounded; times in minutes."""
    return csv_response(filename,
                        [c if c not in ("first_reply", "resolution") else f"{c}_minutes" for c in CSV_COLUMNS],
                        (["" if r.get(c) is None else r.get(c) for c in CSV_COLUMNS] for r in rows))


@router.get("/agents", response_class=HTMLResponse)
async def agents(request: Request, viewer: ViewerDep, days: str | None = None, sort: str | None = None,
                 dir: str | None = None) -> HTMLResponse:
    return await _table_page(request, viewer, "agent", days, sort, dir)


@router.get("/groups", response_class=HTMLResponse)
async def groups(request: Request, viewer: ViewerDep, days: str | None = None, sort: str | None = None,
                 dir: str | None = None) -> HTMLResponse:
    return await _table_page(request, viewer, "group", days, sort, dir)
