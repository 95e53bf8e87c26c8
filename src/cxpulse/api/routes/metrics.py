"""GET /api/v1/metrics: `cxpulse report` over HTTP — same parameters, same JSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from cxpulse.api.deps import ContextDep, KeyDep, account_for, cached_account, require_right
from cxpulse.api.errors import ApiError, ApiRoute
from cxpulse.service.report import EXTRA_METRICS, METRICS, ReportQuery, parse_by, parse_metrics, rounded

router = APIRouter(tags=["metrics"], route_class=ApiRoute)
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)  # a comparison period still fits in a date

METRIC_HELP = f"comma-separated: {', '.join(METRICS + EXTRA_METRICS)}; default: csat through response-rate"
BY_HELP = ("one or two of account, agent, group, channel, category, day, week, month; "
           "for metric=reviews: of account, source, language, day, week, month; criterion with iqs, qa-agreement; "
           "for enps, employee: of account, group, tenure, month, quarter")
MYSTERY_HELP = "the QA metrics: exclude (default), only or include the mystery shoppers' reviews"
ACCOUNT_HELP = "an account key sees only its own account (the default); an admin key, all accounts by default"
COMPARE_HELP = "change vs the previous period of the same length, and whether it is significant"
ROW_EXAMPLE = {"metric": "csat", "group": {"agent": "a-17"}, "value": 82.4, "n": 341, "low": 78.0, "high": 86.1,
               "satisfied": 281}


@router.get(
    "/metrics",
    summary="Satisfaction, KPIs and response rate, as `cxpulse report --format json`",
    responses={200: {"description": "the report's rows (docs/cli.md describes each metric's fields)",
                     "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}},
                                                      "example": [ROW_EXAMPLE]}}}},
    response_class=Response,
)
async def metrics(
    key: KeyDep,
    ctx: ContextDep,
    metric: Annotated[str | None, Query(max_length=200, description=METRIC_HELP)] = None,
    by: Annotated[str | None, Query(max_length=100, description=BY_HELP)] = None,
    since: Annotated[date | None, Query(description="first day, YYYY-MM-DD")] = None,
    until: Annotated[date | None, Query(description="last day, YYYY-MM-DD")] = None,
    account: Annotated[str | None, Query(max_length=200, description=ACCOUNT_HELP)] = None,
    compare_previous: Annotated[bool, Query(description=COMPARE_HELP)] = False,
    mystery: Annotated[Literal["exclude", "only", "include"], Query(description=MYSTERY_HELP)] = "exclude",
    agent: Annotated[str | None, Query(max_length=200, description="only this agent's answers and tickets (id)")] = None,
    group: Annotated[str | None, Query(max_length=200, description="only this group's")] = None,
    channel: Annotated[str | None, Query(max_length=200, description="only this channel's")] = None,
    category: Annotated[str | None, Query(max_length=200, description="only this category's")] = None,
) -> Response:
    """The rows `cxpulse report --format json` prints for the same parameters. An account
    key reads its own account only; naming another account answers 404. Answers are kept
    a few seconds (service/report_cache.py): data ingested through the API shows once its
    refresh is done, data imported by another process within a minute."""
    for name, day in (("since", since), ("until", until)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ApiError(422, "invalid_query", f"{name} {day} is outside {EARLIEST}..{LATEST}")
    if account is not None:
        kept = cached_account(ctx, account) if key.admin or key.account == account else None
        if kept is False:  # not looked up lately: a query, in a thread
            account = (await run_in_threadpool(account_for, key, account, ctx)).name
        else:
            account = account_for(key, account, ctx).name  # answered from what is kept
    elif not key.admin:
        require_right(key, "read")  # a reviewer or shopper key reads no reports (account_for says so above)
        account = key.account
    q = ReportQuery(metrics=parse_metrics(metric), by=parse_by(by), since=since, until=until, account=account,
                    compare_previous=compare_previous, mystery=mystery,
                    where=tuple((k, v) for k, v in (("agent", agent), ("group", group), ("channel", channel),
                                                    ("category", category)) if v is not None))
    cache = ctx.reports  # the rows the dashboard reads too
    rows = cache.peek(ctx.store, q)  # kept: answered without leaving the event loop
    if rows is None:
        rows = await run_in_threadpool(cache.get, ctx.store, q)
    return Response(cache.encoded(rows, q, _encode), media_type="application/json")


def _encode(rows: list[dict]) -> bytes:
    """Rounded and encoded as `cxpulse report --format json` prints them (cli/render.py);
    kept with the rows, so this runs once per computed report."""
    return orjson.dumps(rounded(rows), option=orjson.OPT_NON_STR_KEYS)
