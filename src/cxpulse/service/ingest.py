"""The API's ingest use case: a JSON batch of one kind → records → stored, refreshed, rescored.

Each item goes through the same parser as a line of a JSON Lines file (ingest/jsonl.py),
so the API and `cxpulse import jsonl` accept and refuse exactly the same things. A bad
item becomes an `ItemError` (its index, the field, the reason) and the good items around
it are stored. Storing is idempotent by source id: the same batch twice answers
`unchanged` for every item the second time.

Every item belongs to the account the request is scoped to: an item naming another
account in its own `account` field is refused, never written elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from cxpulse.domain import DONE_STATES, EventKind, Ticket, TicketEvent, due_value
from cxpulse.domain.limits import ID, text_problem
from cxpulse.readers.base import Record, RowError
from cxpulse.readers.fields import screen
from cxpulse.readers.jsonl import (
    parse_event,
    parse_lenient,
    parse_rating,
    parse_response,
    parse_ticket,
    parse_user,
)
from cxpulse.service.context import App, apps_of, as_app
from cxpulse.service.load import LoadResult, load
from cxpulse.storage import Store, StoredAccount
from cxpulse.storage.errors import WriteConflict
from cxpulse.storage.tickets import stored_ticket

MAX_ITEMS = 1000
WAIT_SECONDS = 120.0  # `wait=true` answers after this at the latest (refreshed: false)

# path kind → (record kind, parser): the same parsers as the JSON Lines reader
KINDS: dict[str, tuple[str, Any]] = {
    "tickets": ("ticket", parse_ticket),
    "events": ("event", parse_event),
    "ratings": ("response", parse_rating),
    "responses": ("response", parse_response),
    "users": ("user", parse_user),
}
# path kind → its line `type` in JSON Lines, whose optional fields a bad value is left out of
LINE_TYPES = {"tickets": "ticket", "events": "event", "ratings": "rating", "responses": "response", "users": "user"}


@dataclass(frozen=True, slots=True)
class ItemError:
    index: int  # the item's position in the batch, from 0
    field: str
    reason: str
    kept: bool = False  # only this field was left out; the item was stored without it


@dataclass
class BatchResult:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0  # items refused whole
    fields_rejected: int = 0  # bad optional fields left out of items that were stored
    errors: list[ItemError] = field(default_factory=list)
    refreshed: bool = False  # the derived data is refreshed (wait=True); else it follows in the background
    rescored: int | None = None  # with wait: open tickets rescored by the round that refreshed this batch

    def as_dict(self) -> dict:
        return asdict(self)


def parse_items(kind: str, items: Sequence[Any], account: str) -> tuple[list[Record], list[ItemError]]:
    """Parse a batch: records for the good items, an ItemError for each bad one."""
    record_kind, parser = KINDS[kind]
    records: list[Record] = []
    errors: list[ItemError] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append(ItemError(i, "(item)", f"expected a JSON object, got {type(item).__name__}"))
            continue
        other = item.get("account")
        if other not in (None, "", account):
            errors.append(ItemError(i, "account", f"this batch is for account {account!r}; leave `account` out"))
            continue
        left_out: list[RowError] = []
        try:
            try:
                obj = parser(item)
            except RowError as e:
                obj, left_out = parse_lenient(LINE_TYPES[kind], item, e)
            # the limits of every store (time window, lengths, NUL, lone surrogates), before any write
            left_out += screen(record_kind, obj)
        except RowError as e2:
            errors.append(ItemError(i, e2.field, e2.reason))
            continue
        except (TypeError, ValueError, AttributeError, OverflowError, OSError) as e:  # a value no check foresaw
            errors.append(ItemError(i, "(item)", f"cannot be read: {_printable(str(e))}"))
            continue
        errors.extend(ItemError(i, x.field, x.reason, kept=True) for x in left_out)
        records.append(Record(record_kind, obj, account, "", i))
    return records, errors


def _printable(text: str) -> str:
    """Text that any encoder writes: a lone surrogate from the request becomes U+FFFD."""
    return text.encode("utf-8", "replace").decode("utf-8")


def ingest_batch(app: App | Store, account: str, kind: str, items: Sequence[Any], *,
                 wait: bool = False, known: StoredAccount | None = None) -> BatchResult:
    """Store one batch of `kind` (tickets, events, ratings, responses, users) in `account`.
    The KPIs and rollups it touched, webhooks for its new low ratings and the rescoring of
    the open tickets it changed follow in the background (the App's refresher,
    service/refresher.py), or before this returns with `wait`. A bare Store gets a light
    App of its own (service/context.py). `known`: the account, as the caller looked it up
    (service/load.py, `load`)."""
    records, errors = parse_items(kind, items, account)
    return store_records(app, account, records, read=len(items), errors=errors, wait=wait, known=known)


def store_records(
    app: App | Store, account: str, records: Iterable[Record], *, read: int, errors: list[ItemError] | None = None,
    wait: bool = False, known: StoredAccount | None = None,
) -> BatchResult:
    """Load the records, then refresh what they touched (now, or in the background)."""
    app = as_app(app)
    records = list(records)
    errors = errors or []
    with app.write_lock:
        loaded = _load(app.store, account, records, known)
    s = loaded.summary
    result = BatchResult(read=read, inserted=s.inserted, updated=s.updated, unchanged=s.unchanged,
                         rejected=sum(not e.kept for e in errors), fields_rejected=sum(e.kept for e in errors),
                         errors=errors)
    touched = {name: t for name, t in loaded.touched.items() if t.tickets or t.first_day or t.new_responses}
    if not touched:
        result.refreshed, result.rescored = True, (0 if wait else None)  # nothing derived changed
        return result
    refresher = app.refresher
    ticket = refresher.submit(touched)
    # with wait, the round that covers this batch runs at once, for everything queued so far
    if wait and refresher.wait(ticket, timeout=WAIT_SECONDS):
        result.rescored = refresher.rescored(ticket)
        result.refreshed = result.rescored is not None
        app.data_changed()  # this caller reads its own writes: no kept report answers it
    return result


def wait_for_refresh(app: App | Store, timeout: float = 60.0) -> bool:
    """Until the background refresh of everything ingested so far is done (tests, scripts;
    given a bare Store: that of every live App around it)."""
    apps = [app] if isinstance(app, App) else apps_of(app)
    done = all(a.refresher.wait(timeout=timeout) for a in apps)
    for a in apps:
        a.data_changed()
    return done


def _load(store: Store, account: str, records: list[Record], known: StoredAccount | None = None) -> LoadResult:
    """`load`, once more when a concurrent request inserted the same new source ids
    first (a unique-key conflict): the second pass finds them stored."""
    for attempt in range(3):
        try:
            return load(store, records, account=account, follow_up=True, known=known)
        except WriteConflict:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


# ---- Zendesk webhooks ------------------------------------------------------------------------


@dataclass
class WebhookResult:
    ticket_id: str
    shape: str  # "event:<type>" or "trigger"
    mapped: bool  # False: an event type that only updates the ticket's fields
    stored: BatchResult


def ingest_zendesk(app: App | Store, account: str, body: Any, *, wait: bool = False) -> WebhookResult:
    """Store what a Zendesk webhook body says about one ticket: its fields merged over the
    stored ticket (fields the body leaves out keep their values; a body older than the
    stored ticket's `updated_at` — Zendesk retries, deliveries out of order — changes no
    field) and its event, if any. Raises RowError naming the field when the body cannot
    be read."""
    from cxpulse.readers.zendesk_webhook import parse_webhook

    try:
        update = parse_webhook(body)
    except RowError:
        raise
    except (TypeError, ValueError, OverflowError, OSError) as e:  # a value no field check foresaw
        raise RowError("(body)", f"cannot be read: {e}") from None
    why = text_problem(update.ticket_id, ID)  # checked before it is looked up: no store reads a NUL or a surrogate
    if why is not None:
        raise RowError("id", why)
    app = as_app(app)
    store = app.store
    acc = store.account(account)
    with store.engine.connect() as conn:
        stored = stored_ticket(conn, acc.id, update.ticket_id)
    as_of = update.fields.get("updated_at", update.at)
    if stored is not None and stored.updated_at is not None and as_of < stored.updated_at:
        ticket = stored  # a late or repeated delivery: the stored ticket is newer, keep it
    else:
        base = stored or Ticket(source_id=update.ticket_id, created_at=update.fields.get("created_at", update.at))
        ticket = replace(base, **update.fields)
        if ticket.status in DONE_STATES and ticket.solved_at is None:
            ticket = replace(ticket, solved_at=update.at)
        if stored is not None and "due_at" in update.fields and stored.due_at != ticket.due_at:
            update.events.append(_due_moved(update.ticket_id, update.at, stored.due_at, ticket.due_at))
    records = [Record("ticket", ticket, account)] + [Record("event", e, account) for e in update.events]
    for rec in records:  # the limits of every store: a bad ticket id or time refuses the body (422)
        update.left_out += screen(rec.kind, rec.obj, _WEBHOOK_NAMES)
    left_out = [ItemError(0, e.field, e.reason, kept=True) for e in update.left_out]
    result = store_records(app, account, records, read=len(records), errors=left_out, wait=wait)
    return WebhookResult(update.ticket_id, update.shape, update.mapped, result)


# domain attribute → the webhook body's field, where they differ
_WEBHOOK_NAMES = {"source_id": "id", "value_from": "previous_value", "value_to": "value", "at": "time"}


def _due_moved(ticket_id: str, at: datetime, old: datetime | None, new: datetime | None) -> TicketEvent:
    """A promise that moved, as the DUE event the as-of fold reads (the old one held until `at`)."""
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    return TicketEvent(source_id=f"zd-due-{ticket_id}-{stamp}", ticket_id=ticket_id, at=at, kind=EventKind.DUE,
                       value_from=due_value(old), value_to=due_value(new))
