"""The Team page (issue 17 §1): the employee survey per quarter — eNPS and each process
question's mean — beside the customers' CSAT in the same quarter and how it moved from the
quarter before, and what the agents would change first (the open question's themes and
comments, service.employee_report.employee_comments). The figures are the report's rows, so
the anonymity rules (no group under 5 answers) hold here as everywhere; the page shows the
whole account, never a group."""

from __future__ import annotations

from datetime import date
from statistics import fmean

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.service.employee_report import employee_comments
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import Store
from cxpulse.service.employee import question_text
from cxpulse.surveys.i18n import attribute_text
from cxpulse.web import charts, i18n
from cxpulse.web.dashboard.common import page
from cxpulse.web.dashboard.format import nps
from cxpulse.web.i18n import gettext as _
from cxpulse.web.dashboard.session import ViewerDep

router = APIRouter(include_in_schema=False)


def _quarter_days(label: str) -> tuple[date, date]:
    year, q = label.split("-Q")
    first = date(int(year), (int(q) - 1) * 3 + 1, 1)
    end_month = first.month + 2
    last = (date(first.year + 1, 1, 1) if end_month == 12 else date(first.year, end_month + 1, 1))
    return first, date.fromordinal(last.toordinal() - 1)


def team(store: Store, account: str) -> dict:
    """Quarters (newest first) with eNPS, the questions' means, CSAT with its change, and the
    comments' themes and comments (none for a quarter with fewer than 5 answers)."""
    rows = report(store, ReportQuery(metrics=("enps", "employee"), by=("quarter",), account=account))
    quarters = sorted({r["group"]["quarter"] for r in rows})
    lang = i18n.language()  # the questions as the agents were asked them, in the page's language
    questions = sorted({(r["question"], r["label"] if lang == "en" else question_text(r["question"], lang))
                        for r in rows if r["metric"] == "employee"})
    out = []
    previous_csat = None
    for q in quarters:
        since, until = _quarter_days(q)
        csat = next((r for r in report(store, ReportQuery(metrics=("csat",), account=account, since=since,
                                                               until=until)) if r["metric"] == "csat"), None)
        value = csat["value"] if csat else None
        enps = next(r for r in rows if r["metric"] == "enps" and r["group"]["quarter"] == q)
        means = {r["question"]: r for r in rows if r["metric"] == "employee" and r["group"]["quarter"] == q}
        out.append({"quarter": q, "enps": enps, "means": means, "csat": csat,
                    "csat_change": None if value is None or previous_csat is None else value - previous_csat})
        previous_csat = value if value is not None else previous_csat
    comments = {c["group"]["quarter"]: c for c in employee_comments(store, account=account, by=("quarter",))}
    for q in out:
        q["comments"] = comments.get(q["quarter"])
    points = [charts.Point(q["quarter"], q["enps"]["value"], q["enps"]["low"], q["enps"]["high"], q["enps"]["n"] or 0)
              for q in out]
    svg = charts.line_chart(
        points, chart_id="enps-by-quarter", title=_("eNPS by quarter with 95%% interval") % {},
        desc=_("eNPS (−100 to 100) per quarter; a quarter with fewer than 5 answers has none: ") + "; ".join(
            f"{p.label}: {nps(p.value)} (n = {p.n})" for p in points if p.value is not None),
        fmt=nps, bounds=(-100.0, 100.0)) if len(points) > 1 and any(p.value is not None for p in points) else ""
    matrix = csi_matrix(store, account, *_quarter_days(quarters[-1])) if quarters else None
    return {"quarters": list(reversed(out)), "questions": questions, "enps_svg": svg, "matrix": matrix,
            "matrix_quarter": quarters[-1] if quarters else None}


def csi_matrix(store: Store, account: str, since: date, until: date) -> dict | None:
    """The customers' CSI priority matrix of the period (the scale with most answers): each
    attribute's importance against its satisfaction, split at their means into the quadrants
    metrics/csi.py names — what customers say to fix first, beside what the agents say."""
    rows = report(store, ReportQuery(metrics=("csi",), account=account, since=since, until=until))
    main = max((r for r in rows if r["metric"] == "csi"), key=lambda r: r["n"] or 0, default=None)
    if main is None:
        return None
    attrs = [r for r in rows if r["metric"] == "csi_attribute" and r["scale"] == main["scale"]
             and r["value"] is not None and r.get("importance") is not None]
    if not attrs:
        return None
    lang = i18n.language()  # the attributes as the customers were asked about them, in the page's language
    points = [(r["attribute"].replace("_", " ") if lang == "en" else attribute_text(r["attribute"], lang),
               r["importance"], r["value"], r["quadrant"]) for r in attrs]
    x_mid, y_mid = fmean(p[1] for p in points), fmean(p[2] for p in points)
    lo, hi = min(p[1] for p in points), max(p[1] for p in points)
    pad = max(0.25, (hi - lo) * 0.15)
    desc = _("CSI attributes by importance and satisfaction: ") + "; ".join(
        charts.matrix_said(label, imp, sat, quadrant) for label, imp, sat, quadrant in points)
    svg = charts.matrix_chart(points, chart_id="csi-matrix", title=_("CSI priority matrix"), desc=desc,
                              x_mid=x_mid, y_mid=y_mid, x_bounds=(lo - pad, hi + pad))
    return {"svg": svg, "points": sorted(points, key=lambda p: (p[3] != "fix first", -p[1])), "csi": main}


@router.get("/team", response_class=HTMLResponse)
async def team_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Team"), active="/team")
    data = await run_in_threadpool(team, request.app.state.store, viewer.account)
    return page(request, viewer, "team.html", title=_("Team survey — %(account)s") % {"account": viewer.account},
                active="/team",
                **data)
