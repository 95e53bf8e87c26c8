"""Webhooks out: alerts and new low ratings POSTed, signed, to an account's URLs.

An event is queued once per subscribed endpoint as a delivery row whose JSON body is fixed
when queued; its `event_key` (`alert-{ticket}-{time}`, `low_rating-{response source id}`)
makes queueing idempotent, so re-importing a file or re-scoring posts nothing twice.
`deliver_due` — run by `cxpulse webhooks deliver` (cron) and every 15 s inside `cxpulse
serve` — claims due rows atomically, posts them, and retries failures after 1 min, 5 min,
30 min, 2 h and 12 h before giving up (`failed`). Delivery is at least once: a receiver
dedupes on `X-Cxpulse-Delivery`. docs/webhooks.md has the payloads and a receiver.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from cxpulse.domain import InvalidQuery, NotFound, Response, Scale, is_satisfied
from cxpulse.service import webhook_targets as T_
from cxpulse.service.webhook_delivery import (
    BACKOFF,
    MAX_ATTEMPTS,
    DeliverySummary,
    deliver_due,
    sign,
    start_deliverer,
)
from cxpulse.storage import Store
from cxpulse.storage import webhooks as webhook_store
from cxpulse.storage.accounts import account_name
from cxpulse.storage.rows import aware_utc

__all__ = [
    "ANSWER_HOLD", "BACKOFF", "EVENTS", "MAX_ATTEMPTS", "RECENT", "STATUSES", "DeliverySummary", "Webhook",
    "add_webhook", "deliver_due", "deliveries", "is_low", "list_webhooks", "private_targets_allowed", "queue_alerts",
    "queue_imported_low_ratings", "queue_low_ratings", "remove_webhook", "sign", "start_deliverer",
    "withdraw_low_ratings",
]

EVENTS = ("alert", "low_rating")
STATUSES = ("pending", "retrying", "delivered", "failed")
RECENT = timedelta(days=7)  # only ratings given this recently are news; an imported history is not
ANSWER_HOLD = timedelta(minutes=5)  # a survey answer waits this long so its follow-up comment can join it
MAX_WEBHOOKS = 20  # active endpoints per account
MAX_URL = 2000
KEY_MAX = 200  # webhook_deliveries.event_key's length
ALLOW_PRIVATE_ENV = T_.ALLOW_PRIVATE_ENV


# ---- endpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    """An endpoint as listings show it: never its secret."""

    id: int
    account: str
    url: str
    events: tuple[str, ...]
    active: bool
    created_at: datetime
    deliveries: dict[str, int] = field(default_factory=dict)  # per status


def private_targets_allowed() -> bool:
    """Whether every host may be posted to, private or not (env CXPULSE_WEBHOOKS_ALLOW_PRIVATE=1)."""
    return T_.all_private_allowed()


def check_url(url: str, *, allow_private: bool = False) -> str:
    """An http(s) URL with a host; a local or private one only when allowed (`allow_private`,
    or the operator's CXPULSE_WEBHOOKS_ALLOW_HOSTS / _ALLOW_PRIVATE), so an account key cannot
    make the server post into the network it runs in. A name is judged again, on what it
    resolves to, at every delivery (service.webhook_targets)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:  # a malformed IPv6 literal, a port out of range
        parts, host = None, None
    if (not host or parts is None or parts.scheme not in ("http", "https") or len(url) > MAX_URL
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url)):
        raise InvalidQuery(f"webhook URL {url[:100]!r} must be an http:// or https:// address with a host")
    why = None if allow_private or T_.is_allowed(host) else T_.literal_refusal(host)
    if why:
        raise InvalidQuery(f"webhook URL host {host!r} is {why}; "
                           f"use a public one (the operator can allow it with "
                           f"{T_.ALLOW_HOSTS_ENV}={T_.normal_host(host)})")
    return url


def check_events(events: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(e.strip() for e in events if e.strip()))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown or not chosen:
        raise InvalidQuery(f"unknown webhook event {unknown[0] if unknown else ''!r}; use some of {', '.join(EVENTS)}")
    return chosen


def add_webhook(store: Store, account: str, url: str, *, events: Iterable[str] = EVENTS,
                allow_private: bool = False, now: datetime | None = None) -> tuple[str, Webhook]:
    """A new endpoint: returns its signing secret — shown once, to put in the receiver — and the endpoint."""
    acc = store.account(account)
    url, chosen = check_url(url, allow_private=allow_private), check_events(events)
    secret = "whsec_" + secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        if len(webhook_store.webhook_rows(conn, account_ids=[acc.id])) >= MAX_WEBHOOKS:
            raise InvalidQuery(f"account {acc.name!r} has {MAX_WEBHOOKS} webhooks already; remove one first")
        wid = webhook_store.insert_webhook(conn, account_id=acc.id, url=url, secret=secret, events=chosen, now=_now(now))
    return secret, _one(store, wid)


