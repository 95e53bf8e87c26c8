"""A small help desk for the `cxpulse report` CLI tests: two months (February and March
2026) of tickets, events, CSAT/NPS/CES answers and named agents, so a report has a
previous period to compare with and agent names to show."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.factories import random_help_desk, write_jsonl

AGENT_NAMES = {"a1": "Ona Jonaitė", "a2": "Peter Smith", "a3": "Νίκος Παπαδόπουλος"}

# `cxpulse report` arguments whose JSON and CSV are pinned in tests/golden/ (test_report_cli.py)
PINNED = [
    [],
    ["--by", "agent"],
    ["--by", "account"],
    ["--metric", "csat,nps,ces", "--by", "agent,month"],
    ["--metric", "kpi,csat-by-kpi", "--by", "channel"],
    ["--metric", "csat,nps,ces,kpi", "--compare-previous"],
    ["--metric", "csat,nps", "--by", "agent", "--compare-previous"],
    ["--since", "2026-03-01", "--until", "2026-03-31", "--compare-previous"],
]


def write_desk(path: Path) -> Path:
    """The desk as one JSON Lines file: March (seed 5, 300 tickets) and February (seed 6,
    200 tickets, ids prefixed F) for the account `acme`, and the agents' names."""
    march, _ = random_help_desk(seed=5, tickets=300)
    february, _ = random_help_desk(seed=6, tickets=200, start=datetime(2026, 2, 1, tzinfo=UTC))
    for r in february:
        for key in ("id", "ticket_id"):
            if key in r:
                r[key] = f"F{r[key]}"
    users = [{"type": "user", "id": a, "role": "agent", "name": n} for a, n in AGENT_NAMES.items()]
    return write_jsonl(path, [*users, *february, *march])
