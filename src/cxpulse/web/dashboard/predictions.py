"""The prediction pages: the at-risk queue, the model card, the alert log.

They read what training and scoring stored (service.tickets.at_risk — the list the API
serves too — and service.predict's model_card and alerts); nothing here trains or scores.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.domain import OPEN_STATES, NotFound
from cxpulse.service.accounts import get_account
from cxpulse.service.predict import alerts, model_card, no_score_reason, no_scores
from cxpulse.service.tickets import BREACHING, at_risk, at_risk_agents, at_risk_counts, breaching_counts
from cxpulse.storage import Store
from cxpulse.web import charts
from cxpulse.web.dashboard.common import page
from cxpulse.web.dashboard.format import minutes
from cxpulse.web.dashboard.session import ViewerDep

router = APIRouter(include_in_schema=False)

AT_RISK_SHOWN = 100
STATUS_ORDER = ("new", "open", "pending", "hold")  # the open statuses, as a ticket moves through them
ALERTS_PER_PAGE = 50
EARLY_NAMES = {"before_first_reply": "Before the first reply", "half_life": "Half-way through the ticket's life"}


@router.get("/at-risk", response_class=HTMLResponse)
async def at_risk_page(
    request: Request, viewer: ViewerDep, status: str | None = None, agent: str | None = None
) -> HTMLResponse:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title="At risk", active="/at-risk")
    status = status.lower() if status and status.lower() in OPEN_STATES | {BREACHING} else None  # else: all of them
    data = await run_in_threadpool(at_risk_view, request.app.state.store, viewer.account, status, agent or None)
    return page(request, viewer, "at_risk.html", title=f"At-risk open tickets — {viewer.account}", active="/at-risk",
                data=data)


def at_risk_view(store: Store, account: str, status: str | None = None, agent: str | None = None) -> dict:
    """The lowest AT_RISK_SHOWN open tickets (of one open status, of one agent, when
    given), how many are below the alert threshold, and per status how many there are
    and are below — so a lead can leave the tickets on hold for later, or look at one
    agent's queue."""
    acc = get_account(store, account)
    threshold = acc.account.alert_below
    unscored = no_scores(store, account)
    if unscored:  # the model is no better than chance: no list, and the page says why
        return {"tickets": [], "more": False, "threshold": threshold, "status": status, "statuses": [], "total": 0,
                "total_below": 0, "below": 0, "breaching": (0, 0), "agent": None, "agents": [],
                "no_score": unscored[0]}
    agents = at_risk_agents(store, acc)
    if agent is not None and agent not in {a for a, _, _ in agents}:
        agent = None  # not an agent with open scored tickets: all of them
    now = datetime.now(UTC)
    rows, more = at_risk(store, acc, limit=AT_RISK_SHOWN, status=status, agent=agent, now=now)
    counts = at_risk_counts(store, acc, below=threshold, agent=agent)
    soon = breaching_counts(store, acc, below=threshold, now=now, agent=agent)
    for r in rows:
        r["below_threshold"] = r["score"] < threshold
        r["due_said"] = due_said(r["due_at"], now)
        r["sla_said"] = sla_said(r["sla_deadline"], r["sla_target"], now)
    statuses = [(s, *counts[s]) for s in STATUS_ORDER if s in counts]
    shown = [c for s, *c in statuses if status in (None, s)]
    below = soon[1] if status == BREACHING else sum(c[1] for c in shown)
    return {"tickets": rows, "more": more is not None, "threshold": threshold, "status": status,
            "statuses": statuses, "total": sum(c[0] for c in counts.values()),
            "total_below": sum(c[1] for c in counts.values()), "below": below,
            "breaching": soon, "agent": agent, "agents": agents, "no_score": None}


SLA_TARGET_NAMES = {"first_reply": "first reply", "next_reply": "next reply", "resolution": "resolution",
                    "requester_wait": "requester wait"}


def sla_said(deadline: datetime | None, target: str | None, now: datetime) -> str:
    """The nearest SLA deadline in words: "first reply breaches in 40 min", "resolution
    breached 2 h ago" (a running target past its deadline), or "" with none running."""
    if deadline is None:
        return ""
    name = SLA_TARGET_NAMES.get(target or "", target or "SLA")
    left = (deadline - now).total_seconds() / 60.0
    return f"{name} breached {minutes(-left)} ago" if left < 0 else f"{name} breaches in {minutes(left)}"


def due_said(due: datetime | None, now: datetime) -> str:
    """Where the promise stands: "overdue by 3 d", "due in 2 h", or "" with none."""
    if due is None:
        return ""
    left = (due - now).total_seconds() / 60.0
    return f"overdue by {minutes(-left)}" if left < 0 else f"due in {minutes(left)}"


def card_view(card: dict) -> dict:
    """What the model card page shows beside the stored card: the calibration chart and
    how much better than always guessing the base rate the model is."""
    bins = card.get("calibration") or []
    desc = "; ".join(f"predicted {b['predicted']:.0%}, observed {b['observed']:.0%} (n = {b['n']})" for b in bins)
    svg = charts.calibration_chart(bins, chart_id="calibration", title="Calibration: predicted against observed",
                                   desc=desc or "no test tickets")
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
            "no_score": no_score_reason(card)}


@router.get("/model", response_class=HTMLResponse)
async def model_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title="Model", active="/model")
    try:
        card = await run_in_threadpool(model_card, request.app.state.store, viewer.account)
    except NotFound:
        return page(request, viewer, "model.html", title=f"Model card — {viewer.account}", active="/model",
                    card=None, view=None)
    return page(request, viewer, "model.html", title=f"Model card — {viewer.account}", active="/model", card=card,
                view=card_view(card))


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request, viewer: ViewerDep,
                      page_no: Annotated[str | None, Query(alias="page")] = None) -> HTMLResponse:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title="Alerts", active="/alerts")
    rows = await run_in_threadpool(alerts, request.app.state.store, viewer.account)
    unscored = await run_in_threadpool(no_scores, request.app.state.store, viewer.account)
    n_pages = max(1, -(-len(rows) // ALERTS_PER_PAGE))
    current = min(max(int(page_no) if page_no and page_no.isdigit() else 1, 1), n_pages)
    shown = rows[(current - 1) * ALERTS_PER_PAGE : current * ALERTS_PER_PAGE]
    return page(request, viewer, "alerts.html", title=f"Alerts — {viewer.account}", active="/alerts", alerts=shown,
                total=len(rows), page_no=current, n_pages=n_pages, no_score=unscored[0] if unscored else None)