def list_webhooks(store: Store, account: str | None = None) -> list[Webhook]:
    """Active endpoints (of one account, or all), with their deliveries per status."""
    ids = [store.account(account).id] if account is not None else None
    with store.engine.connect() as conn:
        rows = webhook_store.webhook_rows(conn, account_ids=ids)
        counts = webhook_store.delivery_counts(conn, ids)
    names = _names(store)
    return [_public(r, names, counts.get(r.id, {})) for r in rows]


def remove_webhook(store: Store, webhook_id: int, *, account: str | None = None, now: datetime | None = None) -> Webhook:
    """Stop posting to an endpoint; its log stays. With `account`, one of another account is not found."""
    ids = [store.account(account).id] if account is not None else None
    with store.engine.begin() as conn:
        rows = webhook_store.webhook_rows(conn, account_ids=ids, webhook_id=webhook_id)
        if not rows or not webhook_store.deactivate_webhook(conn, webhook_id, _now(now)):
            raise NotFound(f"no active webhook {webhook_id}" + (f" in account {account!r}" if account else "")
                           + "; `cxpulse webhooks list` shows them")
    return _one(store, webhook_id)


def deliveries(store: Store, account: str | None = None, *, status: str | None = None, webhook_id: int | None = None,
               before_id: int | None = None, limit: int = 100) -> list[dict]:
    """The delivery log, newest first: what was sent where, and how it went."""
    if status is not None and status not in STATUSES:
        raise InvalidQuery(f"unknown delivery status {status!r}; use one of {', '.join(STATUSES)}")
    ids = [store.account(account).id] if account is not None else None
    with store.engine.connect() as conn:
        rows = webhook_store.delivery_rows(conn, account_ids=ids, status=status, webhook_id=webhook_id, before_id=before_id,
                               limit=limit)
    names = _names(store)
    return [{
        "id": d.id, "account": names.get(d.account_id, ""), "webhook_id": d.webhook_id, "url": d.url,
        "event": d.event, "event_key": d.event_key, "status": d.status, "attempts": d.attempts,
        "next_at": d.next_at if d.status in webhook_store.OPEN else None, "last_status_code": d.last_status_code,
        "last_error": d.last_error, "created_at": d.created_at, "delivered_at": d.delivered_at,
        "payload": json.loads(d.payload),
    } for d in rows]


def _one(store: Store, wid: int) -> Webhook:
    with store.engine.connect() as conn:
        (row,) = webhook_store.webhook_rows(conn, webhook_id=wid, active_only=False)
        counts = webhook_store.delivery_counts(conn, [row.account_id]).get(wid, {})
    return _public(row, _names(store), counts)


def _public(r: webhook_store.WebhookRow, names: dict[int, str], counts: dict[str, int]) -> Webhook:
    return Webhook(r.id, names.get(r.account_id, ""), r.url, r.events, r.active, r.created_at, counts)


def _names(store: Store) -> dict[int, str]:
    return {a.id: a.name for a in store.accounts()}


# ---- queueing ----------------------------------------------------------------------------------


def is_low(kind: str, scale: str, score: int) -> bool:
    """Low enough to tell someone (as `Survey.is_low`): CSAT not satisfied, NPS detractor
    (0–6), CES in the bottom half of its scale, CSI 1–2, a public review of 1–2 stars.

    >>> [is_low("csat", "1-5", 3), is_low("nps", "0-10", 7), is_low("ces", "1-7", 3), is_low("csi", "1-5", 3)]
    [True, False, True, False]
    >>> [is_low("review", "1-5", 2), is_low("review", "1-5", 3)]
    [True, False]
    """
    kind, scale = str(kind), str(scale)
    try:
        low, high = Scale(scale).bounds
        if kind == "csat":
            return not is_satisfied(scale, score)
        if kind == "nps":
            return score <= 6
        if kind == "ces":
            return score < (low + high) / 2
        return kind in ("csi", "review") and score <= 2
    except ValueError:  # a scale the kind is not defined on: no judgement
        return False


def _key(*parts: Any) -> str:
    """An event key within the column's 200 characters (long source ids are hashed)."""
    key = "-".join(str(p) for p in parts)
    return key if len(key) <= KEY_MAX else f"{parts[0]}-sha256-{hashlib.sha256(key.encode()).hexdigest()}"


def _field(item: Any, name: str, default: Any = "") -> Any:
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def _when(value: Any) -> datetime:
    return aware_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def queue_alerts(store: Store, account_id: int, alerts: list[dict], *, now: datetime | None = None) -> int:
    """Queue each alert (rows as `storage.predictions.record_predictions` returns them) for
    the account's endpoints subscribed to `alert`. Returns the deliveries queued."""
    if not alerts:
        return 0
    items = []
    for a in alerts:
        at = _when(a["at"])
        items.append((_key("alert", a["ticket_id"], at.strftime("%Y%m%dT%H%M%S%f")), {
            "event": "alert", "ticket_id": a["ticket_id"], "score": a["score"], "threshold": a.get("threshold"),
            "reasons": list(a.get("reasons", [])), "model_version": a.get("model_version"), "at": at.isoformat(),
        }))
    return _queue(store, account_id, "alert", items, next_at=_now(now))


