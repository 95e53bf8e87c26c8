"""Accounts: how much data each holds, and their settings (timezone, business hours,
CSAT scale, alert threshold, ratings needed for an own model)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cxpulse.domain import LONG_HOLD_DAYS_MAX, BusinessHours, InvalidQuery, NotFound, Scale
from cxpulse.storage import Store
from cxpulse.storage.accounts import raw_row_counts, recent_activity
from cxpulse.storage.store import StoredAccount


def account_overview(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        counts = raw_row_counts(conn)
    return [
        {
            "name": a.name,
            "timezone": a.account.timezone,
            "csat_scale": str(a.account.csat_scale),
            "business_hours": bool(a.account.business_hours),
            "tickets": counts["tickets"].get(a.id, 0),
            "events": counts["events"].get(a.id, 0),
            "responses": counts["responses"].get(a.id, 0),
            "reviews": counts["reviews"].get(a.id, 0),
        }
        for a in store.accounts()
    ]


# ---- settings -------------------------------------------------------------------------------

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS_HELP = 'business hours look like "mon-fri 09:00-17:00" or "mon,wed,fri 08:30-16:00", or "none"'


def parse_business_hours(text: str) -> BusinessHours | None:
    """ "mon-fri 09:00-17:00" → BusinessHours; "none" (or "") → None."""
    text = text.strip().lower()
    if text in ("", "none", "off"):
        return None
    try:
        days_part, times_part = text.split()
        start, end = (time.fromisoformat(t) for t in times_part.split("-"))
        days: list[int] = []
        for piece in days_part.split(","):
            if "-" in piece:
                a, b = (_DAYS.index(p[:3]) for p in piece.split("-"))
                days += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
            else:
                days.append(_DAYS.index(piece[:3]))
    except ValueError:
        raise InvalidQuery(f"{text!r}: {_HOURS_HELP}") from None
    if start == end:
        raise InvalidQuery(f"{text!r}: the day starts and ends at {start:%H:%M}; {_HOURS_HELP}")
    return BusinessHours(start=start, end=end, weekdays=tuple(sorted(set(days))))


def format_business_hours(hours: BusinessHours | None) -> str:
    """The form `parse_business_hours` reads, runs of days as ranges: "mon-fri 09:00-17:00"."""
    if hours is None:
        return "none"
    runs: list[list[int]] = []
    for d in sorted(hours.weekdays):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    days = ",".join(_DAYS[r[0]] if len(r) == 1 else f"{_DAYS[r[0]]}-{_DAYS[r[-1]]}" for r in runs)
    return f"{days} {hours.start:%H:%M}-{hours.end:%H:%M}"


def settings_row(acc: StoredAccount) -> dict:
    a = acc.account
    return {
        "name": a.name, "timezone": a.timezone, "business_hours": format_business_hours(a.business_hours),
        "csat_scale": str(a.csat_scale), "alert_below": a.alert_below, "min_rated_for_model": a.min_rated_for_model,
        "ticket_url": a.ticket_url,
        "long_hold_days": a.long_hold_days,
    }


def check_ticket_url(template: str) -> str:
    """A help desk's ticket page with "{id}" where the ticket's id goes ("" or "none": no links)."""
    template = template.strip()
    if template.lower() in ("", "none"):
        return ""
    if not template.startswith(("https://", "http://")) or template.count("{id}") != 1:
        raise InvalidQuery(f"ticket URL {template!r}: an http(s) address with {{id}} once where the ticket id "
                           "goes, e.g. https://acme.zendesk.com/agent/tickets/{id}")
    rest = template.replace("{id}", "")
    if "{" in rest or "}" in rest or any(c.isspace() for c in rest) or len(template) > 500:
        raise InvalidQuery(f"ticket URL {template!r}: no spaces, no braces but {{id}}, at most 500 characters")
    return template


def ticket_url_of(store: Store, account: str) -> str:
    """The account's help desk ticket address ("" for none, or for an account gone)."""
    try:
        return store.account(account).account.ticket_url
    except NotFound:
        return ""


def ticket_link(template: str, ticket_id: str) -> str | None:
    """The help desk's page of one ticket, or None when the account has no template."""
    from urllib.parse import quote

    return template.replace("{id}", quote(str(ticket_id), safe="")) if template else None


