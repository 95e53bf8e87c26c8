"""Zendesk webhook bodies → a ticket update and its events (docs/api.md, "Zendesk webhooks").

Two shapes are read, told apart by the top-level keys:

1. **Event-type webhooks** (Zendesk "webhook event types", `zendesk_event_version`
   2022-11-06): `{"type": "zen:event-type:ticket.<name>", "id", "time", "subject":
   "zen:ticket:<id>", "detail": {ticket fields}, "event": {what changed}}`.
   Read from `detail`: id, subject, description, status, priority, type (→ category),
   via.channel, requester_id, assignee_id, group_id, created_at, updated_at, actor_id.
   Each event type becomes at most one ticket event, timed at the top-level `time`:

   | `type` (after `ticket.`)   | event                                                        |
   | -------------------------- | ------------------------------------------------------------ |
   | `created`                  | status "" → detail.status; a comment when `detail.description` is set |
   | `comment_added`            | comment: `event.comment` {id, body, is_public, author {id, is_staff}} |
   | `status_changed`           | status `event.previous` → `event.current`                    |
   | `agent_assignment_changed` | assignee `event.previous` → `event.current`                  |
   | `group_assignment_changed` | group `event.previous` → `event.current` (ids)               |
   | `priority_changed`         | priority `event.previous` → `event.current`                  |
   | any other `ticket.*`       | none: only the ticket's fields are updated                   |

2. **Trigger or automation bodies**, the JSON an admin writes with placeholders:
   `{"ticket": {"id": "{{ticket.id}}", "status": "{{ticket.status}}", …}}` (docs/api.md
   gives the body to paste). Read from `ticket`: id, title or subject, description,
   status, priority, via or channel, ticket_type or type (→ category), group or
   group_name, requester_id, assignee_id, created_at, updated_at, due_at (or due_date:
   `{{ticket.due_date_with_timestamp}}`; a bad one is left out, the rest stored); and, when present,
   `latest_comment` {id, body or value, is_public or public, author_id, author_role,
   created_at}. A status event records the status as of `updated_at` (`from` unknown).

Authors: as in an export (`readers.zendesk_authors`) — Zendesk itself (-1) is the system,
else the role the body gives (`is_staff`, `author_role`), else customer when the author is
the requester, else agent; no author and no role is the system.

Empty strings (a placeholder with nothing to show) count as absent. The caller merges
`fields` over the stored ticket, so a field the payload does not carry keeps its value.
Source ids: a comment keeps Zendesk's comment id (the same id an export's audit carries,
so an export and the webhook store one event); other events use the webhook's event id,
or for triggers `zd-trigger-<ticket>-<field>-<updated_at>`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cxpulse.domain import EventKind, Role, TicketEvent
from cxpulse.readers.fields import boolean, timestamp
from cxpulse.readers.base import RowError
from cxpulse.readers.zendesk_authors import author_role

EVENT_PREFIX = "zen:event-type:ticket."
CHANGES = {
    "status_changed": EventKind.STATUS,
    "agent_assignment_changed": EventKind.ASSIGNEE,
    "group_assignment_changed": EventKind.GROUP,
    "priority_changed": EventKind.PRIORITY,
}
LOWERCASE = ("status", "priority", "category", "channel")  # Zendesk sends "OPEN", "HIGH", "QUESTION", "Mail"
_TICKET_SUBJECT = re.compile(r"^zen:ticket:(\d+)$")


@dataclass
class WebhookUpdate:
    """What one webhook body says about one ticket."""

    ticket_id: str
    at: datetime  # when it happened: the event time, else the ticket's updated_at
    fields: dict[str, Any] = field(default_factory=dict)  # Ticket field → value, only those given
    events: list[TicketEvent] = field(default_factory=list)
    shape: str = ""  # "event:<type>" or "trigger"
    mapped: bool = True  # False: an event type that makes no ticket event (fields only)
    left_out: list[RowError] = field(default_factory=list)  # bad optional fields, left out


def parse_webhook(body: Any) -> WebhookUpdate:
    """Map a webhook body; RowError names the field that makes it unreadable."""
    if not isinstance(body, dict):
        raise RowError("(body)", "expected a JSON object")
    kind = body.get("type")
    if isinstance(kind, str) and kind.startswith("zen:event-type:"):
        return _event_webhook(body, kind)
    if isinstance(body.get("ticket"), dict):
        return _trigger(body["ticket"])
    raise RowError(
        "(body)", 'expected a Zendesk ticket event ({"type": "zen:event-type:ticket.…", "detail": …}) '
        'or a trigger body ({"ticket": {"id": "{{ticket.id}}", …}})'
    )


# ---- event-type webhooks --------------------------------------------------------------------


def _event_webhook(body: dict, kind: str) -> WebhookUpdate:
    if not kind.startswith(EVENT_PREFIX):
        raise RowError("type", f"{kind!r} is not a ticket event; only zen:event-type:ticket.* are read")
    name = kind[len(EVENT_PREFIX):]
    detail = body.get("detail")
    if not isinstance(detail, dict):
        raise RowError("detail", "expected the ticket's fields as an object")
    ticket_id = _text(detail.get("id")) or _subject_id(body.get("subject"))
    if not ticket_id:
        raise RowError("detail.id", "missing: the ticket's id")
    at = timestamp(body.get("time"), "time", required=False) or _time(detail, "updated_at", "detail.updated_at")
    if at is None:
        raise RowError("time", "missing: when the event happened")
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    via = detail.get("via") if isinstance(detail.get("via"), dict) else {}
    fields = _present({
        "subject": _text(detail.get("subject")),
        "description": _text(detail.get("description")),
        "status": _text(detail.get("status")),
        "priority": _text(detail.get("priority")),
        "category": _text(detail.get("type")),
        "channel": _text(via.get("channel")),
        "requester_id": _text(detail.get("requester_id")),
        "assignee_id": _text(detail.get("assignee_id")),
        "group": _text(detail.get("group_id")),
        "created_at": _time(detail, "created_at", "detail.created_at"),
        "updated_at": _time(detail, "updated_at", "detail.updated_at"),
    })
    update = WebhookUpdate(ticket_id, at, fields, shape=f"event:{name}")
    actor = _text(detail.get("actor_id"))
    requester = fields.get("requester_id", "")
    event_id = _text(body.get("id")) or f"zd-{ticket_id}-{name}-{at.isoformat()}"
    if name == "comment_added":
        update.events.append(_comment(event.get("comment"), ticket_id, at, requester))
    elif name in CHANGES:
        update.events.append(TicketEvent(
            source_id=event_id, ticket_id=ticket_id, at=at, kind=CHANGES[name], author_id=actor,
            author_role=_role(actor, requester), value_from=_value(event.get("previous"), name),
            value_to=_value(event.get("current"), name),
        ))
    elif name == "created":
        update.events.append(TicketEvent(
            source_id=event_id, ticket_id=ticket_id, at=at, kind=EventKind.STATUS, author_id=actor,
            author_role=_role(actor, requester), value_to=fields.get("status", "new"),
        ))
    else:
        update.mapped = False
    return update


def _comment(c: Any, ticket_id: str, at: datetime, requester: str) -> TicketEvent:
    if not isinstance(c, dict):
        raise RowError("event.comment", "expected the comment as an object")
    cid = _text(c.get("id"))
    if not cid:
        raise RowError("event.comment.id", "missing: the comment's id")
    author = c.get("author") if isinstance(c.get("author"), dict) else {}
    author_id = _text(author.get("id")) or _text(c.get("author_id"))
    staff = author.get("is_staff")
    role = _role(author_id, requester, (Role.AGENT if staff else Role.CUSTOMER) if isinstance(staff, bool) else None)
    public = c.get("is_public", c.get("public"))
    return TicketEvent(
        source_id=cid, ticket_id=ticket_id, at=at, kind=EventKind.COMMENT, author_id=author_id, author_role=role,
        public=boolean(public, "event.comment.is_public"), body=_text(c.get("body")),
    )


def _value(v: Any, name: str) -> str:
    """A change's previous/current: a string, a number, or an object with an id."""
    if isinstance(v, dict):
        v = v.get("id", v.get("name"))
    text = _text(v)
    return text.lower() if name in ("status_changed", "priority_changed") else text


