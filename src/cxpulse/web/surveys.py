"""The survey pages: one-click rating links (/s/TOKEN) and signature/chat links (/l/TOKEN).

Thin: each route parses the request, calls one function of service.surveys and renders
a template in the customer's language. No JavaScript: every answer is a plain HTML form.

    GET  /s/{token}   record the one-click rating, show thanks + reason/comment form (a link
                      scanner's burst: nothing recorded, the score offered to confirm)
    POST /s/{token}   reason, comment (CSI: score_<attr>, importance_<attr>) → saved page
    GET  /l/{token}   ?ticket=ID&customer=ID&lang=xx: the question, one button per score

A page speaks `?lang=` (links), else the customer's profile language, else the browser's
(Accept-Language, by q-value), else the survey's `language`.
    POST /l/{token}   score, ticket, customer, comment → saved page

A token that does not verify gives the "link not valid" page (400), an expired one the
"survey closed" page (410); a click after the replace window the "already answered"
page (409), a link vote refused for the ticket 409, for the address 429. Nothing is
recorded in any of those cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cxpulse.domain import SurveyError, TokenExpired, TokenInvalid
from cxpulse.service import surveys as service
from cxpulse.storage import Store
from cxpulse.surveys import i18n
from cxpulse.surveys.definitions import LANGUAGES, Survey
from cxpulse.surveys.rules import COMMENT_MAX
from cxpulse.web.pages import render

router = APIRouter(include_in_schema=False)

MAX_FORM_BYTES = 64 * 1024  # a full comment in 4-byte characters, percent-encoded, fits


def get_store(request: Request) -> Store:
    """The Store the app was built with."""
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


def _answered(request: Request, result: service.ClickResult) -> None:
    """An answer stored or taken back: this server's kept reports show it at once."""
    if result.changed:
        request.app.state.context.data_changed()


def now(request: Request) -> datetime:
    """The app's clock (create_app(clock=…)), in UTC."""
    return request.app.state.clock()


# ---- one-click links ------------------------------------------------------------------------


@router.get("/s/{token:path}", response_class=HTMLResponse)
def click(token: str, request: Request, store: StoreDep) -> HTMLResponse:
    """A score clicked in the email: record it at once, then offer a reason and a comment."""
    try:
        result = service.record_click(store, token, now=now(request), accepted=_accepted(request))
    except SurveyError as e:
        return _token_problem(request, e)
    _answered(request, result)
    if result.outcome == "refused":
        return _message(request, result.language, "page.refused_title", ["page.refused_body"], status_code=409)
    try:
        page = service.survey_page(store, token, now=now(request), accepted=_accepted(request))
    except SurveyError as e:
        return _token_problem(request, e)
    form = _FeedbackForm.from_page(page)
    return _feedback(request, page, form, replaced=result.outcome == "replaced", confirm=result.outcome == "scanner")


@router.post("/s/{token:path}", response_class=HTMLResponse)
async def feedback(token: str, request: Request, store: StoreDep) -> HTMLResponse:
    """The follow-up form: reason, comment, CSI answers (or a score) → "feedback saved"."""
    if (data := await _form(request)) is None:
        return _too_large(request)
    try:
        page = await run_in_threadpool(lambda: service.survey_page(store, token, now=now(request),
                                                                   accepted=_accepted(request)))
    except SurveyError as e:
        return _token_problem(request, e)
    form = _FeedbackForm.from_data(data, page.survey)
    m = i18n.texts(page.language)
    problem = form.problem(page, m)
    if problem is None:
        try:
            result = await run_in_threadpool(
                lambda: service.record_feedback(store, token, reason=form.reason, comment=form.comment,
                                                answers=form.answers or None, score=form.score,
                                                now=now(request), accepted=_accepted(request)))
        except TokenInvalid as e:
            return _token_problem(request, e)
        except SurveyError:
            problem = form.problem(page, m, strict=True) or m["page.score_required"]
        else:
            _answered(request, result)
            if result.outcome == "refused":
                return _message(request, page.language, "page.refused_title", ["page.refused_body"], status_code=409)
            return _message(request, page.language, "page.thanks_title",
                            ["page.feedback_saved", "page.close_hint"])
    return _feedback(request, page, form, error=problem, status_code=422)