@dataclass
class SettingsChange:
    account: StoredAccount
    changed: list[str]
    rebuilt_tickets: int  # KPIs recomputed: the timezone or business hours changed


def update_settings(
    store: Store,
    name: str,
    *,
    timezone: str | None = None,
    business_hours: str | None = None,
    csat_scale: str | None = None,
    alert_below: int | None = None,
    min_rated_for_model: int | None = None,
    ticket_url: str | None = None,
    long_hold_days: int | None = None,
) -> SettingsChange:
    """Change an account's settings. A new timezone or business hours changes the
    business-hours KPIs of every ticket, so they are rebuilt at once (`cxpulse rebuild`)."""
    acc = store.account(name)
    old = acc.account
    changes: dict = {}
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidQuery(f"timezone {timezone!r} is not an IANA timezone such as Europe/Vilnius") from None
        changes["timezone"] = timezone
    if business_hours is not None:
        changes["business_hours"] = parse_business_hours(business_hours)
    if csat_scale is not None:
        if csat_scale not in (Scale.FIVE.value, Scale.BINARY.value):
            raise InvalidQuery(f"csat_scale {csat_scale!r}: CSAT is measured on 1-5 or binary")
        changes["csat_scale"] = Scale(csat_scale)
    if alert_below is not None:
        if not 0 <= alert_below <= 100:
            raise InvalidQuery(f"alert_below {alert_below}: a score from 0 to 100, e.g. 40")
        changes["alert_below"] = alert_below
    if min_rated_for_model is not None:
        if min_rated_for_model < 1:
            raise InvalidQuery(f"min_rated_for_model {min_rated_for_model}: at least 1, e.g. 300")
        changes["min_rated_for_model"] = min_rated_for_model
    if ticket_url is not None:
        changes["ticket_url"] = check_ticket_url(ticket_url)
    if long_hold_days is not None:
        if not 1 <= long_hold_days <= LONG_HOLD_DAYS_MAX:
            raise InvalidQuery(f"long_hold_days {long_hold_days}: whole days from 1 to {LONG_HOLD_DAYS_MAX}, e.g. 14 "
                               "(the at-risk list leaves out tickets on hold longer than this)")
        changes["long_hold_days"] = long_hold_days
    changed = [k for k, v in changes.items() if getattr(old, k) != v]
    if not changed:
        return SettingsChange(acc, [], 0)
    stored = store.update_account(replace(old, **changes))
    rebuilt = 0
    if {"timezone", "business_hours"} & set(changed):
        from cxpulse.service.derive import rebuild

        rebuilt = rebuild(store, name).tickets
    return SettingsChange(stored, changed, rebuilt)


# ---- lookups for the edges: they open the store and call these, never the Store itself ----


def get_account(store: Store, name: str) -> StoredAccount:
    """The stored account of that name; NotFound (naming the known ones) otherwise."""
    return store.account(name)


def find_account(store: Store, name: str) -> StoredAccount | None:
    """The stored account of that name, or None."""
    try:
        return store.account(name)
    except NotFound:
        return None


def account_names(store: Store) -> list[str]:
    """Every account's name, sorted."""
    return sorted(a.name for a in store.accounts())


ACTIVITY_DAYS = 30


def busiest_account(store: Store, names: Sequence[str] | None = None) -> str | None:
    """The account (of `names`, default all) with the most tickets created and responses
    given in the last ACTIVITY_DAYS days of the store's data — where an admin starts, rather
    than on the first name in the alphabet, which may be an empty or a quiet one. Ties go to
    the first name; None when there are no accounts."""
    with store.engine.connect() as conn:
        activity = recent_activity(conn, ACTIVITY_DAYS)
    ids = {a.name: a.id for a in store.accounts()}
    candidates = sorted(n for n in (ids if names is None else names) if n in ids)
    return max(candidates, key=lambda n: activity.get(ids[n], 0), default=None)


def account_rows(store: Store, names: set[str] | None = None) -> list[dict]:
    """Each account's settings (`settings_row`) and how much data it holds, by name;
    only those in `names` when given (what `GET /api/v1/accounts` answers)."""
    counts = {row["name"]: row for row in account_overview(store)}
    out = []
    for acc in store.accounts():
        if names is not None and acc.name not in names:
            continue
        c = counts.get(acc.name, {})
        out.append({**settings_row(acc), **{k: c.get(k, 0) for k in ("tickets", "events", "responses")}})
    return out
