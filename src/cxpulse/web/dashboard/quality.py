"""The Quality pages (issue 16, §2–§3): what reviewers found, and where they review.

    GET  /quality                  (?mine=1: the queue's tickets assigned to the viewer's key name)
                                   IQS with its interval and n, by agent and by criterion;
                                   reviewer agreement per criterion; IQS beside CSAT per agent;
                                   mystery reviews apart; the review queue; recent reviews
                                   (?agent=ID: one agent's) with their disputes
    GET  /quality/review           a shopper's start: which ticket to review
    GET  /quality/review/{ticket}  the review form beside the ticket's conversation
    POST /quality/review/{ticket}  the review, stored through service.qa.create_review

Who opens what is the key's role (service/keys.py, RIGHTS): the Quality page needs `queue`
(account, admin and reviewer keys), the form `review` or `mystery` (a shopper's reviews
are always mystery reviews, and a shopper sees no conversation: `tickets` is not theirs);
IQS beside CSAT needs `read`, as every satisfaction figure does.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cxpulse.domain import CxpulseError
from cxpulse.domain.scorecards import CriterionScale, Scorecard
from cxpulse.service import qa
from cxpulse.service.accounts import get_account
from cxpulse.service.report import ReportQuery, report
from cxpulse.service.tickets import ticket_conversation
from cxpulse.storage import Store
from cxpulse.web.dashboard.common import Period, page, period
from cxpulse.web.i18n import N_
from cxpulse.web.i18n import gettext as _
from cxpulse.web.dashboard.session import Viewer, checked_form, field as form_field, viewer_may

router = APIRouter(include_in_schema=False)

QueueViewer = Annotated[Viewer, Depends(viewer_may("queue"))]
FormViewer = Annotated[Viewer, Depends(viewer_may("review", "mystery"))]
LANGUAGES = ("en", "ru", "el", "lt")
MAX_TICKET = qa.MAX_ID
_FORM_ID = re.compile(r"[0-9a-f]{32}")  # the id a form is given when shown: sending it twice stores one review


# ---- the Quality page -------------------------------------------------------------------------


def quality_view(store: Store, account: str, p: Period, *, with_csat: bool, agent: str | None = None,
                 assignee: str | None = None) -> dict:
    """The page's figures: IQS overall / by agent / by criterion, agreement, IQS vs CSAT,
    mystery reviews apart, the queue and recent reviews — each from the report or the qa service."""
    def rows(metrics: tuple[str, ...], by: tuple[str, ...] = (), mystery: str = "exclude") -> list[dict]:
        return report(store, ReportQuery(metrics=metrics, account=account, since=p.since, until=p.until, by=by,
                                         mystery=mystery))

    overall = rows(("iqs",))
    by_agent = rows(("iqs",), ("agent",))
    agreement = rows(("qa-agreement",))
    mystery = rows(("iqs",), ("agent",), "only")
    mystery_all = rows(("iqs",), (), "only")
    vs = rows(("qa-vs-csat",)) if with_csat else []
    reviews, _ = qa.list_reviews(store, account, agent=agent or None, limit=30)
    names = {r["group"]["agent"]: r["agent_name"] for r in by_agent + mystery + vs
             if r.get("agent_name") and "agent" in r["group"]}
    return {
        "iqs": next((r for r in overall if r["metric"] == "iqs"), None),
        "criteria": [r for r in overall if r["metric"] == "iqs_criterion"],
        "agents": sorted((r for r in by_agent if r["metric"] == "iqs"), key=lambda r: -(r["value"] or 0)),
        "agreement": [r for r in agreement if r["metric"] == "qa_agreement"],
        "vs_csat": [r for r in vs if r["metric"] == "qa_vs_csat"],
        "correlation": next((r for r in vs if r["metric"] == "qa_vs_csat_correlation"), None),
        "mystery": next((r for r in mystery_all if r["metric"] == "iqs"), None),
        "mystery_agents": [r for r in mystery if r["metric"] == "iqs"],
        "queue": qa.review_queue(store, account, assignee=assignee),
        "reviews": reviews,
        "agent": agent or "",
        "names": names,  # agent id → name, for the agents the report names
    }


@router.get("/quality", response_class=HTMLResponse)
async def quality_page(request: Request, viewer: QueueViewer, days: str | None = None,
                       agent: str | None = None, saved: str | None = None,
                       mine: str | None = None) -> HTMLResponse:
    p = period(request, days)
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Quality"), active="/quality", period=p)
    agent = (agent or "").strip()[:MAX_TICKET] or None
    me = viewer.key.name.strip() or viewer.key.prefix
    data = await run_in_threadpool(quality_view, request.app.state.store, viewer.account, p,
                                   with_csat=viewer.may("read"), agent=agent, assignee=me if mine else None)
    return page(request, viewer, "quality.html", title=_("Quality — %(account)s") % {"account": viewer.account},
                active="/quality", period=p,
                q=data, saved=bool(saved), me=me, mine=bool(mine))


# ---- the review form ------------------------------------------------------------------------


@dataclass
class ReviewForm:
    """What the form shows and what was posted: values by field name, errors by field."""

    review_id: str
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # an error of the whole review (from the service)


def _language(request: Request, lang: str | None) -> str:
    """?lang= when the scorecard's wording has it, else the browser's first language we word, else English."""
    if lang in LANGUAGES:
        return lang
    for part in request.headers.get("accept-language", "")[:200].split(","):
        code = part.split(";", 1)[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


def _criteria(card: Scorecard, language: str) -> list[dict]:
    return [{"key": c.key, "label": c.label(language), "question": c.question(language), "weight": c.weight,
             "pass_fail": c.scale is CriterionScale.PASS_FAIL, "na_allowed": c.na_allowed, "critical": c.critical}
            for c in card.criteria]


def _form_data(store: Store, account: str, ticket_id: str, *, with_conversation: bool) -> dict:
    card = qa.scorecard_for(store, account)
    conversation = ticket_conversation(store, get_account(store, account), ticket_id) if with_conversation else None
    reviews, _ = qa.list_reviews(store, account, ticket=ticket_id, limit=20) if with_conversation else ([], None)
    return {"card": card, "ticket": conversation, "reviews": reviews}


def _render_form(request: Request, viewer: Viewer, ticket_id: str, data: dict, form: ReviewForm, language: str,
                 status_code: int = 200) -> HTMLResponse:
    card: Scorecard = data["card"].scorecard
    return page(request, viewer, "review_form.html", status_code=status_code,
                title=_("Review ticket %(ticket)s") % {"ticket": ticket_id},
                active="/quality" if viewer.may("queue") else "/quality/review", ticket_id=ticket_id, card=card,
                criteria=_criteria(card, language), language=language, languages=LANGUAGES, form=form,
                ticket=data["ticket"], reviews=data["reviews"], mystery_only=not viewer.may("review"),
                may_mystery=viewer.may("mystery"), root_causes=ROOT_CAUSE_HINTS)


ROOT_CAUSE_HINTS = ("knowledge_gap", "process_not_followed", "tone", "workload", "tooling")


@router.get("/quality/review", response_class=HTMLResponse)
async def review_start(request: Request, viewer: FormViewer, ticket: str | None = None,
                       saved: str | None = None) -> Response:
    """Which ticket to review: a shopper names the one they contacted the team with."""
    ticket = (ticket or "").strip()
    if ticket and len(ticket) <= MAX_TICKET:
        from urllib.parse import quote

        return RedirectResponse(f"/quality/review/{quote(ticket, safe='')}", status_code=303)
    return page(request, viewer, "review_start.html", title=_("Review a ticket"), active="/quality/review",
                error=_("Name a ticket of at most 200 characters.") if ticket else "", saved=bool(saved))


@router.get("/quality/review/{ticket_id}", response_class=HTMLResponse)
async def review_form(request: Request, viewer: FormViewer, ticket_id: str, lang: str | None = None) -> HTMLResponse:
    if viewer.account is None or len(ticket_id) > MAX_TICKET:
        return page(request, viewer, "message.html", status_code=404, title=_("No such ticket"), active="",
                    message=_("There is no such ticket to review."))
    data = await run_in_threadpool(_form_data, request.app.state.store, viewer.account, ticket_id,
                                   with_conversation=viewer.may("tickets"))
    if viewer.may("tickets") and data["ticket"] is None:
        return page(request, viewer, "message.html", status_code=404, title=_("No such ticket"), active="",
                    message=_("Account %(account)s has no ticket %(ticket)r.") % {
                        "account": viewer.account, "ticket": ticket_id},
                    home="/quality" if viewer.may("queue") else "/quality/review")
    return _render_form(request, viewer, ticket_id, data, ReviewForm(review_id=uuid.uuid4().hex),
                        _language(request, lang))


def parse_review(form: FormData, card: Scorecard, *, reviewer: str, ticket_id: str, mystery: bool,
                 now: datetime) -> tuple[qa.ReviewInput | None, ReviewForm]:
    """The posted form → a ReviewInput, or None with an error beside each field that does not fit."""
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    posted_id = values.get("review_id", "")
    out = ReviewForm(review_id=posted_id if _FORM_ID.fullmatch(posted_id) else uuid.uuid4().hex, values=values)
    scores: dict[str, Any] = {}
    for c in card.criteria:
        raw = values.get(f"score.{c.key}", "").strip().lower()
        comment = values.get(f"comment.{c.key}", "")
        if len(comment) > qa.MAX_TEXT:
            out.errors[f"comment.{c.key}"] = _("At most %(n)s characters.") % {"n": qa.MAX_TEXT}
        if raw == "na" and c.na_allowed:
            score: Any = None
        elif raw == "na":
            out.errors[f"score.{c.key}"] = _("N/A is not allowed here: choose a score.")
            continue
        elif c.scale is CriterionScale.PASS_FAIL and raw in ("pass", "fail"):
            score = raw == "pass"
        elif c.scale is CriterionScale.ONE_TO_FOUR and raw in ("1", "2", "3", "4"):
            score = int(raw)
        else:
            out.errors[f"score.{c.key}"] = _("Choose a score or N/A.") if c.na_allowed else _("Choose a score.")
            continue
        scores[c.key] = {"score": score, "comment": comment.strip()}
    comment, root_cause = values.get("comment", "").strip(), values.get("root_cause", "").strip()
    if len(comment) > qa.MAX_TEXT:
        out.errors["comment"] = _("At most %(n)s characters.") % {"n": qa.MAX_TEXT}
    if len(root_cause) > qa.MAX_ID:
        out.errors["root_cause"] = _("At most %(n)s characters.") % {"n": qa.MAX_ID}
    if out.errors:
        return None, out
    return qa.ReviewInput(ticket_id=ticket_id, reviewer=reviewer, scores=scores, id=out.review_id,
                          scorecard=card.name, scorecard_version=card.version, comment=comment,
                          root_cause=root_cause, mystery=mystery, created_at=now), out


def _save(store: Store, account: str, review: qa.ReviewInput) -> dict:
    """Store the review; a form id that names someone else's review (a hand-made POST) is
    refused rather than replacing it."""
    prior, _ = qa.list_reviews(store, account, review_id=review.id, limit=1)
    if prior and (prior[0]["reviewer"] != review.reviewer or prior[0]["ticket_id"] != review.ticket_id):
        from cxpulse.domain import InvalidQuery

        raise InvalidQuery("this form's review id belongs to another review; reload the form and send it again")
    return qa.create_review(store, account, review)


@router.post("/quality/review/{ticket_id}", response_class=HTMLResponse)
async def submit_review(request: Request, viewer: FormViewer, ticket_id: str) -> Response:
    data_form = await checked_form(request, viewer)
    language = _language(request, form_field(data_form, "lang"))
    if viewer.account is None or len(ticket_id) > MAX_TICKET:
        return page(request, viewer, "message.html", status_code=404, title=_("No such ticket"), active="",
                    message=_("There is no such ticket to review."))
    store = request.app.state.store
    data = await run_in_threadpool(_form_data, store, viewer.account, ticket_id,
                                   with_conversation=viewer.may("tickets"))
    if viewer.may("tickets") and data["ticket"] is None:
        return page(request, viewer, "message.html", status_code=404, title=_("No such ticket"), active="",
                    message=_("Account %(account)s has no ticket %(ticket)r.") % {
                        "account": viewer.account, "ticket": ticket_id})
    card: Scorecard = data["card"].scorecard
    # the card the form was built on: a scorecard changed meanwhile asks the reviewer to look again
    posted_version = form_field(data_form, "scorecard_version")
    mystery = not viewer.may("review") or (viewer.may("mystery") and form_field(data_form, "mystery") == "on")
    review, form = parse_review(data_form, card, reviewer=viewer.key.name.strip() or viewer.key.prefix,
                                ticket_id=ticket_id, mystery=mystery, now=request.app.state.clock())
    if posted_version and posted_version != str(card.version):
        form.problem = (f"The scorecard changed to version {card.version} while you were reviewing; "
                        "check the scores against it and send again.")
        review = None
    if review is None:
        if not form.problem:
            form.problem = _("Some scores are missing or do not fit: see the fields marked below.")
        return _render_form(request, viewer, ticket_id, data, form, language, status_code=422)
    try:
        saved = await run_in_threadpool(_save, store, viewer.account, review)
    except CxpulseError as e:
        form.problem = str(e)
        return _render_form(request, viewer, ticket_id, data, form, language, status_code=422)
    if saved["mystery"] and saved["written"] != "unchanged":
        request.app.state.context.data_changed()  # a test contact left the CSAT figures
    target = "/quality" if viewer.may("queue") else "/quality/review"
    return RedirectResponse(f"{target}?saved={saved['review_id']}", status_code=303)
