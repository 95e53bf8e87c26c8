"""Reading one account's tickets for the API and the dashboard: each with its KPIs and
its current prediction; the at-risk list; the alert log; the model cards.

Lists are paged by keyset ("after this row"), so a page costs the same deep in a large
account (storage/tickets.py). Every read is scoped to one account: the caller has already
checked that the request may read that account.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cxpulse.storage import Store, StoredAccount
from cxpulse.storage import predictions as stored_predictions
from cxpulse.storage import tickets as stored_tickets


def list_tickets(
    store: Store, acc: StoredAccount, *, status: str | None = None, open_only: bool | None = None,
    agent: str | None = None, limit: int = 100, after: int | None = None,
) -> tuple[list[dict], int | None]:
    """Newest first. Returns the page and the key to pass as `after` for the next one (None at the end)."""
    with store.engine.connect() as conn:
        return stored_tickets.ticket_page(conn, acc.id, status=status, open_only=open_only, agent=agent,
                                          limit=limit, after=after)


def get_ticket(store: Store, acc: StoredAccount, ticket_id: str) -> dict | None:
    with store.engine.connect() as conn:
        return stored_tickets.ticket(conn, acc.id, ticket_id)


# The at-risk status filter's extra choices beside the open statuses: an SLA deadline within
# the hour; on hold for longer than the account's long_hold_days (left out of the others).
BREACHING = stored_tickets.BREACHING
LONG_HOLD = stored_tickets.LONG_HOLD
AT_RISK_ORDERS = tuple(stored_tickets.AT_RISK_ORDERS)


def long_hold_cutoff(acc: StoredAccount, now: datetime) -> datetime:
    """Tickets on hold since before this are on hold "long": the account's long_hold_days ago."""
    return now - timedelta(days=acc.account.long_hold_days)


def at_risk_sorted(
    store: Store, acc: StoredAccount, *, order: str = "score", descending: bool = False, offset: int = 0,
    limit: int = 50, status: str | None = None, agent: str | None = None, now: datetime,
    long_holds_apart: bool = True,
) -> tuple[list[dict], int]:
    """One page of the at-risk list sorted by one of AT_RISK_ORDERS (score, due, sla, age
    as creation time, agent's name), and how many tickets the list holds. Tickets on hold
    longer than the account's long_hold_days are only in status LONG_HOLD when
    `long_holds_apart` (the dashboard's default)."""
    cutoff = long_hold_cutoff(acc, now) if long_holds_apart else None
    with store.engine.connect() as conn:
        return stored_tickets.at_risk_sorted(conn, acc.id, order=order, descending=descending, offset=offset,
                                             limit=limit, status=status, agent=agent, now=now,
                                             long_hold_before=cutoff)


def at_risk(
    store: Store, acc: StoredAccount, *, below: int | None = None, limit: int = 100,
    after: tuple[int, datetime | None, str] | None = None, status: str | None = None, agent: str | None = None,
    now: datetime | None = None,
) -> tuple[list[dict], tuple[int, datetime | None, str] | None]:
    """Open, scored tickets, lowest score first; equal scores by the earliest promise to the
    customer (`due_at`; none last), then by ticket id. `status` (one of the open ones: a
    lead may leave the tickets on hold for later) and `agent` narrow them. The key for the
    next page is (score, due_at or None, ticket id). `status` `breaching` (BREACHING): the
    tickets with a running SLA target whose deadline falls within the hour after `now`."""
    with store.engine.connect() as conn:
        return stored_tickets.at_risk(conn, acc.id, below=below, limit=limit, after=after, status=status, agent=agent,
                                      now=now)


def breaching_counts(
    store: Store, acc: StoredAccount, *, below: int, now: datetime, agent: str | None = None,
    long_holds_apart: bool = False,
) -> tuple[int, int]:
    """The at-risk filter "breaches within 1 h": (scored open tickets with an SLA deadline
    within the hour after `now`, of which below `below`), of one agent's when given; not
    counting the long holds when `long_holds_apart`."""
    cutoff = long_hold_cutoff(acc, now) if long_holds_apart else None
    with store.engine.connect() as conn:
        return stored_tickets.breaching_counts(conn, acc.id, below=below, now=now, agent=agent,
                                               long_hold_before=cutoff)


def at_risk_counts(
    store: Store, acc: StoredAccount, *, below: int, agent: str | None = None, now: datetime | None = None,
) -> dict[str, tuple[int, int]]:
    """Per open status: (scored tickets, of which below `below`) — the at-risk filters'
    counts, of one agent's tickets when `agent` is given. Given `now`, the tickets on hold
    longer than the account's long_hold_days count under LONG_HOLD, not `hold`."""
    cutoff = long_hold_cutoff(acc, now) if now is not None else None
    with store.engine.connect() as conn:
        return stored_tickets.at_risk_counts(conn, acc.id, below=below, agent=agent, long_hold_before=cutoff)


def at_risk_agents(store: Store, acc: StoredAccount, *, now: datetime | None = None,
                   status: str | None = None) -> list[tuple[str, str, int]]:
    """(agent id, name or "", scored open tickets) of every agent with some, most first —
    the at-risk page's choice of agent; given `now`, not counting the long holds (or only
    those, with `status` LONG_HOLD: that tab's choice)."""
    cutoff = long_hold_cutoff(acc, now) if now is not None else None
    with store.engine.connect() as conn:
        return stored_tickets.at_risk_agents(conn, acc.id, long_hold_before=cutoff, status=status)


def alert_log(
    store: Store, acc: StoredAccount, *, limit: int = 100, after: tuple[datetime, int] | None = None,
) -> tuple[list[dict], tuple[datetime, int] | None]:
    """The account's alerts, newest first (as `cxpulse alerts`), paged."""
    with store.engine.connect() as conn:
        return stored_predictions.alert_page(conn, acc.id, limit=limit, after=after)


def model_cards(store: Store, acc: StoredAccount) -> list[dict]:
    """Every model stored for the account, newest first, with its card (never the model itself)."""
    with store.engine.connect() as conn:
        return stored_predictions.model_cards(conn, acc.id)


def ticket_conversation(store: Store, acc: StoredAccount, ticket_id: str) -> dict | None:
    """One ticket with its conversation (comments in time order, from the stored events), or
    None when the account has no such ticket: what a review form is shown beside."""
    with store.engine.connect() as conn:
        ticket = stored_tickets.ticket(conn, acc.id, ticket_id)
        if ticket is None:
            return None
        return {**ticket, "messages": stored_tickets.conversation(conn, acc.id, ticket_id)}
