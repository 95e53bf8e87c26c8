"""/api/v1/accounts/{account}/employee-comments: what the agents would change first (the
employee survey's open question, issue 17 §1) as `cxpulse surveys comments` gives it — themes,
and whole comments only for groups of 5 answers or more that no subtraction can reveal
(service/employee_report.py; docs/surveys.md, "The anonymity promise")."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from cxpulse.api.deps import ContextDep, KeyDep, account_for
from cxpulse.api.errors import ApiRoute
from cxpulse.service.employee_report import EMPLOYEE_BY, employee_comments
from cxpulse.service.report import parse_by

router = APIRouter(tags=["employee surveys"], route_class=ApiRoute)

BY_HELP = (f"one or two of {', '.join(k for k in EMPLOYEE_BY if k != 'account')}; default: the whole account. "
           "There is no agent key: the answers are anonymous")


class Theme(BaseModel):
    term: str
    detractors: int  # comments of agents who gave eNPS 0–6 that use the term
    others: int  # comments of the other agents that use it


class CommentCell(BaseModel):
    group: dict[str, str]
    n: int | None  # answers in the group; null when it is hidden
    note: str | None = None  # "fewer than 5 answers", or why a group is hidden or partly left out
    themes: list[Theme]
    comments: list[str]  # alphabetical, so their order tells nothing about who answered when


class EmployeeComments(BaseModel):
    data: list[CommentCell]
    count: int


@router.get("/accounts/{account}/employee-comments", response_model=EmployeeComments)
def employee_comments_route(
    account: str,
    key: KeyDep,
    ctx: ContextDep,
    by: Annotated[str | None, Query(max_length=100, description=BY_HELP)] = None,
    since: Annotated[date | None, Query(description="rounds from this local day on, YYYY-MM-DD")] = None,
    until: Annotated[date | None, Query(description="rounds up to this local day, YYYY-MM-DD")] = None,
) -> dict:
    """The employee survey's comments per group: the themes (words and phrases the detractors'
    comments use more than the others', each in at least 3 comments) and the whole comments.
    A group with fewer than 5 answers, or one whose figures would let such a group be worked
    out, shows `n: null`, its `note`, and neither themes nor comments. `by=agent` (or any key
    but group, tenure, month, quarter) answers 422 `invalid_query`."""
    acc = account_for(key, account, ctx)
    cells = employee_comments(ctx.store, account=acc.name, by=parse_by(by), since=since, until=until)
    return {"data": cells, "count": len(cells)}
