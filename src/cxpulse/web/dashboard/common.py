"""What every dashboard page shares: the navigation, the period, sorting links, rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from cxpulse.web.dashboard.session import Viewer
from cxpulse.web.pages import render

NAV: tuple[tuple[str, str], ...] = (
    ("/", "Overview"),
    ("/agents", "Agents"),
    ("/groups", "Groups"),
    ("/drivers", "Drivers"),
    ("/team", "Team"),
    ("/sla", "SLA"),
    ("/quality", "Quality"),
    ("/low-ratings", "Low ratings"),
    ("/at-risk", "At risk"),
    ("/model", "Model"),
    ("/alerts", "Alerts"),
    ("/webhooks", "Webhooks"),
    ("/surveys", "Surveys"),
    ("/connections", "Connections"),
)
PERIODS = (30, 90, 365)
DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Period:
    """The last `days` days up to `until` (inclusive), compared with the `days` before."""

    days: int
    since: date
    until: date

    @property
    def previous(self) -> tuple[date, date]:
        return self.since - timedelta(days=self.days), self.since - timedelta(days=1)


def period(request: Request, days: str | None) -> Period:
    """The period a page shows: ?days=30|90|365 (anything else: 30), ending today by the app's clock."""
    n = int(days) if days and days.isdigit() else DEFAULT_DAYS
    days_n = n if n in PERIODS else DEFAULT_DAYS
    today = request.app.state.clock().date()
    return Period(days_n, today - timedelta(days=days_n - 1), today)


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


def nav_for(viewer: Viewer) -> tuple[tuple[str, str], ...]:
    """The pages this viewer's role opens: all of them, or a reviewer's Quality page, or a
    shopper's review form."""
    if viewer.may("read"):
        return NAV
    if viewer.may("queue"):
        return (("/quality", "Quality"),)
    return (("/quality/review", "Review"),)


def page(request: Request, viewer: Viewer, template: str, *, title: str, active: str, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """A dashboard page: the template inside the shared layout (nav, account, logout)."""
    return render(request, f"dashboard/{template}", status_code=status_code, title=title, active=active,
                  nav=nav_for(viewer), viewer=viewer, csrf=viewer.csrf, path=request.url.path,
                  here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
                  link=link, periods=PERIODS, **context)
