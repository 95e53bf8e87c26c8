"""Small factories for test data: JSON Lines records a test can import (STYLE.md example 11)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

AGENTS = ("a1", "a2", "a3")
CHANNELS = ("email", "chat", "phone")
GROUPS = ("Billing", "Τεχνικό", "Поддержка")
CATEGORIES = ("refund", "bug", "login")


def make_ticket(**overrides) -> dict:
    base = {"type": "ticket", "id": "1", "created_at": "2026-03-02T09:00:00Z", "subject": "Help", "status": "solved",
            "channel": "email", "group": "Billing", "category": "refund", "requester_id": "c1", "assignee_id": "a1"}
    return {**base, **overrides}


def random_help_desk(seed: int = 1, tickets: int = 300, start: datetime = datetime(2026, 3, 1, tzinfo=UTC)):
    """Tickets in March 2026 with events and CSAT/NPS/CES answers; returns (records, facts for brute force)."""
    rng = random.Random(seed)
    records, facts = [], []
    for i in range(tickets):
        created = start + timedelta(minutes=rng.randrange(0, 25 * 24 * 60))
        agent, channel = rng.choice(AGENTS), rng.choice(CHANNELS)
        group, category = rng.choice(GROUPS), rng.choice(CATEGORIES)
        tid = f"T{i}"
        records.append(make_ticket(id=tid, created_at=created.isoformat(), channel=channel, group=group,
                                   category=category, assignee_id=agent, requester_id=f"c{i % 50}"))
        reply = created + timedelta(minutes=rng.randrange(5, 3000))
        solved = reply + timedelta(minutes=rng.randrange(1, 300))
        records += [
            {"type": "event", "id": f"{tid}-1", "ticket_id": tid, "at": created.isoformat(), "kind": "comment",
             "author_id": f"c{i % 50}", "author_role": "customer", "body": "Ничего не работает"},
            {"type": "event", "id": f"{tid}-2", "ticket_id": tid, "at": reply.isoformat(), "kind": "comment",
             "author_id": agent, "author_role": "agent", "body": "Žiūrime"},
            {"type": "event", "id": f"{tid}-3", "ticket_id": tid, "at": solved.isoformat(), "kind": "status",
             "from": "open", "to": "solved"},
        ]
        fact = {"ticket": tid, "agent": agent, "channel": channel, "group": group, "category": category,
                "first_reply": (reply - created).total_seconds() / 60, "day": created.date().isoformat()}
        given = solved + timedelta(minutes=30)
        if given.month != 3:
            given = solved
        if rng.random() < 0.7:
            score = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
            records.append({"type": "rating", "id": f"{tid}-csat", "ticket_id": tid, "score": score,
                            "given_at": given.isoformat()})
            fact["csat"] = score
        if rng.random() < 0.4:
            nps = rng.randrange(0, 11)
            records.append({"type": "response", "id": f"{tid}-nps", "ticket_id": tid, "kind": "nps", "score": nps,
                            "given_at": given.isoformat()})
            fact["nps"] = nps
        if rng.random() < 0.4:
            ces = rng.randrange(1, 8)
            records.append({"type": "response", "id": f"{tid}-ces", "ticket_id": tid, "kind": "ces", "score": ces,
                            "given_at": given.isoformat()})
            fact["ces"] = ces
        fact["given_day"] = given.date().isoformat()
        facts.append(fact)
    return records, facts


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def history_from_responses(responses, tickets, *, window_days: int = 90):
    """CSAT answers (1–5 or binary) → a RatingHistory; the agent defaults to the ticket's
    assignee and the customer to its requester, as the CSAT reports attribute them."""
    from cxpulse.domain import ResponseKind, Scale, is_satisfied
    from cxpulse.ml.context import PastRating, RatingHistory

    rows = []
    for r in responses:
        if r.kind is not ResponseKind.CSAT or r.scale not in (Scale.FIVE, Scale.BINARY):
            continue
        t = tickets.get(r.ticket_id)
        rows.append(PastRating(at=r.given_at, ticket_id=r.ticket_id,
                               agent_id=r.agent_id or (t.assignee_id if t else ""),
                               customer_id=r.customer_id or (t.requester_id if t else ""),
                               satisfied=is_satisfied(r.scale, r.score)))
    return RatingHistory(rows, window_days=window_days)
