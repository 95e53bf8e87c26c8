"""The lists behind the figures: /responses (the survey answers a satisfaction figure
counted) and /tickets (the tickets a service figure counted), with the page's period and
filters, paging, sorting, a link from every ticket to the help desk, and ?format=csv for
the whole list with the same filters.

Every figure on the overview and every row of the agents' and groups' tables links here
with its own filters, so a lead goes from a figure to the answers behind it in one click.
They are no page of the navigation: none of its items is marked current here (Overview is
not what the page shows), and a breadcrumb "Overview › Answers" leads back to the overview
with the same period and filters.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxpulse.domain import InvalidQuery
from cxpulse.service import lists
from cxpulse.service.lists import LIST_KINDS, RESPONSE_SORTS, TICKET_SORTS
from cxpulse.web.dashboard.common import Filters, Period, csv_response, filters, page, period
from cxpulse.web.dashboard.session import ViewerDep
from cxpulse.web.i18n import N_
from cxpulse.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

RESPONSE_COLUMNS = (("date", N_("Answered")), ("ticket", N_("Ticket")), ("kind", N_("Survey")), ("score", N_("Score")),
                    ("agent", N_("Agent")), ("group", N_("Group")), ("channel", N_("Channel")),
                    ("comment", N_("Comment")))
TICKET_COLUMNS = (("ticket", N_("Ticket")), ("created", N_("Created")), ("status", N_("Status")),
                  ("agent", N_("Agent")),
                  ("first_reply", N_("First reply")), ("resolution", N_("Resolution")),
                  ("wait", N_("Customer wait")), ("reopens", N_("Reopens")))  # headings translated where shown
KIND_LABELS = {"csat": "CSAT", "nps": "NPS", "ces": "CES", "csi": "CSI"}


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() and len(text) < 7 else default


def _flag(text: str | None) -> bool | None:
    return {"1": True, "yes": True, "0": False, "no": False}.get((text or "").lower())


def _query(request: Request, viewer, p: Period, f: Filters, sorts: tuple[str, ...], default: str) -> lists.ListQuery:
    q = request.query_params
    sort = q.get("sort") if q.get("sort") in sorts else default
    export = q.get("format") == "csv"
    return lists.ListQuery(account=viewer.account, since=p.since, until=p.until, where=f.where, sort=sort,
                           descending=q.get("dir", "desc") != "asc", page=_int(q.get("page"), 1),
                           per_page=None if export else min(_int(q.get("per_page"), lists.PER_PAGE), lists.MAX_PER_PAGE))


def _export_name(kind: str, viewer, p: Period, f: Filters) -> str:
    parts = [viewer.account, kind, p.since.isoformat(), p.until.isoformat(), *(v for _k, v in f.where)]
    safe = "-".join("".join(c if c.isalnum() or c in "._" else "_" for c in s)[:40] for s in parts)
    return f"{safe}.csv"


@router.get("/responses", response_class=HTMLResponse)
async def responses_page(request: Request, viewer: ViewerDep, days: str | None = None) -> Response:
    p, f = period(request, days), filters(request)
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Answers"), active="", crumb=_("Answers"), period=p)
    qp = request.query_params
    kinds = tuple(k for k in (qp.get("kind") or "").split(",") if k in LIST_KINDS)
    low = bool(_flag(qp.get("low")))
    scores = tuple(int(s) for s in (qp.get("score") or "").split(",") if s.strip().isdigit())[:11]
    bucket = next(((b, qp[b]) for b in lists.BUCKETS if qp.get(b)), None)
    q = _query(request, viewer, p, f, RESPONSE_SORTS, "date")
    ctx = request.app.state.context
    now = request.app.state.clock()
    try:
        listed = await run_in_threadpool(lambda: lists.answers(ctx.store, q, kinds=kinds, low=low, scores=scores,
                                                               bucket=bucket, now=now))
    except InvalidQuery as exc:
        return page(request, viewer, "message.html", status_code=400, title=_("Answers"), active="", crumb=_("Answers"),
                    message=str(exc))
    if qp.get("format") == "csv":
        return csv_response(_export_name("answers", viewer, p, f),
                    ["given_at", "ticket_id", "kind", "scale", "score", "attribute", "agent_id", "agent", "group",
                     "channel", "category", "reason", "comment", "subject", "ticket_url"],
                    ([r["given_at"].isoformat() if r["given_at"] else "", r["ticket_id"], r["kind"], r["scale"],
                      r["score"], r["attribute"], r["agent"], r["agent_name"], r["group"], r["channel"],
                      r["category"], r["reason"], r["comment"], r["subject"], r["ticket_url"] or ""]
                     for r in listed.rows))
    choices = await run_in_threadpool(ctx.choices, viewer.account, p.since, p.until)
    and_ = " " + _("and") + " "
    what = and_.join(KIND_LABELS[k] for k in kinds) if kinds else _("All")
    title = ((_("Low %(what)s answers") if low else _("%(what)s answers")) % {"what": what} if kinds or low
             else _("Answers"))
    if bucket:  # the drivers' bucket these answers are in ("first reply <1 h"), as drivers.py names it
        title += f" · {_(bucket[0].replace('_', ' '))} {_(bucket[1])}"
    extra = {"kind": ",".join(kinds) or None, "low": "1" if low else None,
             "score": ",".join(map(str, scores)) or None, **({bucket[0]: bucket[1]} if bucket else {})}
    return page(request, viewer, "responses.html", title=title, active="", crumb=_("Answers"), period=p, filters=f, choices=choices,
                listed=listed, extra=extra, columns=RESPONSE_COLUMNS, kinds=kinds, low=low, scores=scores,
                kind_labels=KIND_LABELS, base="/responses")


@router.get("/tickets", response_class=HTMLResponse)
async def tickets_page(request: Request, viewer: ViewerDep, days: str | None = None) -> Response:
    p, f = period(request, days), filters(request)
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Tickets"), active="", crumb=_("Tickets"), period=p)
    qp = request.query_params
    solved, reopened = _flag(qp.get("solved")), _flag(qp.get("reopened"))
    sla = (qp.get("sla"), qp.get("sla_status") or "breached") if qp.get("sla") else None
    q = _query(request, viewer, p, f, TICKET_SORTS, "created")
    ctx = request.app.state.context
    now = request.app.state.clock()
    try:
        listed = await run_in_threadpool(lambda: lists.tickets(ctx.store, q, solved=solved, reopened=reopened,
                                                               sla=sla, now=now))
    except InvalidQuery as exc:
        return page(request, viewer, "message.html", status_code=400, title=_("Tickets"), active="", crumb=_("Tickets"),
                    message=str(exc))
    if qp.get("format") == "csv":
        return csv_response(_export_name("tickets", viewer, p, f),
                    ["ticket_id", "created_at", "status", "agent_id", "agent", "group", "channel", "category",
                     "first_reply_minutes", "full_resolution_minutes", "requester_wait_minutes", "reopens", "solved",
                     "subject", "ticket_url"],
                    ([r["ticket_id"], r["created_at"].isoformat() if r["created_at"] else "", r["status"], r["agent"],
                      r["agent_name"], r["group"], r["channel"], r["category"], r["first_reply_minutes"],
                      r["full_resolution_minutes"], r["requester_wait_minutes"], r["reopens"], r["solved"],
                      r["subject"], r["ticket_url"] or ""] for r in listed.rows))
    choices = await run_in_threadpool(ctx.choices, viewer.account, p.since, p.until)
    title = _({(True, None): N_("Solved tickets"), (False, None): N_("Unsolved tickets"),
               (None, True): N_("Reopened tickets")}.get((solved, reopened), N_("Tickets created")))
    extra = {"solved": None if solved is None else ("1" if solved else "0"),
             "reopened": None if reopened is None else ("1" if reopened else "0"),
             "sla": sla[0] if sla else None, "sla_status": sla[1] if sla else None}
    if sla:
        said = {"breached": N_("Tickets with a %(target)s target breached"),
                "running": N_("Tickets with a %(target)s target running")}.get(sla[1])
        target = _(sla[0].replace("_", " "))
        title = _(said) % {"target": target} if said else f"Tickets with a {target} target {sla[1]}"
    return page(request, viewer, "tickets.html", title=title, active="", crumb=_("Tickets"), period=p, filters=f, choices=choices,
                listed=listed, extra=extra, columns=TICKET_COLUMNS, base="/tickets")
