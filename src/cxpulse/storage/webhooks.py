"""Webhook storage: the account's endpoints and the delivery log.

A delivery is queued once per (webhook, event_key) — the unique constraint makes a
second queueing of the same event a no-op, so re-imports and re-scores never post twice.
Two `deliver` runs race for a due delivery through one conditional UPDATE (`claim`)
whose rowcount says who won; the winner pushes `next_at` past a lease, so the row is
not due for anyone else while it is being posted, and becomes due again if the run dies.
Functions take a Connection so a use case groups them in one transaction. Times are
naive UTC in the tables, aware UTC out of here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, delete, func, select, update

from cxpulse.storage import tables
from cxpulse.storage.rows import aware_utc, naive_utc

W, D = tables.webhooks, tables.webhook_deliveries
CHUNK = 500
OPEN = ("pending", "retrying")  # statuses a delivery can still be posted from


def _insert(conn: Connection, table):
    # the dialect's own insert, imported here: the PostgreSQL one costs ~0.1 s to import,
    # which a SQLite command (`score --ticket`) should not pay
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# ---- endpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookRow:
    id: int
    account_id: int
    url: str
    secret: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime


def _webhook(row) -> WebhookRow:
    events = tuple(e for e in row.events.split(",") if e)
    return WebhookRow(row.id, row.account_id, row.url, row.secret, events, bool(row.active), aware_utc(row.created_at))


def insert_webhook(conn: Connection, *, account_id: int, url: str, secret: str, events: Sequence[str],
                   now: datetime) -> int:
    stmt = W.insert().values(account_id=account_id, url=url, secret=secret, events=",".join(events), active=True,
                             created_at=naive_utc(now)).returning(W.c.id)
    return int(conn.execute(stmt).scalar_one())


def webhook_rows(conn: Connection, *, account_ids: Sequence[int] | None = None, webhook_id: int | None = None,
                 active_only: bool = True, event: str | None = None) -> list[WebhookRow]:
    """Endpoints, oldest first; `event` keeps those subscribed to it."""
    q = select(W).order_by(W.c.id)
    if account_ids is not None:
        q = q.where(W.c.account_id.in_(list(account_ids)))
    if webhook_id is not None:
        q = q.where(W.c.id == webhook_id)
    if active_only:
        q = q.where(W.c.active.is_(True))
    rows = [_webhook(r) for r in conn.execute(q)]
    return [r for r in rows if event in r.events] if event is not None else rows


def deactivate_webhook(conn: Connection, webhook_id: int, now: datetime) -> bool:
    """Remove an endpoint but keep its log: it goes inactive, and what it still had to
    post is marked failed. False when it was not active."""
    if conn.execute(update(W).where(W.c.id == webhook_id, W.c.active.is_(True)).values(active=False)).rowcount != 1:
        return False
    conn.execute(update(D).where(D.c.webhook_id == webhook_id, D.c.status.in_(OPEN)).values(
        status="failed", last_error="webhook removed before delivery", next_at=naive_utc(now)))
    return True


# ---- queueing ------------------------------------------------------------------------------------


def queue(conn: Connection, rows: Sequence[dict], now: datetime) -> int:
    """Insert pending deliveries (account_id, webhook_id, event, event_key, payload, next_at);
    one already queued for the same (webhook, event_key) is left alone. Returns how many are new."""
    done = 0
    base = {"status": "pending", "attempts": 0, "last_error": "", "claimed_by": "", "created_at": naive_utc(now)}
    for i in range(0, len(rows), CHUNK):
        chunk = [{**base, **r, "next_at": naive_utc(r["next_at"])} for r in rows[i : i + CHUNK]]
        stmt = _insert(conn, D).values(chunk).on_conflict_do_nothing().returning(D.c.id)
        done += len(conn.execute(stmt).all())
    return done


def refresh_unsent(conn: Connection, rows: Sequence[dict]) -> int:
    """Give deliveries not yet attempted the newer payload of their event (a comment added
    to a rating before it was posted); anything already attempted keeps what it sent."""
    if not rows:
        return 0
    stmt = update(D).where(D.c.webhook_id == bindparam("w"), D.c.event_key == bindparam("k"),
                           D.c.status == "pending", D.c.attempts == 0).values(payload=bindparam("p"))
    params = [{"w": r["webhook_id"], "k": r["event_key"], "p": r["payload"]} for r in rows]
    return conn.execute(stmt, params).rowcount


def withdraw_unsent(conn: Connection, webhook_ids: Sequence[int], event_keys: Sequence[str]) -> int:
    """Forget deliveries never attempted whose event no longer holds (a rating changed to a good one)."""
    n = 0
    for i in range(0, len(event_keys), CHUNK):
        stmt = delete(D).where(D.c.webhook_id.in_(list(webhook_ids)), D.c.event_key.in_(list(event_keys[i : i + CHUNK])),
                               D.c.status == "pending", D.c.attempts == 0)
        n += conn.execute(stmt).rowcount
    return n


def recent_responses(conn: Connection, account_id: int, source_ids: Sequence[str], since: datetime) -> list[dict]:
    """These stored responses, those given at or after `since`, with what a payload needs."""
    r = tables.responses
    cols = (r.c.source_id, r.c.given_at, r.c.kind, r.c.scale, r.c.score, r.c.ticket_id, r.c.customer_id,
            r.c.agent_id, r.c.attribute, r.c.reason, r.c.comment, r.c.channel, r.c.language, r.c.reply)
    out = []
    for i in range(0, len(source_ids), CHUNK):
        q = select(*cols).where(r.c.account_id == account_id, r.c.source_id.in_(list(source_ids[i : i + CHUNK])),
                                r.c.given_at >= naive_utc(since))
        out += [{**row._asdict(), "given_at": aware_utc(row.given_at)} for row in conn.execute(q)]
    return out


# ---- delivering -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    account_id: int
    webhook_id: int
    event: str
    event_key: str
    payload: str
    status: str
    attempts: int
    next_at: datetime
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    url: str = ""


def _delivery(row, url: str = "") -> DeliveryRow:
    return DeliveryRow(row.id, row.account_id, row.webhook_id, row.event, row.event_key, row.payload, row.status,
                       row.attempts, aware_utc(row.next_at), row.last_status_code, row.last_error,
                       aware_utc(row.created_at), aware_utc(row.delivered_at), url)


def due_ids(conn: Connection, now: datetime, limit: int) -> list[int]:
    """Deliveries whose time has come on active endpoints, oldest due first."""
    q = (select(D.c.id).join(W, W.c.id == D.c.webhook_id)
         .where(D.c.status.in_(OPEN), D.c.next_at <= naive_utc(now), W.c.active.is_(True))
         .order_by(D.c.next_at, D.c.id).limit(limit))
    return list(conn.execute(q).scalars())


def claim(conn: Connection, delivery_id: int, run_id: str, now: datetime, lease_until: datetime) -> bool:
    """Take a due delivery for this run (one attempt more); False when another run has it."""
    stmt = update(D).where(D.c.id == delivery_id, D.c.status.in_(OPEN), D.c.next_at <= naive_utc(now)).values(
        claimed_by=run_id, claimed_at=naive_utc(now), next_at=naive_utc(lease_until), attempts=D.c.attempts + 1)
    return conn.execute(stmt).rowcount == 1


def claimed(conn: Connection, delivery_id: int) -> tuple[DeliveryRow, WebhookRow]:
    row = conn.execute(select(D).where(D.c.id == delivery_id)).one()
    hook = conn.execute(select(W).where(W.c.id == row.webhook_id)).one()
    return _delivery(row, hook.url), _webhook(hook)


def record(conn: Connection, delivery_id: int, run_id: str, *, status: str, next_at: datetime,
           status_code: int | None, error: str, delivered_at: datetime | None) -> bool:
    """The outcome of this run's attempt; False if the claim was lost meanwhile (removed)."""
    stmt = update(D).where(D.c.id == delivery_id, D.c.claimed_by == run_id, D.c.status.in_(OPEN)).values(
        status=status, next_at=naive_utc(next_at), last_status_code=status_code, last_error=error[:2000],
        delivered_at=naive_utc(delivered_at))
    return conn.execute(stmt).rowcount == 1


