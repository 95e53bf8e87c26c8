"""Settings pages: the account's surveys (list, edit — a CSRF-protected form posting to
service.surveys.update_survey) and its webhooks with their delivery log."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from cxpulse.domain import InvalidQuery, NotFound, SurveyError
from cxpulse.service.surveys import StoredSurvey, get_survey, invitations_by_status, list_surveys, update_survey
from cxpulse.service.webhooks import STATUSES, deliveries, list_webhooks
from cxpulse.surveys.definitions import LANGUAGES, REASONS
from cxpulse.web.dashboard.common import link, page
from cxpulse.web.dashboard.format import count
from cxpulse.web.i18n import N_, language
from cxpulse.web.i18n import gettext as _
from cxpulse.web.dashboard.session import Viewer, ViewerDep, checked_form
from cxpulse.web.dashboard.session import field as form_field

router = APIRouter(include_in_schema=False)

DELIVERIES_SHOWN = 100
NUMBERS = (  # form field, label, hint, may be blank
    ("delay_minutes", N_("Delay after solving (minutes)"),
     N_("How long after the ticket is solved the survey is sent."), False),
    ("throttle_days", N_("Ask a customer at most every (days)"), N_("0 asks after every ticket."), False),
    ("reminder_days", N_("Remind after (days)"), N_("Leave blank for no reminder."), True),
    ("expire_days", N_("Links expire after (days)"), "", False),  # label and hint translated where shown
)
# the form's fields by the names the service's refusals use ("reminder_days: …")
FIELD_LABELS = {**{name: label for name, label, *_ in NUMBERS}, "language": N_("Default language"),
                "reasons": N_("Reasons offered after a low score")}
# surveys/definitions.validate's refusals the form can meet, as SurveyError.template gives them;
# tests/test_survey_form_errors.py fails on a templated refusal of validate's missing here
REFUSALS = (
    N_("%(field)s: %(value)r is not allowed (allowed: a whole number %(low)s..%(high)s)"),
    N_("%(field)s: %(value)r is not allowed (allowed: a whole number %(low)s..%(high)s or none)"),
    N_("%(field)s: %(value)s is not before %(other)s %(limit)s (allowed: 1..%(last)s or none)"),
    N_("%(field)s: %(value)r is not supported (allowed: %(allowed)s)"),
    N_("%(field)s: %(value)r is not a valid key (allowed: %(allowed)s, or a custom key of 1-40 letters a-z and "
       "underscores)"),
    N_("%(field)s: %(value)r is listed twice"),
)


def refusal_words(error: SurveyError | InvalidQuery) -> str:
    """The service's refusal in the page's language: its template translated, the fields
    named by their labels on the form, the limits in the locale's digits. English, and a
    refusal without a known template: the service's own sentence, word for word."""
    template = getattr(error, "template", None)
    if template not in REFUSALS or language() == "en":
        return str(error)
    params = dict(error.params)  # type: ignore[union-attr]
    for key in ("field", "other"):
        if params.get(key) in FIELD_LABELS:
            params[key] = _(FIELD_LABELS[params[key]])
    for key in ("low", "high", "limit", "last"):
        if isinstance(params.get(key), int):
            params[key] = count(params[key])
    return _(template) % params


@router.get("/webhooks", response_class=HTMLResponse)
async def webhooks_page(request: Request, viewer: ViewerDep, status: str | None = None) -> HTMLResponse:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Webhooks"), active="/webhooks")
    store = request.app.state.store
    wanted = status if status in STATUSES else None
    hooks = await run_in_threadpool(list_webhooks, store, viewer.account)
    log = await run_in_threadpool(lambda: deliveries(store, viewer.account, status=wanted, limit=DELIVERIES_SHOWN))
    return page(request, viewer, "webhooks.html", title=_("Webhooks — %(account)s") % {"account": viewer.account},
                active="/webhooks",
                hooks=hooks, log=log, statuses=STATUSES, status=wanted, shown=DELIVERIES_SHOWN)


