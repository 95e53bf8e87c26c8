"""The prediction pages: the at-risk queue, the model card, the alert log.

They read what training and scoring stored (service.tickets.at_risk — the list the API
serves too — and service.predict's model_card and alerts); nothing here trains or scores.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from cxpulse.domain import OPEN_STATES, NotFound
from cxpulse.service.accounts import get_account, ticket_link, ticket_url_of
from cxpulse.service.predict import alerts, model_card, no_score_reason, no_scores
from cxpulse.service.tickets import (
    BREACHING,
    LONG_HOLD,
    at_risk_agents,
    at_risk_counts,
    at_risk_sorted,
    breaching_counts,
)
from cxpulse.storage import Store
from cxpulse.web import charts, i18n
from cxpulse.web.dashboard.common import csv_response, link, page
from cxpulse.web.dashboard.format import minutes, number, percent
from cxpulse.web.dashboard.session import ViewerDep
from cxpulse.web.i18n import N_
from cxpulse.web.i18n import gettext as _

router = APIRouter(include_in_schema=False)

STATUS_ORDER = ("new", "open", "pending", "hold")  # the open statuses, as a ticket moves through them
ALERTS_PER_PAGE = 50
EARLY_NAMES = {"before_first_reply": N_("Before the first reply"),
               "half_life": N_("Half-way through the ticket's life")}


# the at-risk page's page sizes: 25 unless ?per= picks another. A row with its three reasons
# is about 175 px tall at 1280 px wide: 25 rows keep the page near 5,000 px (100 made 11,900)
PER_PAGE = (25, 50, 100)
DEFAULT_PER_PAGE = 25
# ?sort= key -> (heading, storage order, the direction a first click gives: the one a lead
# triages in). Age sorts by creation time, so its "oldest first" is ascending there.
SORTS: dict[str, tuple[str, str, str]] = {
    "score": (N_("Score"), "score", "asc"),
    "due": (N_("Due"), "due", "asc"),
    "sla": (N_("SLA"), "sla", "asc"),
    "age": (N_("Age"), "age", "desc"),
    "agent": (N_("Assignee"), "agent", "asc"),
}  # headings translated where shown
SORT_SAID = {  # what the lede says of each order and direction
    ("score", "asc"): N_("lowest score first"), ("score", "desc"): N_("highest score first"),
    ("due", "asc"): N_("the earliest promised date first"), ("due", "desc"): N_("the latest promised date first"),
    ("sla", "asc"): N_("the nearest SLA deadline first"), ("sla", "desc"): N_("the furthest SLA deadline first"),
    ("age", "desc"): N_("oldest first"), ("age", "asc"): N_("newest first"),
    ("agent", "asc"): N_("by assignee, A to Z"), ("agent", "desc"): N_("by assignee, Z to A"),
}


@dataclass(frozen=True, slots=True)
class AtRiskQuery:
    """The at-risk page's view as its URL says it: every link on the page keeps the rest."""

    status: str | None = None
    agent: str | None = None
    sort: str = "score"
    dir: str = "asc"
    per: int = DEFAULT_PER_PAGE
    page: int = 1

    @classmethod
    def parse(cls, status: str | None, agent: str | None, sort: str | None, direction: str | None,
              per: str | None, page_no: str | None) -> AtRiskQuery:
        """Anything unknown falls back to the default: a shared link never errors."""
        status = status.lower() if status else None
        status = status if status in OPEN_STATES | {BREACHING, LONG_HOLD} else None
        sort = sort if sort in SORTS else "score"
        direction = direction if direction in ("asc", "desc") else SORTS[sort][2]
        size = int(per) if per and per.isdigit() and int(per) in PER_PAGE else DEFAULT_PER_PAGE
        number = int(page_no) if page_no and page_no.isdigit() and 0 < int(page_no) < 10**6 else 1
        return cls(status, agent or None, sort, direction, size, number)

    def link(self, **changes: Any) -> str:
        """This view's URL with `changes`; a new filter, order or page size starts at page 1."""
        if "page" not in changes:
            changes["page"] = 1
        q = replace(self, **changes)
        return link("/at-risk", status=q.status, agent=q.agent,
                    sort=None if q.sort == "score" and q.dir == "asc" else q.sort,
                    dir=None if q.sort == "score" and q.dir == "asc" else q.dir,
                    per=None if q.per == DEFAULT_PER_PAGE else q.per, page=None if q.page == 1 else q.page)

    def sort_link(self, key: str) -> str:
        """The heading's link: the sorted column flips; another starts in its natural direction."""
        if key == self.sort:
            return self.link(sort=key, dir="desc" if self.dir == "asc" else "asc")
        return self.link(sort=key, dir=SORTS[key][2])

    def aria_sort(self, key: str) -> str:
        if key != self.sort:
            return "none"
        return "ascending" if self.dir == "asc" else "descending"


