"""Listing accounts with how much data each holds."""

from __future__ import annotations

from sqlalchemy import func, select

from cxpulse.storage import Store
from cxpulse.storage import tables as T


def account_overview(store: Store) -> list[dict]:
    counts: dict[str, dict[int, int]] = {}
    with store.engine.connect() as conn:
        for name, table in (("tickets", T.tickets), ("events", T.ticket_events), ("responses", T.responses)):
            q = select(table.c.account_id, func.count()).group_by(table.c.account_id)
            counts[name] = {aid: n for aid, n in conn.execute(q)}
    return [
        {
            "name": a.name,
            "timezone": a.account.timezone,
            "csat_scale": str(a.account.csat_scale),
            "business_hours": bool(a.account.business_hours),
            "tickets": counts["tickets"].get(a.id, 0),
            "events": counts["events"].get(a.id, 0),
            "responses": counts["responses"].get(a.id, 0),
        }
        for a in store.accounts()
    ]
