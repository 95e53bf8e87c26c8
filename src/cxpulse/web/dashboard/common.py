"""What every dashboard page shares: the navigation, the period, sorting links, rendering."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.service.accounts import ticket_link, ticket_url_of
from cxpulse.web import i18n
from cxpulse.web.dashboard.session import Viewer
from cxpulse.web.i18n import N_
from cxpulse.web.pages import render

NAV: tuple[tuple[str, str], ...] = (
    ("/", N_("Overview")),
    ("/agents", N_("Agents")),
    ("/groups", N_("Groups")),
    ("/drivers", N_("Drivers")),
    ("/team", N_("Team")),
    ("/sla", N_("SLA")),
    ("/quality", N_("Quality")),
    ("/low-ratings", N_("Low ratings")),
    ("/reviews", N_("Reviews")),
    ("/at-risk", N_("At risk")),
    ("/model", N_("Model")),
    ("/alerts", N_("Alerts")),
    ("/webhooks", N_("Webhooks")),
    ("/surveys", N_("Surveys")),
    ("/connections", N_("Connections")),
)  # labels translated where shown (layout.html)
PERIODS = (30, 90, 365)
DEFAULT_DAYS = 30


MAX_DAYS = 3660  # a custom range longer than ten years is cut to its last ten
FILTER_KEYS = ("agent", "group", "channel", "category")  # as storage/queries.FILTER_KEYS


@dataclass(frozen=True, slots=True)
class Period:
    """`days` days from `since` to `until` (inclusive), compared with the `days` before.
    `custom`: picked with ?from=…&to=… rather than one of the last-N-days links."""

    days: int
    since: date
    until: date
    custom: bool = False

    @property
    def previous(self) -> tuple[date, date]:
        return self.since - timedelta(days=self.days), self.since - timedelta(days=1)

    def params(self) -> dict[str, str | None]:
        """The query parameters that give this period back (none for the default)."""
        if self.custom:
            return {"from": self.since.isoformat(), "to": self.until.isoformat()}
        return {"days": str(self.days) if self.days != DEFAULT_DAYS else None}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def period(request: Request, days: str | None) -> Period:
    """The period a page shows: ?from=YYYY-MM-DD&to=YYYY-MM-DD (either may be left out:
    the other end is 30 days away, or today), else ?days=30|90|365 (anything else: 30),
    ending today by the app's clock. A reversed range is put the right way round."""
    today = request.app.state.clock().date()
    start, end = _day(request.query_params.get("from")), _day(request.query_params.get("to"))
    if start or end:
        end = end or (min(today, start + timedelta(days=DEFAULT_DAYS - 1)) if start else today)
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            start, end = end, start
        start = max(start, end - timedelta(days=MAX_DAYS - 1))
        return Period((end - start).days + 1, start, end, custom=True)
    n = int(days) if days and days.isdigit() else DEFAULT_DAYS
    days_n = n if n in PERIODS else DEFAULT_DAYS
    return Period(days_n, today - timedelta(days=days_n - 1), today)


@dataclass(frozen=True, slots=True)
class Filters:
    """The agent, group, channel and category a page is narrowed to (?agent=…&channel=…);
    `where` is what service.report.ReportQuery takes."""

    where: tuple[tuple[str, str], ...] = ()

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.where if k == key), None)

    def params(self) -> dict[str, str]:
        return dict(self.where)

    def __bool__(self) -> bool:
        return bool(self.where)


def filters(request: Request) -> Filters:
    """The page's filters from its query string (empty values: no filter)."""
    q = request.query_params
    return Filters(tuple((k, q[k][:200]) for k in FILTER_KEYS if q.get(k)))


def view_params(p: Period | None, f: Filters | None = None) -> dict[str, str | None]:
    """The query parameters that carry a view (period and filters) from page to page."""
    return {**(p.params() if p is not None else {}), **(f.params() if f is not None else {})}


def link(path: str, **params: Any) -> str:
    """A path with its query string (parameters that are None are left out)."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{path}?{query}" if query else path


@dataclass(frozen=True, slots=True)
class Sort:
    """A table's sort order from ?sort=COLUMN&dir=asc|desc, limited to the table's columns."""

    column: str
    descending: bool

    @classmethod
    def parse(cls, column: str | None, direction: str | None, columns: tuple[str, ...], default: str,
              default_descending: bool = False) -> Sort:
        if column not in columns:
            return cls(default, default_descending)
        return cls(column, direction == "desc")

    def apply(self, rows: list[dict]) -> list[dict]:
        """Sorted by the column; rows without a value go last either way."""
        present = [r for r in rows if r.get(self.column) is not None]
        missing = [r for r in rows if r.get(self.column) is None]
        present.sort(key=lambda r: _sort_key(r[self.column]), reverse=self.descending)
        return present + missing

    def aria(self, column: str) -> str:
        if column != self.column:
            return "none"
        return "descending" if self.descending else "ascending"

    def next_dir(self, column: str) -> str:
        """Clicking the sorted column flips it; another column starts descending for
        figures (best/worst first) — the link says which."""
        if column == self.column:
            return "asc" if self.descending else "desc"
        return "desc"


def _sort_key(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v


def csv_response(filename: str, header: list[str], rows) -> Response:
    """A list or table as a CSV download (the dashboard's Export CSV links)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in filename)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


def nav_for(viewer: Viewer) -> tuple[tuple[str, str], ...]:
    """The pages this viewer's role opens: all of them, or a reviewer's Quality page, or a
    shopper's review form."""
    if viewer.may("read"):
        return NAV
    if viewer.may("queue"):
        return (("/quality", N_("Quality")),)
    return (("/quality/review", N_("Review")),)


def page(request: Request, viewer: Viewer, template: str, *, title: str, active: str, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """A dashboard page: the template inside the shared layout (nav, account, logout)."""
    view = view_params(context.get("period"), context.get("filters"))
    desk_url = request.app.state.context.kept(ticket_url_of, viewer.account) if viewer.account else ""
    return render(request, f"dashboard/{template}", status_code=status_code, title=title, active=active,
                  nav=nav_for(viewer), viewer=viewer, csrf=viewer.csrf, path=request.url.path,
                  ui_languages=tuple((c, i18n.NAMES[c]) for c in i18n.LANGUAGES),
                  here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
                  link=link, periods=PERIODS, view_query=view, keep=link("", **view),
                  view_link=lambda path, **extra: link(path, **{**view, **extra}),
                  ticket_href=lambda ticket_id: ticket_link(desk_url, ticket_id) if ticket_id else None,
                  preset_link=lambda path, days, keep=None: link(path, days=days, **{
                      **(context["filters"].params() if context.get("filters") else {}), **(keep or {})}),
                  **context)