def _subject_id(subject: Any) -> str:
    m = _TICKET_SUBJECT.match(subject) if isinstance(subject, str) else None
    return m.group(1) if m else ""


# ---- trigger bodies ----------------------------------------------------------------------


def _trigger(t: dict) -> WebhookUpdate:
    ticket_id = _text(t.get("id"))
    if not ticket_id:
        raise RowError("ticket.id", 'missing: put "id": "{{ticket.id}}" in the trigger\'s body')
    fields = _present({
        "subject": _text(t.get("title")) or _text(t.get("subject")),
        "description": _text(t.get("description")),
        "status": _text(t.get("status")),
        "priority": _text(t.get("priority")),
        "category": _text(t.get("ticket_type")) or _text(t.get("type")),
        "channel": _text(t.get("via")) or _text(t.get("channel")),
        "group": _text(t.get("group")) or _text(t.get("group_name")),
        "requester_id": _text(t.get("requester_id")),
        "assignee_id": _text(t.get("assignee_id")),
        "created_at": _time(t, "created_at", "ticket.created_at"),
        "updated_at": _time(t, "updated_at", "ticket.updated_at"),
    })
    at = fields.get("updated_at") or fields.get("created_at")
    if at is None:
        raise RowError("ticket.updated_at", 'missing: put "updated_at": "{{ticket.updated_at_with_timestamp}}" '
                                           "in the trigger's body")
    update = WebhookUpdate(ticket_id, at, fields, shape="trigger")
    due = t.get("due_at") if t.get("due_at") not in (None, "") else t.get("due_date")
    if due not in (None, ""):  # {{ticket.due_date_with_timestamp}}: a task's due date
        try:
            update.fields["due_at"] = timestamp(due, "ticket.due_at", required=False)
        except RowError as e:
            update.left_out.append(e)
    # Zendesk's *_with_timestamp placeholders stop at the minute ("2013-12-12T05:35Z"):
    # the ids carry what happened too, so two updates in one minute stay two events,
    # while the same body sent again (a retry) is the same event
    stamp = at.strftime("%Y%m%dT%H%M%S")
    if "status" in fields:
        update.events.append(TicketEvent(
            source_id=f"zd-trigger-{ticket_id}-status-{stamp}-{fields['status']}", ticket_id=ticket_id, at=at, kind=EventKind.STATUS,
            author_role=Role.SYSTEM, value_to=fields["status"],
        ))
    comment = t.get("latest_comment")
    if isinstance(comment, dict) and (_text(comment.get("body")) or _text(comment.get("value"))):
        update.events.append(_trigger_comment(comment, ticket_id, at, stamp, fields.get("requester_id", "")))
    return update


