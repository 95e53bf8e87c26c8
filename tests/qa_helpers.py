"""A small help desk for the QA tests: six tickets of two agents, each rated, and a
scorecard of three criteria whose scores a reader checks by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cxpulse.service.imports import import_path
from cxpulse.service.qa import ReviewInput, apply_scorecard, create_review
from tests.factories import make_ticket, write_jsonl

# solution: 1–4, weight 2; tone: pass/fail, weight 1; honesty: pass/fail, critical
CARD = {
    "name": "Chat",
    "criteria": [
        {"key": "solution", "labels": {"en": "Solution", "lt": "Sprendimas"}, "weight": 2, "scale": "1-4"},
        {"key": "tone", "labels": {"en": "Tone"}, "weight": 1, "scale": "pass_fail"},
        {"key": "honesty", "labels": {"en": "Honesty"}, "weight": 1, "scale": "pass_fail", "critical": True},
    ],
}
AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def help_desk(store, tmp_path: Path, account: str = "acme") -> None:
    """Tickets T1–T6: a1 has T1–T3, a2 T4–T6; CSAT 5, 4, 1 for a1 and 2, 5, 5 for a2
    (1–5: a1 2 of 3 satisfied, a2 2 of 3); T2 reopened once."""
    records = [{"type": "account", "name": account, "timezone": "UTC"},
               {"type": "user", "id": "a1", "role": "agent", "name": "Ona"},
               {"type": "user", "id": "a2", "role": "agent", "name": "Βασίλης"}]
    scores = {"T1": 5, "T2": 4, "T3": 1, "T4": 2, "T5": 5, "T6": 5}
    for i, (tid, score) in enumerate(scores.items()):
        agent = "a1" if i < 3 else "a2"
        records.append(make_ticket(id=tid, assignee_id=agent, requester_id=f"c{i}", status="solved",
                                   created_at=f"2026-03-0{i + 1}T09:00:00Z"))
        records.append({"type": "event", "id": f"{tid}-c", "ticket_id": tid, "at": f"2026-03-0{i + 1}T09:00:00Z",
                        "kind": "comment", "author_id": f"c{i}", "author_role": "customer", "body": "help"})
        records.append({"type": "event", "id": f"{tid}-r", "ticket_id": tid, "at": f"2026-03-0{i + 1}T10:00:00Z",
                        "kind": "comment", "author_id": agent, "author_role": "agent", "body": "done"})
        records.append({"type": "event", "id": f"{tid}-s", "ticket_id": tid, "at": f"2026-03-0{i + 1}T11:00:00Z",
                        "kind": "status", "from": "open", "to": "solved"})
        if tid == "T2":
            records.append({"type": "event", "id": "T2-o", "ticket_id": tid, "at": "2026-03-02T12:00:00Z",
                            "kind": "status", "from": "solved", "to": "open"})
            records.append({"type": "event", "id": "T2-s2", "ticket_id": tid, "at": "2026-03-02T13:00:00Z",
                            "kind": "status", "from": "open", "to": "solved"})
        records.append({"type": "rating", "id": f"{tid}-csat", "ticket_id": tid, "score": score,
                        "given_at": f"2026-03-0{i + 1}T12:30:00Z"})
    path = write_jsonl(tmp_path / f"{account}.jsonl", records)
    summary = import_path(store, "jsonl", path, account=account)
    assert summary.rejected == 0, summary.first_rejects
    apply_scorecard(store, account, CARD)


def review(store, ticket: str, reviewer: str, *, solution=4, tone=True, honesty=True, account: str = "acme",
           mystery: bool = False, at: datetime = AT, id: str = "") -> dict:
    return create_review(store, account, ReviewInput(
        ticket_id=ticket, reviewer=reviewer, id=id or f"{ticket}-{reviewer}", mystery=mystery, created_at=at,
        scores={"solution": solution, "tone": tone, "honesty": honesty}, scorecard="Chat"))