@dataclass
class _FeedbackForm:
    """What the follow-up form holds: from the stored answer (GET) or as posted (POST)."""

    reason: str = ""
    comment: str = ""
    score: int | None = None
    answers: dict[str, tuple[int, int]] = field(default_factory=dict)
    partial: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)  # CSI, as posted
    bad_number: bool = False

    @classmethod
    def from_page(cls, page: service.PageContext) -> "_FeedbackForm":
        return cls(reason=page.reason, comment=page.comment, score=page.score, answers=dict(page.answers),
                   partial={k: v for k, v in page.answers.items()})

    @classmethod
    def from_data(cls, data: FormData, survey: Survey) -> "_FeedbackForm":
        form = cls(reason=_field(data, "reason"), comment=_normalized(_field(data, "comment")))
        if survey.kind == "csi":
            for attr in survey.attributes:
                score = form._number(_field(data, f"score_{attr}"))
                importance = form._number(_field(data, f"importance_{attr}"))
                form.partial[attr] = (score, importance)
                if score is not None and importance is not None:
                    form.answers[attr] = (score, importance)
        else:
            form.score = form._number(_field(data, "score"))
        return form

    def _number(self, text: str) -> int | None:
        if not text:
            return None
        try:
            return int(text)
        except ValueError:
            self.bad_number = True
            return None

    def problem(self, page: service.PageContext, m: i18n.Messages, *, strict: bool = False) -> str | None:
        """The message to show above the form when it cannot be saved as posted, else None."""
        survey = page.survey
        if len(self.comment) > COMMENT_MAX:
            return m.format("page.comment_too_long", max=COMMENT_MAX)
        if self.reason and self.reason not in survey.reasons:
            return m["page.invalid_reason"]
        if self.bad_number:
            return m["page.score_required"]
        if survey.kind == "csi":
            if len(self.answers) < len(survey.attributes) and (self.answers or not page.answers or strict):
                return m["page.score_required"]
        elif self.score is None and page.score is None:
            return m["page.score_required"]
        elif self.score is not None and self.score not in survey.scores():
            return m["page.score_required"]
        return None


