"""Posting queued webhook deliveries (re-exported by service.webhooks): claim, sign, POST,
record, retry with backoff — from cron (`cxpulse webhooks deliver`) or inside the server.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import threading
import uuid
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cxpulse.storage import Store
from cxpulse.storage import webhooks as webhook_store

log = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
           timedelta(hours=12))  # the waits after the 1st … 5th failed attempt; the 6th failure is final
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = 10.0  # seconds per request (connect, send, wait for the answer)
LEASE = timedelta(minutes=5)  # a claimed delivery is not due for others this long: longer than one POST
DELIVER_EVERY = 15.0  # seconds between runs of the deliverer inside `cxpulse serve`
RUN_LIMIT = 100  # deliveries per run; a full run is followed by the next at once
SIGNATURE_HEADER = "X-Cxpulse-Signature"
USER_AGENT = "cxpulse-webhooks/1"


# ---- delivering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverySummary:
    """What one `deliver_due` run did."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Cxpulse-Signature value: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def next_attempt(attempts: int, now: datetime) -> tuple[str, datetime]:
    """After `attempts` failed tries: ("retrying", when) per BACKOFF, or ("failed", now).

    >>> [next_attempt(n, datetime(2026, 1, 1))[0] for n in (1, 5, 6)]
    ['retrying', 'retrying', 'failed']
    """
    if attempts >= MAX_ATTEMPTS:
        return "failed", now
    return "retrying", now + BACKOFF[attempts - 1]


def deliver_due(store: Store, *, now: datetime | None = None, client: Any = None, limit: int = 100,
                stop: threading.Event | None = None) -> DeliverySummary:
    """Post up to `limit` due deliveries, oldest first, and record each outcome.

    Each is claimed by a conditional UPDATE before it is posted, so runs in parallel
    (cron and the server, several servers) never post one twice. `now` fixes the clock
    (tests); `client` is an httpx2.Client or anything with its `stream` method (the default
    one posts only to public addresses, or hosts the operator allows: service.webhook_targets);
    `stop`, once set, ends the run before the next delivery (a server shutting down).
    """
    import httpx2

    from cxpulse.service.webhook_targets import checked_transport

    clock = (lambda: _now(now)) if now is not None else (lambda: datetime.now(UTC))
    run_id = uuid.uuid4().hex
    with store.engine.connect() as conn:
        ids = webhook_store.due_ids(conn, clock(), limit)
    if not ids:
        return DeliverySummary()
    own = client is None
    client = client or httpx2.Client(timeout=TIMEOUT, follow_redirects=False, headers={"User-Agent": USER_AGENT},
                                     transport=checked_transport(), trust_env=False)
    counts = {"claimed": 0, "delivered": 0, "retrying": 0, "failed": 0}
    try:
        for did in ids:
            if stop is not None and stop.is_set():
                break
            at = clock()
            with store.engine.begin() as conn:
                if not webhook_store.claim(conn, did, run_id, at, at + LEASE):
                    continue  # another run has it
                delivery, hook = webhook_store.claimed(conn, did)
            counts["claimed"] += 1
            code, error = _post(client, delivery, hook.secret, at)
            done = clock()
            if code is not None and 200 <= code < 300:
                status, next_at = "delivered", done
            else:
                status, next_at = next_attempt(delivery.attempts, done)
            with store.engine.begin() as conn:
                webhook_store.record(conn, did, run_id, status=status, next_at=next_at, status_code=code, error=error,
                         delivered_at=done if status == "delivered" else None)
            counts[status] += 1
    finally:
        if own:
            client.close()
    return DeliverySummary(**counts)


def _post(client: Any, d: webhook_store.DeliveryRow, secret: str, at: datetime) -> tuple[int | None, str]:
    """(status code or None, error text): the answer's body is never read."""
    body = d.payload.encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-Cxpulse-Event": d.event,
               "X-Cxpulse-Delivery": str(d.id), SIGNATURE_HEADER: sign(secret, int(at.timestamp()), body)}
    try:
        with client.stream("POST", d.url, content=body, headers=headers) as r:
            code = r.status_code
    except Exception as e:  # noqa: BLE001 - timeouts, refused connections, bad URLs: all one failed attempt
        return None, f"{type(e).__name__}: {e}"[:2000] or type(e).__name__
    return code, "" if 200 <= code < 300 else f"HTTP {code}"


async def _deliver_forever(store: Store, every: float, stop: threading.Event) -> None:
    while True:
        full = False
        try:
            summary = await asyncio.to_thread(deliver_due, store, limit=RUN_LIMIT, stop=stop)
            full = summary.claimed >= RUN_LIMIT  # a backlog: go on at once
            if summary.claimed:
                log.info("webhooks: %s", summary)
        except Exception:  # a bad run must not stop the next ones
            log.exception("webhooks: delivery run failed")
        await asyncio.sleep(0 if full else every)


def start_deliverer(app: Any, *, every: float = DELIVER_EVERY) -> None:
    """Run `deliver_due` on `app.state.store` every `every` seconds while the app is up:
    an asyncio task wrapped around the app's lifespan (the posting runs in a thread)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any):
        stop = threading.Event()
        task = asyncio.create_task(_deliver_forever(a.state.store, every, stop))
        try:
            async with inner(a) as state:
                yield state
        finally:
            stop.set()  # a run in its thread ends after the post in flight
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    app.router.lifespan_context = lifespan


def _now(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
