"""The Reviews page (issue 17 §2): what customers wrote in public — mean stars and the share
of 4–5 stars with their intervals, the texts' sentiment and the reply KPIs, by source, by
month and by language (the report's `reviews` rows), and the 1–2-star reviews with the words
over-represented in them (service.drilldown.low_reviews), for one source or language if asked.

Reviews are sparse beside survey answers (an app's hundreds a month), so the page shows the
last 365 days unless ?days= asks for 30 or 90."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cxpulse.service.drilldown import low_reviews
from cxpulse.service.report import ReportQuery, report
from cxpulse.storage import Store
from cxpulse.web import charts
from cxpulse.web.dashboard.common import Period, page, period
from cxpulse.web.dashboard.format import mean, signed
from cxpulse.web.dashboard.insight import clipped
from cxpulse.web.i18n import gettext as _
from cxpulse.web.dashboard.session import ViewerDep

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 365  # a month of an app's reviews is often too few for an interval
LOW_SHOWN = 30
FIGURES = {"reviews": "stars", "reviews_positive": "positive", "review_sentiment": "sentiment",
           "review_reply_rate": "replied", "review_reply_minutes": "reply_minutes"}


def _grouped(rows: list[dict], key: str | None) -> dict[str, dict[str, dict]]:
    """label → {stars, positive, sentiment, replied, reply_minutes}: one group's review rows."""
    out: dict[str, dict[str, dict]] = {}
    for r in rows:
        if r["metric"] in FIGURES:
            label = r["group"][key] if key else ""
            out.setdefault(label, {})[FIGURES[r["metric"]]] = r
    return out


def _months(since: date, until: date) -> list[str]:
    """Every month label (YYYY-MM) the period touches, oldest first: a month without reviews
    is a gap in the trend, not a line drawn through it."""
    out, y, m = [], since.year, since.month
    while (y, m) <= (until.year, until.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _sentiment(v: float | None) -> str:
    return signed(v, 2)


def reviews_view(store: Store, account: str, p: Period, *, source: str | None = None,
                 language: str | None = None, compute: Callable[[ReportQuery], list[dict]] | None = None) -> dict:
    """The page's figures for the reviews written in the period, and the low reviews of
    `source` and `language` (None: all) with their themes. `compute` gives a query's rows
    (the app's kept reports; default: computed here)."""
    compute = compute or (lambda q: report(store, q))

    def rows(by: tuple[str, ...]) -> list[dict]:
        return compute(ReportQuery(metrics=("reviews",), by=by, account=account, since=p.since, until=p.until))

    total = _grouped(rows(()), None).get("")
    if total is None:
        ever = compute(ReportQuery(metrics=("reviews",), account=account))
        return {"total": None, "ever": any(r["metric"] == "reviews" for r in ever)}
    sources = _grouped(rows(("source",)), "source")
    languages = _grouped(rows(("language",)), "language")
    by_month = _grouped(rows(("month",)), "month")
    months = [(label, by_month.get(label)) for label in _months(p.since, p.until)]

    def point(label: str, row: dict | None) -> charts.Point:
        if row is None:
            return charts.Point(label, None)
        return charts.Point(label, row["value"], row["low"], row["high"], row["n"] or 0)

    source_bars = [point(s, f["stars"]) for s, f in sorted(sources.items(), key=lambda kv: -kv[1]["stars"]["n"])]
    stars_trend = [point(m, f["stars"] if f else None) for m, f in months]
    feeling_trend = [point(m, f["sentiment"] if f and f["sentiment"]["value"] is not None else None) for m, f in months]
    low = low_reviews(store, account=account, since=p.since, until=p.until, source=source, language=language,
                      limit=LOW_SHOWN)
    for r in low.low:
        r["comment_shown"], r["comment_cut"] = clipped(r["comment"])
    return {
        "total": total, "ever": True,
        "sources": sorted(sources.items(), key=lambda kv: (-kv[1]["stars"]["n"], kv[0])),
        "languages": sorted(languages.items(), key=lambda kv: (-kv[1]["stars"]["n"], kv[0])),
        "months": list(reversed([(m, f) for m, f in months if f])),
        "source_svg": charts.bar_chart(
            source_bars, chart_id="reviews-by-source", title=_("Mean stars by source with 95% interval"),
            desc=_("Mean stars (1–5) of the reviews from each source: ") + "; ".join(
                f"{b.label}: {mean(b.value)} (n = {b.n})" for b in source_bars),
            fmt=lambda v: mean(v, 1), bounds=(1.0, 5.0)),
        "stars_svg": charts.line_chart(
            stars_trend, chart_id="reviews-stars-by-month", title=_("Mean stars by month with 95% interval"),
            desc=_("Mean stars (1–5) per month: ") + "; ".join(
                f"{b.label}: {mean(b.value)} (n = {b.n})" for b in stars_trend if b.value is not None),
            fmt=mean, tick_fmt=lambda v: mean(v, 1), bounds=(1.0, 5.0)),
        "sentiment_svg": charts.line_chart(
            feeling_trend, chart_id="reviews-sentiment-by-month", title=_("Mean sentiment by month with 95% interval"),
            desc=_("Mean sentiment of the review texts (−1 all complaint to +1 all praise) per month: ") + "; ".join(
                f"{b.label}: {_sentiment(b.value)} (n = {b.n})" for b in feeling_trend if b.value is not None),
            fmt=_sentiment, tick_fmt=lambda v: signed(v, 1), bounds=(-1.0, 1.0)),
        "low": low, "terms": [asdict(t) for t in low.terms],
        "source": source, "language": language,
        "source_names": sorted(sources), "language_names": sorted(languages),
    }


@router.get("/reviews", response_class=HTMLResponse)
async def reviews_page(
    request: Request, viewer: ViewerDep, days: str | None = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
    language: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    p = period(request, days or str(DEFAULT_DAYS))
    if viewer.account is None:
        return page(request, viewer, "empty.html", title=_("Reviews"), active="/reviews", period=p)
    ctx = request.app.state.context
    data = await run_in_threadpool(lambda: reviews_view(ctx.store, viewer.account, p, source=source or None,
                                                        language=language or None,
                                                        compute=lambda q: ctx.reports.get(ctx.store, q)))
    # the period the source and language links keep: this page's default is not the others' 30 days
    review_view = p.params() if p.custom else {"days": str(p.days)}
    return page(request, viewer, "reviews.html", title=_("Public reviews — %(account)s") % {"account": viewer.account},
                active="/reviews",
                period=p, data=data, sentiment=_sentiment, review_view=review_view)