def _feedback(request: Request, page: service.PageContext, form: _FeedbackForm, *, replaced: bool = False,
              confirm: bool = False, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    """The thanks page with the follow-up form (also re-shown with an error). `confirm`: the
    click was taken for a link scanner's, nothing is stored — the score is offered, chosen, to send."""
    survey, lang = page.survey, page.language
    m = i18n.texts(lang)
    described = dict(i18n.score_descriptions(survey, lang))
    score = form.score if form.score is not None else page.score
    csi = survey.kind == "csi"
    paragraphs: list[str] = []
    if csi:
        title = m["page.csi_title"]
        paragraphs.append(page.question)
    elif confirm:
        title = m["page.link_title"]
        paragraphs.append(m["page.confirm_body"])
    elif page.score is not None:
        title = m["page.thanks_title"]
        paragraphs.append(m["page.replaced_body"] if replaced else m["page.thanks_body"])
    else:
        title = m["page.link_title"]
    show_score_choice = not csi and (confirm or page.score is None or (error is not None and form.score is not None))
    reasons: list[tuple[str, str]] = []
    if page.reasons and (csi or score is None or survey.is_low(score)):
        reasons = [*page.reasons, ("", m["page.reason_none"])]
    attributes = []
    if csi:
        importance = i18n.score_descriptions(survey, lang, importance=True)
        for key, q, iq in page.attributes:
            s, imp = form.partial.get(key, (None, None))
            attributes.append({"key": key, "question": q, "importance_question": iq, "options": list(described.items()),
                               "importance_options": importance, "score": s, "importance": imp})
    return render(
        request, "feedback.html", status_code=status_code, lang=lang, title=title, paragraphs=paragraphs,
        rating_label=m["page.rating_label"],
        chosen=described.get(page.score, "") if (page.score is not None and not csi and not show_score_choice) else "",
        error=error,
        score_question=page.question if show_score_choice else "", score_options=list(described.items()),
        selected_score=score, attributes=attributes,
        reasons=reasons, reason_label=m["page.reason_label"], selected_reason=form.reason,
        comment_allowed=page.comment_allowed, comment_label=m["page.comment_label"],
        comment_hint=m.format("page.comment_hint", max=COMMENT_MAX), comment_max=COMMENT_MAX, comment=form.comment,
        submit=m["page.submit"],
    )


# ---- signature and chat links ------------------------------------------------------------------


@router.get("/l/{link_token:path}", response_class=HTMLResponse)
def link(
    link_token: str,
    request: Request,
    store: StoreDep,
    ticket: Annotated[str, Query(description="the ticket the rating is about")] = "",
    customer: Annotated[str, Query(description="the customer giving it")] = "",
    lang: Annotated[str, Query(description="en, ru, el or lt; else the customer's, the browser's "
                                           "(Accept-Language) or the survey's")] = "",
) -> HTMLResponse:
    """The rating question of a signature or chat link, with the ticket id when given."""
    try:
        page = service.link_page(store, link_token, ticket_id=ticket, customer_id=customer,
                                 language=_known_language(lang), accepted=_accepted(request))
    except SurveyError as e:
        return _token_problem(request, e)
    return _link_form(request, page, requested_lang=_known_language(lang))


@router.post("/l/{link_token:path}", response_class=HTMLResponse)
async def link_vote(link_token: str, request: Request, store: StoreDep) -> HTMLResponse:
    """A vote through a signature or chat link: one per ticket and customer, rate-limited per address."""
    if (data := await _form(request)) is None:
        return _too_large(request)
    ticket, customer = _field(data, "ticket").strip(), _field(data, "customer").strip()
    lang = _known_language(_field(data, "lang"))
    comment, reason = _normalized(_field(data, "comment")), _field(data, "reason")
    try:
        page = await run_in_threadpool(
            lambda: service.link_page(store, link_token, ticket_id=ticket, customer_id=customer, language=lang,
                                      accepted=_accepted(request)))
    except SurveyError as e:
        return _token_problem(request, e)
    m = i18n.texts(page.language)
    score = _int_or_none(_field(data, "score"))
    problem = None
    if len(comment) > COMMENT_MAX:
        problem = m.format("page.comment_too_long", max=COMMENT_MAX)
    elif reason and reason not in page.survey.reasons:
        problem = m["page.invalid_reason"]
    elif score is None or score not in page.survey.scores():
        problem = m["page.score_required"]
    if problem is None:
        ip = request.client.host if request.client else ""
        try:
            result = await run_in_threadpool(
                lambda: service.record_link_vote(store, link_token, score=score, ticket_id=ticket,
                                                 customer_id=customer, ip=ip, reason=reason, comment=comment,
                                                 language=lang, now=now(request), accepted=_accepted(request)))
        except TokenInvalid as e:
            return _token_problem(request, e)
        except SurveyError:
            problem = m["page.score_required"]
        else:
            _answered(request, result)
            return _vote_outcome(request, result)
    return _link_form(request, page, requested_lang=lang, comment=comment, error=problem, status_code=422)


def _vote_outcome(request: Request, result: service.ClickResult) -> HTMLResponse:
    lang = result.language
    if result.outcome != "refused":
        return _message(request, lang, "page.thanks_title", ["page.feedback_saved", "page.close_hint"])
    if result.refusal == "rate_limited":
        return _message(request, lang, "page.link_title", ["page.rate_limited"], status_code=429,
                        status_class="error")
    if result.refusal == "inactive":
        return _message(request, lang, "page.expired_title", ["page.expired_body"], status_code=410)
    return _message(request, lang, "page.thanks_title", ["page.already_rated"], status_code=409)


def _link_form(request: Request, page: service.PageContext, *, requested_lang: str = "", comment: str = "",
               error: str | None = None, status_code: int = 200) -> HTMLResponse:
    survey, lang = page.survey, page.language
    m = i18n.texts(lang)
    described = dict(i18n.score_descriptions(survey, lang))
    options = [(score, label, described.get(score, label)) for score, label in page.labels]
    anchors = i18n.scale_anchors(survey, lang)
    scores = survey.scores()
    anchor_text = ""
    if anchors:
        anchor_text = " · ".join([m.format("scale.anchor", score=scores[0], label=anchors[0]),
                                  m.format("scale.anchor", score=scores[-1], label=anchors[1])])
    return render(
        request, "link.html", status_code=status_code, lang=lang, title=m["page.link_title"],
        question=page.question, anchors=anchor_text, options=options, error=error,
        ticket_id=page.ticket_id, ticket_label=m["page.ticket_label"], ticket_subject=page.ticket_subject,
        customer_id=page.customer_id, form_lang=requested_lang,
        comment_allowed=page.comment_allowed, comment_label=m["page.comment_label"],
        comment_hint=m.format("page.comment_hint", max=COMMENT_MAX), comment_max=COMMENT_MAX, comment=comment,
    )


# ---- helpers ------------------------------------------------------------------------------


def broken_link(request: Request) -> HTMLResponse:
    """The "link not valid" page (400) for a survey address no route matches (a token
    mangled into something that is not one path segment, e.g. with a line break)."""
    return _token_problem(request, TokenInvalid("not a survey link"))


def _token_problem(request: Request, error: SurveyError) -> HTMLResponse:
    """The page for a link that cannot be used: expired (410) or not valid (400)."""
    lang = _request_language(request)
    if isinstance(error, TokenExpired):
        return _message(request, lang, "page.expired_title", ["page.expired_body"], status_code=410)
    return _message(request, lang, "page.invalid_title", ["page.invalid_body"], status_code=400)


def _too_large(request: Request) -> HTMLResponse:
    """The "link not valid" page (413) for a posted form larger than any honest one."""
    return _message(request, _request_language(request), "page.invalid_title", ["page.invalid_body"],
                    status_code=413)


def _message(request: Request, lang: str, title_key: str, body_keys: list[str], *, status_code: int = 200,
             status_class: str = "") -> HTMLResponse:
    m = i18n.texts(lang)
    return render(request, "message.html", status_code=status_code, lang=m.lang, title=m[title_key],
                  paragraphs=[m[k] for k in body_keys], status_class=status_class)


def _accepted(request: Request) -> list[str]:
    """The languages we speak that the browser asks for (Accept-Language), most wanted first."""
    return i18n.accepted_languages(request.headers.get("accept-language", ""))


def _request_language(request: Request) -> str:
    """The browser's most wanted language we speak (Accept-Language, by q-value), else English."""
    return next(iter(_accepted(request)), "en")


def _known_language(value: str) -> str:
    """"ru-RU" → "ru"; "" for anything that is not one of LANGUAGES."""
    value = (value or "").strip()
    if not value or value == "*":
        return ""
    code = i18n.pick_language(value, "")
    return code if code in LANGUAGES and value.lower().startswith(code) else ""


async def _form(request: Request) -> FormData | None:
    """The posted form, or None when the body is larger than any honest form."""
    size = request.headers.get("content-length", "")
    if size.isdigit() and int(size) > MAX_FORM_BYTES:
        return None
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    return await request.form()


def _field(data: FormData, name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _normalized(comment: str) -> str:
    """Browsers send a textarea's line breaks as CRLF; maxlength counts them as one character."""
    return comment.replace("\r\n", "\n").replace("\r", "\n")