EXPORT_ROWS = 1_000_000  # an export is the whole tab, not a page of it


def _iso(v) -> str:
    if v is None or v == "":
        return ""
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


@router.get("/at-risk", response_class=HTMLResponse)
async def at_risk_page(
    request: Request, viewer: ViewerDep, status: str | None = None, agent: str | None = None,
    sort: str | None = None, dir: str | None = None, per: str | None = None,
    page_no: Annotated[str | None, Query(alias="page")] = None,
) -> Response:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("At risk"), active="/at-risk")
    q = AtRiskQuery.parse(status, agent, sort, dir, per, page_no)
    if request.query_params.get("format") == "csv":  # the whole tab as shown: its filter and order, no paging
        data = await run_in_threadpool(at_risk_view, request.app.state.store, viewer.account,
                                       replace(q, per=EXPORT_ROWS, page=1), request.app.state.clock())
        desk = ticket_url_of(request.app.state.store, viewer.account)  # once, not once a row
        return csv_response(
            f"{viewer.account}-at-risk.csv",
            ["ticket_id", "score", "below_threshold", "reasons", "agent_id", "agent", "status", "created_at",
             "due_at", "sla_target", "sla_deadline", "subject", "ticket_url"],
            ([t["ticket_id"], t["score"], t["below_threshold"], " | ".join(t["reasons"]), t.get("agent") or "",
              t.get("agent_name") or "", t.get("status") or "", _iso(t.get("created_at")), _iso(t.get("due_at")),
              t.get("sla_target") or "", _iso(t.get("sla_deadline")), t.get("subject") or "",
              ticket_link(desk, t["ticket_id"]) or ""]
             for t in data["tickets"]))
    data = await run_in_threadpool(at_risk_view, request.app.state.store, viewer.account, q,
                                   request.app.state.clock())
    return page(request, viewer, "at_risk.html",
                title=_("At-risk open tickets — %(account)s") % {"account": viewer.account}, active="/at-risk",
                data=data, q=data["query"], sorts=SORTS, per_page=PER_PAGE, default_per=DEFAULT_PER_PAGE)