# ---- the log ---------------------------------------------------------------------------------------


def delivery_rows(conn: Connection, *, account_ids: Sequence[int] | None = None, status: str | None = None,
                  webhook_id: int | None = None, before_id: int | None = None, limit: int = 100) -> list[DeliveryRow]:
    """The delivery log, newest first; `before_id` pages backwards."""
    q = select(D, W.c.url).join(W, W.c.id == D.c.webhook_id).order_by(D.c.id.desc()).limit(limit)
    if account_ids is not None:
        q = q.where(D.c.account_id.in_(list(account_ids)))
    if status is not None:
        q = q.where(D.c.status == status)
    if webhook_id is not None:
        q = q.where(D.c.webhook_id == webhook_id)
    if before_id is not None:
        q = q.where(D.c.id < before_id)
    return [_delivery(r, r.url) for r in conn.execute(q)]


def delivery_counts(conn: Connection, account_ids: Sequence[int] | None = None) -> dict[int, dict[str, int]]:
    """Deliveries per webhook and status: what a listing shows beside each endpoint."""
    q = select(D.c.webhook_id, D.c.status, func.count()).group_by(D.c.webhook_id, D.c.status)
    if account_ids is not None:
        q = q.where(and_(D.c.account_id.in_(list(account_ids))))
    out: dict[int, dict[str, int]] = {}
    for wid, status, n in conn.execute(q):
        out.setdefault(wid, {})[status] = int(n)
    return out