def queue_low_ratings(store: Store, account_id: int, responses: list[Response | dict], *,
                      now: datetime | None = None, hold: timedelta = timedelta(0)) -> int:
    """Queue the low ones among these ratings (`Response`s or dicts with its fields) given
    within RECENT of now, for the endpoints subscribed to `low_rating`; `hold` delays the
    posting. A rating queued before is not queued again, but while its delivery is
    untried it takes the newer text, and is withdrawn if the rating is no longer low."""
    now = _now(now)
    cutoff = now - RECENT
    items, not_low = [], []
    for r in responses:
        source_id = _field(r, "source_id")
        if not source_id or not _field(r, "kind"):
            continue  # without its id no event key (it could be posted twice); without a kind, no judgement
        key = _key("low_rating", source_id)
        if not is_low(_field(r, "kind"), _field(r, "scale"), int(_field(r, "score", 0))):
            not_low.append(key)
            continue
        at = _when(_field(r, "given_at"))
        if at < cutoff:
            continue
        payload = {
            "event": "low_rating", "ticket_id": _field(r, "ticket_id"), "response_id": source_id,
            "kind": str(_field(r, "kind")), "scale": str(_field(r, "scale")), "score": int(_field(r, "score")),
            "attribute": _field(r, "attribute"), "reason": _field(r, "reason"), "comment": _field(r, "comment"),
            "customer_id": _field(r, "customer_id"), "agent_id": _field(r, "agent_id"), "at": at.isoformat(),
        }
        if payload["kind"] == "review":  # a public review: where it was written, in what language, answered or not
            payload.update(source=_field(r, "channel"), language=_field(r, "language"), reply=_field(r, "reply"))
        items.append((key, payload))
    n = _queue(store, account_id, "low_rating", items, next_at=now + hold)
    if hold and not_low:  # a held survey answer changed to a good score before it was posted
        with store.engine.connect() as conn:
            hooks = [h.id for h in webhook_store.webhook_rows(conn, account_ids=[account_id], event="low_rating")]
        if hooks:
            with store.engine.begin() as conn:
                webhook_store.withdraw_unsent(conn, hooks, not_low)
    return n


def withdraw_low_ratings(store: Store, account_id: int, source_ids: Iterable[str]) -> int:
    """Forget the untried low_rating deliveries of these responses (deleted: a link scanner's click)."""
    keys = [_key("low_rating", sid) for sid in source_ids]
    with store.engine.begin() as conn:
        hooks = [h.id for h in webhook_store.webhook_rows(conn, account_ids=[account_id], event="low_rating")]
        return webhook_store.withdraw_unsent(conn, hooks, keys) if hooks and keys else 0


def queue_imported_low_ratings(store: Store, touched: dict, *, now: datetime | None = None) -> int:
    """After a file import: queue the low ratings it inserted (`Touched.new_responses`) —
    not the unchanged or updated ones, and only those given within RECENT."""
    n = 0
    for name, what in touched.items():
        new = getattr(what, "new_responses", None)
        if not new:
            continue
        acc = store.account(name)
        with store.engine.connect() as conn:
            if not webhook_store.webhook_rows(conn, account_ids=[acc.id], event="low_rating"):
                continue  # the usual case: nobody listens, nothing to read
            rows = webhook_store.recent_responses(conn, acc.id, sorted(new), _now(now) - RECENT)
        n += queue_low_ratings(store, acc.id, rows, now=now)
    return n


def queue_marked_low_ratings(
    store: Store, accounts: Iterable[str] | None = None, *, now: datetime | None = None
) -> int:
    """After an import or API batch: queue the low ratings marked new (storage/stale.py) in
    these accounts (None: all) — those this run inserted, and those a killed run inserted
    and never offered, which its re-run finds unchanged — then clear their marks. Queuing
    is idempotent per webhook and rating: a crash between the two posts nothing twice."""
    from types import SimpleNamespace

    from cxpulse.storage import stale

    n = 0
    for acc, new in stale.marked_work(store, "responses", accounts):
        n += queue_imported_low_ratings(store, {acc.name: SimpleNamespace(new_responses=new)}, now=now)
    return n


def _queue(store: Store, account_id: int, event: str, items: list[tuple[str, dict]], *, next_at: datetime) -> int:
    if not items:
        return 0
    with store.engine.begin() as conn:
        hooks = webhook_store.webhook_rows(conn, account_ids=[account_id], event=event)
        if not hooks:
            return 0
        name = account_name(conn, account_id)
        bodies = [(key, json.dumps({"event": event, "account": name, **{k: v for k, v in p.items() if k != "event"}},
                                   ensure_ascii=False, separators=(",", ":"))) for key, p in items]
        rows = [{"account_id": account_id, "webhook_id": h.id, "event": event, "event_key": key, "payload": body,
                 "next_at": next_at} for h in hooks for key, body in bodies]
        n = webhook_store.queue(conn, rows, next_at)
        if n < len(rows):
            webhook_store.refresh_unsent(conn, rows)
    return n


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