def _trigger_comment(c: dict, ticket_id: str, at: datetime, stamp: str, requester: str) -> TicketEvent:
    author = _text(c.get("author_id"))
    role_text = _text(c.get("author_role")).lower()
    role = _role(author, requester, {"agent": Role.AGENT, "admin": Role.AGENT, "end-user": Role.CUSTOMER,
                                     "end_user": Role.CUSTOMER, "customer": Role.CUSTOMER}.get(role_text))
    public = c.get("is_public", c.get("public"))
    return TicketEvent(
        source_id=_text(c.get("id")) or f"zd-trigger-{ticket_id}-comment-{stamp}-{_digest(c)}", ticket_id=ticket_id,
        at=_time(c, "created_at", "ticket.latest_comment.created_at") or at, kind=EventKind.COMMENT,
        author_id=author, author_role=role,
        public=boolean(None if public == "" else public, "ticket.latest_comment.is_public"),
        body=_text(c.get("body")) or _text(c.get("value")),
    )


# ---- fields ------------------------------------------------------------------------------------


def _digest(c: dict) -> str:
    """A short fingerprint of a comment without an id: its author and text."""
    text = _text(c.get("author_id")) + "\n" + (_text(c.get("body")) or _text(c.get("value")))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _text(v: Any) -> str:
    """A placeholder's rendering or a JSON value as text; None and "" are absent."""
    if v is None or isinstance(v, bool):
        return ""
    if isinstance(v, (int, float)):
        return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
    if isinstance(v, str):
        return v.strip()
    return ""


def _time(d: dict, name: str, label: str) -> datetime | None:
    v = d.get(name)
    if v in (None, ""):
        return None
    return timestamp(v, label, required=False)


def _present(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if v not in (None, "")}
    for k in LOWERCASE:
        if k in out:
            out[k] = out[k].lower()
    return out


def _role(author_id: str, requester_id: str, known: Role | None = None) -> Role:
    """The export's rule (`zendesk_authors.author_role`: Zendesk itself, -1, is the system);
    a body that names no author and no role is the system's."""
    if not author_id:
        return Role.SYSTEM if known is None else known
    return author_role(author_id, requester_id, known)
