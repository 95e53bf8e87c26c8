"""Whose side a Zendesk comment or change is on: one rule for both Zendesk readers, the
export (`readers.zendesk`) and the webhooks (`readers.zendesk_webhook`), so a ticket read
either way has the same first reply, agent replies and customer messages.

Author -1 is Zendesk itself, not a person. Zendesk's API reference gives `author_id` as
"the id of the comment author" (Ticket Comments) and "the user who created the audit"
(Ticket Audits) and lists no user -1; the audits Zendesk writes itself carry author -1
with `via.channel` "rule", which the Via object reference shows as a business rule's
doing (`"source": {"from": {"title": "Assign to first responder"}, "rel": "trigger"}`);
and integrations read it so: "When the author ID on a comment is -1, it represents
Zendesk, not an actual user" (lukeburden/django-zengo, pull request 7, for the comments
Zendesk adds in an automation or a merge).
- https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/
- https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_audits/
- https://developer.zendesk.com/documentation/ticketing/reference-guides/via-object-reference
- https://github.com/lukeburden/django-zengo/pull/7
So its comments — an automatic acknowledgement, a reminder, a merge note — are the
system's: never an agent's reply, never a customer's message.
"""

from __future__ import annotations

from cxpulse.domain import Role

__all__ = ["ZENDESK_ITSELF", "author_role"]

ZENDESK_ITSELF = "-1"  # the author id of what Zendesk does itself (triggers, automations, merges)


def author_role(author_id: str, requester_id: str = "", known: Role | None = None) -> Role:
    """The role of the author of a comment or change, by id (as text).

    Zendesk itself (-1) is the system, whatever else a source says of it. Otherwise the
    role the source knows (`known`: the user's role in users*.json, a webhook's
    `is_staff` or `author_role`); else customer when the author is the ticket's
    requester, else agent (a deleted user is in no users file).

    >>> author_role("-1", "20978392", Role.AGENT)
    <Role.SYSTEM: 'system'>
    >>> author_role("20978392", "20978392"), author_role("235324", "20978392")
    (<Role.CUSTOMER: 'customer'>, <Role.AGENT: 'agent'>)
    """
    if author_id == ZENDESK_ITSELF:
        return Role.SYSTEM
    if known is not None:
        return known
    if author_id and author_id == requester_id:
        return Role.CUSTOMER
    return Role.AGENT
