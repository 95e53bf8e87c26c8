"""Zendesk API pages → the records `cxpulse import zendesk` makes of the same data.

The API's list endpoints answer with the very objects an export directory holds
(readers/zendesk.py reads `{"tickets": [...]}`, `{"users": [...]}`, …), so the pages a
sync fetched are laid out as such a directory in a temporary folder and read by the
export reader itself: one parser, so a sync and a file import cannot drift apart.
The incremental export's side-loaded `metric_sets` are the `ticket_metrics` objects.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from cxpulse.readers.base import Stream
from cxpulse.readers.zendesk import read_zendesk

__all__ = ["read_api_pages", "write_pages"]

# the API page's key → the export file kind it is (the same objects)
KINDS = {
    "users": "users",
    "groups": "groups",
    "metric_sets": "ticket_metrics",
    "ticket_metrics": "ticket_metrics",
    "satisfaction_ratings": "satisfaction_ratings",
    "tickets": "tickets",
}


def write_pages(pages: Sequence[Mapping], root: Path) -> None:
    """Lay out API pages as an export directory: `tickets-1.json`, `ticket_metrics-1.json`, …"""
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
    if not any(page.get(key) for page in pages for key in KINDS):
        return iter(())
    return _read(pages)


def _read(pages: Sequence[Mapping]) -> Iterator:
    with tempfile.TemporaryDirectory(prefix="cxpulse-zendesk-") as tmp:
        write_pages(pages, Path(tmp))
        yield from read_zendesk(tmp)
