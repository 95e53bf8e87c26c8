"""Author -1 (Zendesk itself) means the same in both Zendesk readers: a ticket with an
automatic acknowledgement read from an export and from webhooks has one first reply time.

The fixture follows Zendesk's documented shapes: the Ticket Audits API (an audit's
`author_id`, `via`, `events` with `Comment` {id, author_id, body, public}), the Via object
(`"channel": "rule"`, `"rel": "trigger"`) and the ticket event-type webhooks
(`zen:event-type:ticket.comment_added`, `event.comment` {id, body, is_public, author
{id, is_staff, name}}). The trigger's comment is public and comes a minute after the
request; the agent answers at 10:30, 90 minutes after it.
"""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from cxpulse.domain import Role
from cxpulse.readers import zendesk_authors
from cxpulse.readers.base import Record
from cxpulse.readers.zendesk import read_zendesk
from cxpulse.readers.zendesk_authors import author_role
from cxpulse.readers.zendesk_webhook import parse_webhook
from cxpulse.service.imports import import_path
from cxpulse.service.ingest import ingest_zendesk
from cxpulse.storage import tables as T

TICKET, CUSTOMER, AGENT = 35436, 20978392, 235324
CREATED, ACK, REPLY = "2026-03-02T09:00:00Z", "2026-03-02T09:01:00Z", "2026-03-02T10:30:00Z"
DESCRIPTION = "I cannot log in to the mobile app"
COMMENTS = [  # (comment id, author, time, body)
    (5001, CUSTOMER, CREATED, DESCRIPTION),
    (5002, -1, ACK, "We received your request and will answer within a day."),  # a trigger's comment
    (5003, AGENT, REPLY, "Please update the app to 4.2; the login is fixed there."),
]
TRIGGER = {"channel": "rule", "source": {  # the Via object of a business rule's doing
    "to": {}, "from": {"id": 360005001, "title": "Notify requester of received request"}, "rel": "trigger"}}
WEB = {"channel": "web", "source": {"from": {}, "to": {}, "rel": None}}


def _ticket(status: str = "open", updated_at: str = REPLY) -> dict:
    return {"id": TICKET, "created_at": CREATED, "updated_at": updated_at, "type": "question",
            "subject": "Cannot log in", "description": DESCRIPTION, "priority": "normal", "status": status,
            "requester_id": CUSTOMER, "submitter_id": CUSTOMER, "assignee_id": AGENT, "group_id": None,
            "via": {"channel": "web"}, "tags": []}


def write_export(root: Path) -> Path:
    """tickets.json, users.json and audits/<id>.json as the API returns them."""
    (root / "audits").mkdir(parents=True)
    (root / "tickets.json").write_text(json.dumps({"tickets": [_ticket()]}))
    (root / "users.json").write_text(json.dumps({"users": [  # Zendesk lists no user -1
        {"id": CUSTOMER, "name": "Eleni", "role": "end-user"}, {"id": AGENT, "name": "Support Agent", "role": "agent"},
    ]}))
    audits = []
    for n, (cid, author, at, body) in enumerate(COMMENTS):
        events = [{"id": cid, "type": "Comment", "author_id": author, "body": body, "public": True, "attachments": []}]
        if n == 0:
            events.append({"id": 6001, "type": "Create", "field_name": "status", "value": "new"})
        if cid == 5003:
            events.append({"id": 6003, "type": "Change", "field_name": "status", "value": "open",
                           "previous_value": "new"})
        audits.append({"id": 7000 + n, "ticket_id": TICKET, "created_at": at, "author_id": author, "events": events,
                       "via": TRIGGER if author == -1 else WEB, "metadata": {"system": {}, "custom": {}}})
    (root / "audits" / f"{TICKET}.json").write_text(json.dumps({"audits": audits}))
    return root


def webhook_bodies(zendesk_staff: bool | None) -> list[dict]:
    """The same ticket's life as Zendesk's event-type webhooks send it: created, three comments,
    opened. `zendesk_staff`: what the trigger comment's `author.is_staff` says (None: absent)."""

    def body(kind: str, at: str, event: dict, status: str) -> dict:
        detail = {k: (str(v) if isinstance(v, int) else v) for k, v in _ticket(status.upper(), at).items()}
        detail["actor_id"] = str(AGENT)
        return {"type": f"zen:event-type:ticket.{kind}", "id": f"ev-{kind}-{at}", "time": at,
                "zendesk_event_version": "2022-11-06", "subject": f"zen:ticket:{TICKET}", "detail": detail,
                "event": event}

    bodies = [body("created", CREATED, {}, "new")]
    for cid, author, at, text in COMMENTS:
        who: dict = {"id": str(author), "name": {CUSTOMER: "Eleni", AGENT: "Support Agent"}.get(author, "Zendesk")}
        staff = author == AGENT if author != -1 else zendesk_staff
        if staff is not None:
            who["is_staff"] = staff
        comment = {"id": str(cid), "body": text, "is_public": True, "author": who}
        bodies.append(body("comment_added", at, {"comment": comment}, "new" if at < REPLY else "open"))
    bodies.append(body("status_changed", REPLY, {"previous": "new", "current": "open"}, "open"))
    return bodies


def test_the_docstring_examples_hold():
    assert doctest.testmod(zendesk_authors).failed == 0


def test_author_minus_one_is_zendesk_itself_whatever_else_is_said_of_it():
    assert author_role("-1") is Role.SYSTEM
    assert author_role("-1", "-1", Role.AGENT) is Role.SYSTEM  # not the requester, not staff
    assert author_role(str(AGENT), str(CUSTOMER), Role.AGENT) is Role.AGENT
    assert author_role(str(CUSTOMER), str(CUSTOMER)) is Role.CUSTOMER
    assert author_role("999", str(CUSTOMER)) is Role.AGENT  # a deleted user who is not the requester


@pytest.mark.parametrize("zendesk_staff", [None, True, False])
def test_both_readers_give_the_trigger_comment_to_the_system(tmp_path, zendesk_staff):
    export = [r.obj for r in read_zendesk(write_export(tmp_path / "export"))
              if isinstance(r, Record) and r.kind == "event" and r.obj.kind == "comment"]
    hooks = [e for b in webhook_bodies(zendesk_staff) for e in parse_webhook(b).events if e.kind == "comment"]
    roles = lambda events: {e.source_id: e.author_role for e in events}  # noqa: E731
    assert roles(export) == roles(hooks) == {"5001": Role.CUSTOMER, "5002": Role.SYSTEM, "5003": Role.AGENT}


@pytest.mark.parametrize("zendesk_staff", [None, True])
def test_export_and_webhooks_give_the_same_first_reply_time(store, tmp_path, zendesk_staff):
    import_path(store, "zendesk", write_export(tmp_path / "export"), account="export",
                rejects_path=tmp_path / "rejects.jsonl")
    store.ensure_account("hooks")
    for b in webhook_bodies(zendesk_staff):
        ingest_zendesk(store, "hooks", b, wait=True)
    k = T.ticket_kpis
    with store.engine.connect() as c:
        rows = {name: c.execute(select(k.c.first_reply_minutes, k.c.agent_replies, k.c.customer_messages)
                                .where(k.c.account_id == store.account(name).id, k.c.ticket_id == str(TICKET))).one()
                for name in ("export", "hooks")}
    assert tuple(rows["export"]) == tuple(rows["hooks"]) == (90.0, 1, 1)  # the agent at 10:30, not the trigger at 09:01