def at_risk_view(store: Store, account: str, q: AtRiskQuery | None = None, now: datetime | None = None) -> dict:
    """One page of the open scored tickets (of one open status, of one agent, when given)
    in the order asked, how many are below the alert threshold, and per status how many
    there are and are below — so a lead can leave the tickets on hold for later, or look
    at one agent's queue. Tickets on hold for longer than the account's long_hold_days
    are only in their own tab (status LONG_HOLD)."""
    q = q or AtRiskQuery()
    now = now or datetime.now(UTC)
    acc = get_account(store, account)
    threshold = acc.account.alert_below
    unscored = no_scores(store, account)
    base = {"threshold": threshold, "long_hold_days": acc.account.long_hold_days, "now": now}
    if unscored:  # the model is no better than chance: no list, and the page says why
        return {**base, "tickets": [], "query": q, "statuses": [], "total": 0, "total_below": 0, "below": 0,
                "shown": 0, "breaching": (0, 0), "long_hold": (0, 0), "agents": [],
                "no_score": no_score_said(store, account, unscored[0]), "n_pages": 1, "first": 0, "last": 0, "sort_said": ""}
    agents = at_risk_agents(store, acc, now=now, status=q.status)
    if q.agent is not None and q.agent not in {a for a, _, _ in agents}:
        q = replace(q, agent=None)  # not an agent with open scored tickets: all of them
    counts = at_risk_counts(store, acc, below=threshold, agent=q.agent, now=now)
    long_hold = counts.pop(LONG_HOLD, (0, 0))
    soon = breaching_counts(store, acc, below=threshold, now=now, agent=q.agent, long_holds_apart=True)
    statuses = [(s, *counts[s]) for s in STATUS_ORDER if s in counts]
    if q.status == BREACHING:
        shown, below = soon
    elif q.status == LONG_HOLD:
        shown, below = long_hold
    else:
        in_view = [c for s, *c in statuses if q.status in (None, s)]
        shown, below = sum(c[0] for c in in_view), sum(c[1] for c in in_view)
    n_pages = max(1, -(-shown // q.per))
    q = replace(q, page=min(q.page, n_pages))
    descending = (q.dir == "desc") != (q.sort == "age")  # age: oldest first is the earliest creation
    rows, total = at_risk_sorted(store, acc, order=SORTS[q.sort][1], descending=descending,
                                 offset=(q.page - 1) * q.per, limit=q.per, status=q.status, agent=q.agent, now=now)
    for r in rows:
        r["below_threshold"] = r["score"] < threshold
        r["due_said"] = due_said(r["due_at"], now)
        r["due_late"] = r["due_at"] is not None and r["due_at"] < now
        r["sla_said"] = sla_said(r["sla_deadline"], r["sla_target"], now)
        r["sla_late"] = r["sla_deadline"] is not None and r["sla_deadline"] < now
        r["age_minutes"] = (now - r["created_at"]).total_seconds() / 60.0 if r["created_at"] else None
        r["held_minutes"] = (now - r["held_since"]).total_seconds() / 60.0 if r["held_since"] else None
    first = (q.page - 1) * q.per + 1 if rows else 0
    return {**base, "tickets": rows, "query": q, "statuses": statuses,
            "total": sum(c[0] for c in counts.values()), "total_below": sum(c[1] for c in counts.values()),
            "below": below, "shown": total, "breaching": soon, "long_hold": long_hold, "agents": agents,
            "no_score": None, "n_pages": max(1, -(-total // q.per)), "first": first, "last": first + len(rows) - 1,
            "sort_said": _(SORT_SAID[(q.sort, q.dir)])}


SLA_TARGET_NAMES = {"first_reply": N_("first reply"), "next_reply": N_("next reply"), "resolution": N_("resolution"),
                    "requester_wait": N_("requester wait")}


def sla_said(deadline: datetime | None, target: str | None, now: datetime) -> str:
    """The nearest SLA deadline in words: "first reply breaches in 40 min", "resolution
    breached 2 h ago" (a running target past its deadline), or "" with none running."""
    if deadline is None:
        return ""
    name = _(SLA_TARGET_NAMES.get(target or "", target or "SLA"))
    left = (deadline - now).total_seconds() / 60.0
    if left < 0:
        return _("%(target)s breached %(time)s ago") % {"target": name, "time": minutes(-left)}
    return _("%(target)s breaches in %(time)s") % {"target": name, "time": minutes(left)}


def due_said(due: datetime | None, now: datetime) -> str:
    """Where the promise stands: "overdue by 3 d", "due in 2 h", or "" with none."""
    if due is None:
        return ""
    left = (due - now).total_seconds() / 60.0
    return (_("overdue by %(time)s") if left < 0 else _("due in %(time)s")) % {"time": minutes(abs(left))}


def no_score_words(card: dict) -> str | None:
    """service.predict.no_score_reason in the page's language: why a model no better than
    chance gives no scores (English: the service's own sentence, word for word)."""
    english = no_score_reason(card)
    if english is None or i18n.language() == "en":
        return english
    auc, low, high = card.get("auc"), card.get("auc_low"), card.get("auc_high")
    shown = (_("AUC %(auc)s, 95%% interval %(low)s to %(high)s") % {
        "auc": number(auc, 2), "low": number(low, 2), "high": number(high, 2)}
        if None not in (auc, low, high) else "")
    said = (_("No scores for %(account)s: the shared model, version %(version)s, is no better than chance (%(auc)s).")
            if card.get("scope") == "pooled-shifted" else
            _("No scores for %(account)s: its model, version %(version)s, is no better than chance (%(auc)s)."))
    return said % {"account": card.get("account") or _("this account"), "version": card.get("version"),
                   "auc": shown} + " " + _(
        "Its scores would rank tickets at random, so none is shown and no alert is raised; `cxpulse train` tries "
        "again as more rated tickets come in.")


def no_score_said(store: Store, account: str, english: str) -> str:
    """The no-score sentence of the account's newest model, in the page's language."""
    if i18n.language() == "en":
        return english
    return no_score_words({"account": account, **model_card(store, account)}) or english


def card_view(card: dict) -> dict:
    """What the model card page shows beside the stored card: the calibration chart and
    how much better than always guessing the base rate the model is."""
    bins = card.get("calibration") or []
    desc = "; ".join(_("predicted %(predicted)s, observed %(observed)s (n = %(n)s)") % {
        "predicted": percent(100 * b["predicted"], 0), "observed": percent(100 * b["observed"], 0), "n": b["n"]}
        for b in bins)
    svg = charts.calibration_chart(bins, chart_id="calibration", title=_("Calibration: predicted against observed"),
                                   desc=desc or _("no test tickets"))
    brier, baseline = card.get("brier"), card.get("baseline_brier")
    gain = (1 - brier / baseline) * 100 if brier is not None and baseline else None
    top = card.get("top_features", [])
    total = sum(f.get("importance", 0) for f in top) or 1.0
    biggest = max((f.get("importance", 0) for f in top), default=0) or 1.0
    features = [{**f, "share": 100 * f.get("importance", 0) / total,
                 "bar": 5 * round(20 * f.get("importance", 0) / biggest)} for f in top]  # a CSS width class
    lows, highs = card.get("early_auc_low") or {}, card.get("early_auc_high") or {}
    return {"calibration_svg": svg, "brier_gain": gain, "features": features,
            "early": [(EARLY_NAMES.get(k, k.replace("_", " ")), v, lows.get(k), highs.get(k))
                      for k, v in (card.get("early_auc") or {}).items()],
            "no_score": no_score_words(card)}


@router.get("/model", response_class=HTMLResponse)
async def model_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Model"), active="/model")
    try:
        card = await run_in_threadpool(model_card, request.app.state.store, viewer.account)
    except NotFound:
        return page(request, viewer, "model.html", title=_("Model card — %(account)s") % {"account": viewer.account},
                    active="/model", card=None, view=None)
    return page(request, viewer, "model.html", title=_("Model card — %(account)s") % {"account": viewer.account},
                active="/model", card=card,
                view=card_view(card))


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request, viewer: ViewerDep,
                      page_no: Annotated[str | None, Query(alias="page")] = None) -> Response:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Alerts"), active="/alerts")
    rows = await run_in_threadpool(alerts, request.app.state.store, viewer.account)
    if request.query_params.get("format") == "csv":  # the whole log, newest first
        return csv_response(f"{viewer.account}-alerts.csv",
                            ["at", "ticket_id", "score", "threshold", "reasons", "model_version"],
                            ([_iso(a["at"]), a["ticket_id"], a["score"], a["threshold"], " | ".join(a["reasons"]),
                              a["model_version"]] for a in rows))
    unscored = await run_in_threadpool(no_scores, request.app.state.store, viewer.account)
    said = (await run_in_threadpool(no_score_said, request.app.state.store, viewer.account, unscored[0])
            if unscored else None)
    n_pages = max(1, -(-len(rows) // ALERTS_PER_PAGE))
    current = min(max(int(page_no) if page_no and page_no.isdigit() else 1, 1), n_pages)
    shown = rows[(current - 1) * ALERTS_PER_PAGE : current * ALERTS_PER_PAGE]
    return page(request, viewer, "alerts.html", title=_("Alerts — %(account)s") % {"account": viewer.account},
                active="/alerts", alerts=shown,
                total=len(rows), page_no=current, n_pages=n_pages, no_score=said)
