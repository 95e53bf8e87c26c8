"""The employee survey page (issue 17 §1): GET /e/{token} shows the questions, POST stores
one anonymous answer. Thin: parse the form, call service.employee, render.

A token that does not verify gives the "link not valid" page (400), an expired one the
"survey closed" page (410), a used one the "already used" page (409). An incomplete form
is shown again with what was chosen and what is missing (422); nothing is stored.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.domain import SurveyError, TokenInvalid
from cxpulse.service import employee as service
from cxpulse.surveys import i18n
from cxpulse.surveys.employee import COMMENT_MAX
from cxpulse.web.pages import render
from cxpulse.web.surveys import StoreDep, _form, _int_or_none, _message, _token_problem, _too_large, now

router = APIRouter(include_in_schema=False)


def _page(request: Request, page: service.EmployeePage, *, problem: str = "", values: dict | None = None,
          status_code: int = 200) -> HTMLResponse:
    m = i18n.texts(page.language)
    enps_options = [(s, f"{s} — {m['employee.enps_low']}" if s == 0 else f"{s} — {m['employee.enps_high']}"
                     if s == 10 else str(s)) for s in range(11)]
    return render(request, "employee.html", status_code=status_code, lang=m.lang, title=m["employee.title"],
                  anonymity=m["employee.anonymity"], enps_question=m["employee.enps"], enps_options=enps_options,
                  process_intro=m["employee.process_intro"], questions=page.questions,
                  process_options=[(s, str(s)) for s in range(1, 6)], open_question=m["employee.open"],
                  send=m["employee.send"], comment_max=COMMENT_MAX, problem=problem, values=values or {})


def _used(request: Request, lang: str) -> HTMLResponse:
    return _message(request, lang, "employee.title", ["employee.used"], status_code=409)


@router.get("/e/{token}", response_class=HTMLResponse)
def employee_form(token: str, request: Request, store: StoreDep) -> HTMLResponse:
    try:
        page = service.employee_page(store, token, now=now(request))
    except TokenInvalid as e:
        return _token_problem(request, e)
    return _used(request, page.language) if page.used else _page(request, page)


@router.post("/e/{token}", response_class=HTMLResponse)
async def employee_answer(token: str, request: Request, store: StoreDep) -> HTMLResponse:
    data = await _form(request)
    if data is None:
        return _too_large(request)
    try:
        page = await run_in_threadpool(service.employee_page, store, token, now=now(request))
    except TokenInvalid as e:
        return _token_problem(request, e)
    if page.used:
        return _used(request, page.language)
    values = {k: v for k, v in data.items() if isinstance(v, str)}
    enps = _int_or_none(values.get("enps", ""))
    ratings = {k: _int_or_none(values.get(f"q_{k}", "")) for k, _text in page.questions}
    m = i18n.texts(page.language)
    missing = [text for k, text in page.questions if ratings[k] is None]
    if enps is None or missing:
        return _page(request, page, problem=" · ".join(([m["employee.enps"]] if enps is None else []) + missing),
                     values=values, status_code=422)
    try:
        await run_in_threadpool(service.record_employee_answer, store, token, enps=enps,
                                ratings={k: v for k, v in ratings.items() if v is not None},
                                comment=values.get("comment", ""), now=now(request))
    except TokenInvalid as e:
        return _token_problem(request, e)
    except SurveyError as e:
        if "already been used" in str(e):
            return _used(request, page.language)
        return _page(request, page, problem=str(e), values=values, status_code=422)
    request.app.state.context.data_changed()
    return _message(request, page.language, "employee.title", ["employee.thanks"], status_class="ok")
