"""Zendesk API pages → the records `cxpulse import zendesk` makes of the same data.

The API's list endpoints answer with the very objects an export directory holds
(readers/zendesk.py reads `{"tickets": [...]}`, `{"users": [...]}`, …), so the pages a
sync fetched are laid out as such a directory in a temporary folder and read by the
export reader itself: one parser, so a sync and a file import cannot drift apart.
The incremental export's side-loaded `metric_sets` are the `ticket_metrics` objects.

The incremental ticket events (`ticket_events`, with `include=comment_events`) are the one
other shape: each is an audit whose `child_events` name the changed field as a key
(`{"event_type": "Change", "status": "solved", "previous_value": "open"}`). `audits_of`
puts them back into the audit shape (`{"type": "Change", "field_name": "status", …}`) —
a re-shaping, not a parse: the export reader still reads every value.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from cxpulse.readers.base import Stream
from cxpulse.readers.zendesk import read_zendesk

__all__ = ["audits_of", "read_api_pages", "write_pages"]

FIELDS = ("status", "assignee_id", "group_id", "priority")  # the changes the export reader stores

# the API page's key → the export file kind it is (the same objects)
KINDS = {
    "users": "users",
    "groups": "groups",
    "metric_sets": "ticket_metrics",
    "ticket_metrics": "ticket_metrics",
    "satisfaction_ratings": "satisfaction_ratings",
    "tickets": "tickets",
}


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


def write_pages(pages: Sequence[Mapping], root: Path) -> None:
    """Lay out API pages as an export directory: `tickets-1.json`, `ticket_metrics-1.json`,
    `audits/<ticket_id>.json`, …"""
    events = [e for page in pages for e in page.get("ticket_events") or []]
    if events:
        (root / "audits").mkdir(exist_ok=True)
        for tid, audits in audits_of(events).items():
            body = json.dumps({"audits": audits}, ensure_ascii=False)
            (root / "audits" / f"{tid}.json").write_text(body, encoding="utf-8")
    counts: dict[str, int] = {}
    for page in pages:
        for key, kind in KINDS.items():
            items = page.get(key)
            if not items:
                continue
            counts[kind] = counts.get(kind, 0) + 1
            body = json.dumps({kind: items}, ensure_ascii=False)
            (root / f"{kind}-{counts[kind]}.json").write_text(body, encoding="utf-8")


def read_api_pages(pages: Sequence[Mapping]) -> Stream:
    """Records and rejects of the fetched API pages, exactly as the export reader makes them."""
    if not any(page.get(key) for page in pages for key in (*KINDS, "ticket_events")):
        return iter(())
    return _read(pages)


def _read(pages: Sequence[Mapping]) -> Iterator:
    with tempfile.TemporaryDirectory(prefix="cxpulse-zendesk-") as tmp:
        write_pages(pages, Path(tmp))
        yield from read_zendesk(tmp)
