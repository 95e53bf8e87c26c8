"""Zendesk API pages → the records `cxpulse import zendesk` makes of the same data, one page at a time.

The API's list endpoints answer with the very objects an export directory holds
(readers/zendesk.py reads `{"tickets": [...]}`, `{"users": [...]}`, …), so a page is read
by the export reader's own handlers, fed the page's items instead of a file's: one parser,
so a sync and a file import cannot drift apart. The incremental export's side-loaded
`metric_sets` are the `ticket_metrics` objects.

`PageReader` keeps, between pages, only what the export reader keeps between files —
small maps (user id → role, group id → name, the latest rating per ticket, the tickets
with a survey response) — so a sync of any size holds one page at a time. Each page's
records can then be stored and its cursor saved before the next page is fetched:
- users, groups and CSAT survey responses are read first (names, roles, which tickets
  the newer CSAT rates), as the import reads them before the tickets;
- satisfaction-rating pages are indexed (the latest version per ticket, which a ticket's
  embedded rating is weighed against) and kept on disk in the spool folder, then read
  after the tickets, as the import reads its rating files;
- a ticket page carries its own metric sets; the metrics are dropped once it is read;
- an events page needs each ticket's requester (a comment by the requester is the
  customer's): the caller gives them (the stored tickets), since the tickets are stored by then.

The incremental ticket events (`ticket_events`, with `include=comment_events`) are the one
other shape: each is an audit whose `child_events` name the changed field as a key
(`{"event_type": "Change", "status": "solved", "previous_value": "open"}`). `audits_of`
puts them back into the audit shape (`{"type": "Change", "field_name": "status", …}`) —
a re-shaping, not a parse: the export reader still reads every value.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxpulse.readers.base import Stream
from cxpulse.readers.zendesk import _File, _Reader

__all__ = ["PageReader", "audits_of", "surveys_open_since"]

FIELDS = ("status", "assignee_id", "group_id", "priority")  # the changes the export reader stores


def audits_of(ticket_events: list[dict]) -> dict[str, list[dict]]:
    """Incremental ticket events (event_type Audit) as the audits of each ticket, oldest first."""
    out: dict[str, list[dict]] = {}
    for te in ticket_events:
        if not isinstance(te, dict) or te.get("event_type", "Audit") != "Audit":
            continue
        events = []
        for child in te.get("child_events") or []:
            if not isinstance(child, dict):
                events.append(child)  # the reader rejects it, naming it
                continue
            etype = child.get("event_type")
            rest = {k: v for k, v in child.items() if k not in ("event_type", "via", "via_reference_id")}
            if etype in ("Create", "Change"):
                field = next((f for f in FIELDS if f in child), None)
                if field is None:
                    events.append({"id": child.get("id"), "type": etype, "field_name": None})
                    continue
                ev = {"id": child.get("id"), "type": etype, "field_name": field, "value": child[field]}
                if "previous_value" in child:
                    ev["previous_value"] = child["previous_value"]
                events.append(ev)
            else:
                events.append({**rest, "type": etype})
        audit = {"id": te.get("id"), "ticket_id": te.get("ticket_id"), "created_at": te.get("created_at"),
                 "author_id": te.get("updater_id"), "events": events}
        out.setdefault(str(te.get("ticket_id")), []).append(audit)
    return out


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def surveys_open_since(responses: Iterable[Mapping], now: datetime) -> tuple[int | None, bool]:
    """(the creation time in epoch milliseconds of the oldest CSAT survey response that can
    still be answered or changed — its `expires_at` not yet passed — or None when none can;
    whether every such response had a time). A response's creation time is its `created_at`,
    else its earliest answer's (the reference's response shape has only `expires_at`).

    >>> now = datetime(2026, 3, 10, tzinfo=UTC)
    >>> surveys_open_since([{"created_at": "2026-03-03T10:05:00Z", "expires_at": "2026-03-31T10:05:00Z"},
    ...                     {"created_at": "2026-02-01T00:00:00Z", "expires_at": "2026-03-01T00:00:00Z"}], now)
    (1772532300000, True)
    >>> surveys_open_since([{"expires_at": "2026-03-31T10:05:00Z", "answers": []}], now)
    (None, False)
    """
    oldest: datetime | None = None
    timed = True
    for r in responses:
        expires = _time(r.get("expires_at"))
        if expires is not None and expires <= now:
            continue  # closed: it cannot change any more
        answers = r.get("answers") if isinstance(r.get("answers"), list) else []
        times = [t for t in (_time(a.get("created_at")) for a in answers if isinstance(a, dict)) if t is not None]
        created = _time(r.get("created_at")) or (min(times) if times else None)
        if created is None:
            timed = False
            continue
        oldest = created if oldest is None or created < oldest else oldest
    return (None if oldest is None else int(oldest.timestamp() * 1000)), timed


def _numbered(items: Any) -> Iterable[tuple[int, Any]]:
    return enumerate(items if isinstance(items, list) else [], start=1)


class PageReader:
    """Reads one sync's API pages in the import's order, one page at a time (see the module
    docstring). `where` names the page in rejects: its endpoint and page number."""

    def __init__(self, spool: str | Path, *, skipped: Counter | None = None) -> None:
        self._r = _Reader([], None, skipped if skipped is not None else Counter())
        self._spool = Path(spool)
        self._ratings: list[_File] = []

    def users(self, page: Mapping, where: str) -> Stream:
        return self._r._read(_File("users", Path(where), 0), self._r._user, _numbered(page.get("users")))

    def groups(self, page: Mapping, where: str) -> Stream:
        """Nothing is stored of a group: its name goes on the tickets and events that name it."""
        return self._r._read(_File("groups", Path(where), 0), self._r._group, _numbered(page.get("groups")))

    def survey_responses(self, page: Mapping, where: str) -> Stream:
        return self._r._read(_File("survey_responses", Path(where), 0), self._r._survey_item,
                             _numbered(page.get("survey_responses")))

    def hold_ratings(self, page: Mapping, where: str) -> int:
        """Index a satisfaction-ratings page and keep it in the spool until `ratings()`; returns its size."""
        items = page.get("satisfaction_ratings")
        if not isinstance(items, list) or not items:
            return 0
        path = self._spool / f"satisfaction_ratings-{len(self._ratings) + 1}.json"
        path.write_text(json.dumps({"satisfaction_ratings": items}, ensure_ascii=False), encoding="utf-8")
        f = _File("satisfaction_ratings", path, path.stat().st_size)
        self._r._index_ratings(len(self._ratings), f)
        self._ratings.append(f)
        return len(items)

    def unheld_ratings(self, page: Mapping) -> list[str]:
        """The ids of the satisfaction ratings a ticket page embeds (offered, good or bad) whose
        ticket has no rating held: created before the ratings this sync read, so the sync
        fetches each (it alone knows when it was offered) before reading the page."""
        out = []
        for t in page.get("tickets") or []:
            sr = t.get("satisfaction_rating") if isinstance(t, dict) else None
            if not isinstance(sr, dict) or sr.get("id") is None or sr.get("score") not in ("offered", "good", "bad"):
                continue
            if str(t.get("id")) not in self._r.latest and f"#{sr['id']}" not in self._r.latest:
                out.append(str(sr["id"]))
        return out

    def tickets(self, page: Mapping, where: str) -> Stream:
        """A page of the incremental ticket export, with its side-loaded `metric_sets`."""
        r = self._r
        yield from r._read(_File("ticket_metrics", Path(where), 0), r._metric, _numbered(page.get("metric_sets")))
        yield from r._read(_File("tickets", Path(where), 0), r._ticket, _numbered(page.get("tickets")))
        r.metrics.clear()  # this page's alone: nothing grows with the account
        r.requesters.clear()

    def ratings(self) -> Stream:
        """The held satisfaction ratings, after every ticket page: the latest version of each
        ticket's rating, unless its ticket said something newer."""
        for i, f in enumerate(self._ratings):
            self._r.file_no = i
            yield from self._r._read(f, self._r._rating_item)

    def events(self, page: Mapping, where: str, requesters: Mapping[str, str]) -> Stream:
        """A page of incremental ticket events; `requesters`: ticket id → its requester id."""
        r = self._r
        r.requesters = dict(requesters)
        for tid, audits in audits_of(page.get("ticket_events") or []).items():
            yield from r._read(_File("audits", Path(where), 0, tid), r._audit, _numbered(audits))
        r.requesters = {}

    @staticmethod
    def event_tickets(page: Mapping) -> list[str]:
        """The ids of the tickets an events page speaks of (whose requesters `events` needs)."""
        return sorted({str(te.get("ticket_id")) for te in page.get("ticket_events") or [] if isinstance(te, dict)})