@router.get("/surveys", response_class=HTMLResponse)
async def surveys_page(request: Request, viewer: ViewerDep, saved: str | None = None) -> HTMLResponse:
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Surveys"), active="/surveys")
    store = request.app.state.store
    surveys = await run_in_threadpool(list_surveys, store, viewer.account)
    counts = await run_in_threadpool(invitations_by_status, store, surveys)
    return page(request, viewer, "surveys.html", title=_("Surveys — %(account)s") % {"account": viewer.account},
                active="/surveys",
                surveys=surveys, counts=counts, saved=saved if any(s.name == saved for s in surveys) else None)


@dataclass
class SurveyForm:
    """The edit form's values: from the stored survey, or as posted (kept when refused)."""

    values: dict[str, str]
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_survey(cls, stored: StoredSurvey) -> SurveyForm:
        s = stored.survey
        values = {name: "" if getattr(s, name) is None else str(getattr(s, name)) for name, *_ in NUMBERS}
        values.update(language=s.language, reasons=", ".join(s.reasons), active="on" if s.active else "",
                      comment="on" if s.comment else "")
        return cls(values)

    @classmethod
    def from_post(cls, data: FormData) -> SurveyForm:
        names = [n for n, *_ in NUMBERS] + ["language", "reasons", "active", "comment"]
        return cls({n: form_field(data, n).strip() for n in names})

    def changes(self) -> dict:
        """The Survey fields to update; numbers that do not parse are listed in `errors`."""
        out: dict = {}
        for name, label, _hint, blank_ok in NUMBERS:
            text = self.values[name]
            if text == "" and blank_ok:
                out[name] = None
            elif text.lstrip("-").isdigit():
                out[name] = int(text)
            else:
                self.errors.append(_("%(field)s: %(value)r is not a whole number.") % {"field": _(label),
                                                                                      "value": text})
        out["language"] = self.values["language"]
        out["reasons"] = tuple(r.strip() for r in self.values["reasons"].split(",") if r.strip())
        out["active"] = self.values["active"] == "on"
        out["comment"] = self.values["comment"] == "on"
        return out


def _edit_page(request: Request, viewer: Viewer, stored: StoredSurvey, form: SurveyForm,
               status_code: int = 200) -> HTMLResponse:
    return page(request, viewer, "survey_edit.html", title=_("Survey “%(name)s”") % {"name": stored.name},
                active="/surveys",
                stored=stored, form=form, numbers=NUMBERS, languages=LANGUAGES, known_reasons=REASONS,
                status_code=status_code)


def _not_found(request: Request, viewer: Viewer) -> HTMLResponse:
    return page(request, viewer, "message.html", title=_("No such survey"), active="/surveys", status_code=404,
                message=_("This account has no survey of that name."))


@router.get("/surveys/{name:path}", response_class=HTMLResponse)
async def survey_form(name: str, request: Request, viewer: ViewerDep) -> HTMLResponse:
    if viewer.account is None:
        return _not_found(request, viewer)
    try:
        stored = await run_in_threadpool(get_survey, request.app.state.store, viewer.account, name)
    except NotFound:
        return _not_found(request, viewer)
    return _edit_page(request, viewer, stored, SurveyForm.from_survey(stored))


@router.post("/surveys/{name:path}", response_class=HTMLResponse)
async def survey_save(name: str, request: Request, viewer: ViewerDep) -> Response:
    """Save the form through service.surveys.update_survey; a refused value re-shows the form with why."""
    data = await checked_form(request, viewer)
    if viewer.account is None:
        return _not_found(request, viewer)
    store = request.app.state.store
    try:
        stored = await run_in_threadpool(get_survey, store, viewer.account, name)
    except NotFound:
        return _not_found(request, viewer)
    form = SurveyForm.from_post(data)
    changes = form.changes()
    if not form.errors:
        try:
            await run_in_threadpool(lambda: update_survey(store, viewer.account, name, **changes))
        except (SurveyError, InvalidQuery) as e:
            form.errors.append(refusal_words(e))
        else:
            return RedirectResponse(link("/surveys", saved=name), status_code=303)
    return _edit_page(request, viewer, stored, form, status_code=422)

