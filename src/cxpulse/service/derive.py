"""Derived data — per-ticket KPIs and rollups — rebuilt from the stored events.

`rebuild` recomputes everything of an account; `derive_stale` (and `derive_touched`, after
storing rows) what is marked stale — by the transactions that wrote the raw rows, so a
crash between storing and deriving loses nothing (storage/stale.py). Neither is ever the
only copy of anything (DESIGN.md).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from operator import attrgetter

from cxpulse.domain import EventKind, Ticket
from cxpulse.domain.limits import EARLIEST, latest, within_window
from cxpulse.domain.types import FIGURES_OF_RECORD
from cxpulse.metrics.facts import (
    KPI_NAMES,
    TicketFacts,
    done_at_end,
    facts_from_metrics,
    ticket_facts,
    with_help_desk_figures,
)
from cxpulse.metrics.sla import sla_outcomes
from cxpulse.service.load import Touched
from cxpulse.service.processes import die_with_parent, process_context, usable_cores
from cxpulse.storage import Store, StoredAccount
from cxpulse.storage import stale
from cxpulse.storage.engine import Connection, Engine, make_engine
from cxpulse.storage.histories import (
    delete_kpis,
    insert_kpis,
    ticket_histories,
    ticket_ids,
)
from cxpulse.storage.locks import lock_account, try_lock_account
from cxpulse.storage.pg_copy import vacuum_after_bulk
from cxpulse.storage.responses import response_day_span, response_days, set_response_days
from cxpulse.storage.qa_agreement import refresh_agreement
from cxpulse.storage.qa_rollups import refresh_qa_rollups
from cxpulse.storage.rollups import refresh_rollups
from cxpulse.storage.sla import delete_sla, insert_sla
from cxpulse.storage.rows import aware_utc, local_day, naive_utc

log = logging.getLogger("cxpulse.derive")

KPI_BATCH = 5000
# Below this many tickets one process is quicker than starting workers.
PARALLEL_MIN_TICKETS = 20_000


_kpi_values = attrgetter(*KPI_NAMES)  # a TicketFacts' KPIs, in KPI_NAMES' order


def kpi_row(ticket: Ticket, facts: TicketFacts, acc: StoredAccount) -> dict:
    """One ticket's KPIs at the end of its history, with the labels reports group by."""
    tz = acc.tz
    return {
        "ticket_id": ticket.source_id,
        "created_day": local_day(ticket.created_at, tz),
        "channel": ticket.channel,
        "group_name": facts.group or ticket.group,
        "category": ticket.category,
        "agent_id": facts.assignee_id or ticket.assignee_id,
        "status": facts.status,
        "solved_day": local_day(facts.solved_at, tz) if facts.solved_at else None,
        **dict(zip(KPI_NAMES, _kpi_values(facts))),
        "source": facts.source,
        "due_at": naive_utc(facts.due_at),
        "solved_at": naive_utc(facts.solved_at),
    }


def final_facts(ticket: Ticket, events: list, acc: StoredAccount, trail: list | None = None) -> TicketFacts:
    """The KPIs fold at the end: from events, or from the help desk's own metrics when the
    events cannot tell when the ticket was solved (a comments-only export has no status).
    A ticket whose events a reader synthesised from one summary row (FIGURES_OF_RECORD, a
    CSV export) gets the help desk's figures over the folded ones (with_help_desk_figures).
    A ticket solved or closed by its status alone, its events never saying when, is done
    at an unknown time (done_at_end).

    `trail` (a list) receives the fold's trail for the SLA clocks (metrics/sla.py)."""
    m = ticket.metrics
    a = acc.account
    if m and m.get(FIGURES_OF_RECORD):
        facts = with_help_desk_figures(
            ticket_facts(ticket, events, hours=a.business_hours, tz=a.timezone, trail=trail), m)
    elif m and not any(e.kind is EventKind.STATUS for e in events):
        if trail is not None:
            ticket_facts(ticket, events, tz=a.timezone, trail=trail)  # the comments' times, for the reply clocks
        return facts_from_metrics(ticket)
    else:
        facts = ticket_facts(ticket, events, hours=a.business_hours, tz=a.timezone, trail=trail)
    return done_at_end(facts, ticket)


def sla_rows(ticket: Ticket, facts: TicketFacts, trail: list, acc: StoredAccount) -> list[dict]:
    """One ticket's SLA targets at the end of its history, as `ticket_sla` rows."""
    a = acc.account
    return [
        {
            "ticket_id": ticket.source_id, "kind": o.kind, "seq": o.seq, "policy": o.policy[:200],
            "target_minutes": o.minutes, "business_hours": o.business_hours, "status": o.status,
            "started_at": naive_utc(o.started_at), "ended_at": naive_utc(o.ended_at),
            "breached_at": naive_utc(o.breached_at), "deadline": naive_utc(o.deadline), "paused": o.paused,
            "elapsed_minutes": o.elapsed_minutes,
        }
        for o in sla_outcomes(ticket, facts, trail, a.sla, hours=a.business_hours, tz=a.timezone)
    ]


def derived_rows(ticket: Ticket, events: list, acc: StoredAccount) -> tuple[dict, list[dict]]:
    """A ticket's KPI row and its SLA target rows: none when the account has no policies, or
    when the ticket has no events (only a help desk's totals: no times to run a clock on)."""
    if not acc.account.sla or not events:
        return kpi_row(ticket, final_facts(ticket, events, acc), acc), []
    trail: list = []
    facts = final_facts(ticket, events, acc, trail)
    return kpi_row(ticket, facts, acc), sla_rows(ticket, facts, trail, acc)


def _recompute_kpis(
    conn: Connection, store: Store, acc: StoredAccount, ids: Collection[str] | None,
    progress: Callable[[int], None] | None,
) -> int:
    """KPI rows of these tickets (all of the account's when None), written in `conn`'s transaction."""
    done = 0
    all_ids = list(ids) if ids is not None else ticket_ids(conn, acc.id)
    delete_kpis(conn, acc.id, ids)
    delete_sla(conn, acc.id, ids)
    workers = _worker_count(store, len(all_ids))
    if workers > 1:
        batches = _kpi_rows_in_workers(store, acc, all_ids, workers)
    else:
        batches = _kpi_rows(ticket_histories(conn, acc.id, all_ids), acc)
    for batch, targets in batches:
        insert_kpis(conn, acc.id, batch)
        insert_sla(conn, acc.id, targets)
        done += len(batch)
        if progress:
            progress(done)
    if progress:
        progress(done)
    return done


def _kpi_rows(histories, acc: StoredAccount) -> Iterator[tuple[list[dict], list[dict]]]:
    """(KPI rows, SLA target rows) a batch of tickets at a time."""
    batch: list[dict] = []
    targets: list[dict] = []
    for ticket, events in _in_window(histories, acc):
        row, sla = derived_rows(ticket, events, acc)
        batch.append(row)
        targets += sla
        if len(batch) >= KPI_BATCH:
            yield batch, targets
            batch, targets = [], []
    if batch:
        yield batch, targets


def _worker_count(store: Store, tickets: int) -> int:
    """Processes for a KPI refresh: the fold is pure Python, so a second core halves it.

    One process for small refreshes, and for an in-memory SQLite database, which another
    process cannot open.
    """
    cores = usable_cores()
    db = store.engine.url.database or ""
    in_memory = store.dialect == "sqlite" and db in ("", ":memory:")
    if tickets < PARALLEL_MIN_TICKETS or cores < 2 or in_memory:
        return 1
    return min(cores, 4)


def _kpi_rows_in_workers(
    store: Store, acc: StoredAccount, ids: list[str], workers: int
) -> Iterator[tuple[list[dict], list[dict]]]:
    """KPI rows computed by worker processes, each reading its tickets on its own connection.

    The workers read only committed tickets and events, so the caller's open transaction
    (which deletes and writes KPI rows) does not matter to them.
    """
    url = store.engine.url.render_as_string(hide_password=False)
    chunks = [ids[i : i + KPI_BATCH] for i in range(0, len(ids), KPI_BATCH)]
    ctx = process_context()
    with ctx.Pool(workers, initializer=_init_worker, initargs=(url,)) as pool:
        yield from pool.imap(_worker_kpi_rows, [(acc, chunk) for chunk in chunks])


_worker_engine: Engine | None = None


def _init_worker(url: str) -> None:
    global _worker_engine
    die_with_parent()  # a killed import or server takes its KPI workers with it
    gc.disable()  # a fold allocates many short-lived objects and no cycles (service/imports.py)
    _worker_engine = make_engine(url)


def _worker_kpi_rows(job: tuple[StoredAccount, list[str]]) -> tuple[list[dict], list[dict]]:
    acc, ids = job
    assert _worker_engine is not None
    rows: list[dict] = []
    targets: list[dict] = []
    with _worker_engine.connect() as conn:
        for t, evs in _in_window(ticket_histories(conn, acc.id, ids), acc):
            row, sla = derived_rows(t, evs, acc)
            rows.append(row)
            targets += sla
    return rows, targets


def _in_window(histories, acc: StoredAccount) -> Iterator[tuple[Ticket, list]]:
    """Histories whose times the fold can read: a time stored outside 1990 … five years
    ahead (before the doors refused it, domain/limits.py) is left out, said in the log;
    a ticket created then gets no KPIs. One such row never stops the refresh of all."""
    end = latest()
    for ticket, events in histories:
        kept = within_window(ticket, events, end)
        if kept is None or kept[0] is not ticket or len(kept[1]) != len(events):
            log.warning("account %s, ticket %s: a time outside %s … %s is left out of its KPIs%s", acc.name,
                        ticket.source_id, EARLIEST.date(), end.date(), "" if kept else " (the ticket is left out)")
        if kept is not None:
            yield kept


def _restamp_response_days(conn: Connection, acc: StoredAccount) -> None:
    """Local days follow the account's timezone; after a timezone change they move."""
    tz = acc.tz
    end = latest()
    changed = [
        (rid, local_day(at, tz))
        for rid, at, day in response_days(conn, acc.id)
        if EARLIEST <= aware_utc(at) <= end and local_day(at, tz) != day  # an absurd stored time keeps its day
    ]
    set_response_days(conn, changed)


@dataclass
class RebuildSummary:
    accounts: int = 0
    tickets: int = 0


def rebuild(store: Store, account: str | None = None, *, progress: Callable[[int], None] | None = None) -> RebuildSummary:
    """Recompute every derived table of one account (or all) from events and responses,
    then whatever other account is still marked stale (storage/stale.py)."""
    accounts = [store.account(account)] if account else store.accounts()
    summary = RebuildSummary()
    for acc in accounts:
        summary.tickets += _derive(store, acc, progress, everything=True)[1]
        summary.accounts += 1
    derive_stale(store)
    vacuum_after_bulk(store.engine, summary.tickets)  # PostgreSQL: the reports' next reads (storage/pg_copy.py)
    return summary


def derive_stale(
    store: Store, accounts: Collection[str] | None = None, *, progress: Callable[[int], None] | None = None,
    wait: bool = True,
) -> dict[str, Touched]:
    """Derive again what is marked stale, in these accounts (None: every account).

    This, not what the last import changed, decides what is derived: an import killed
    after storing some rows leaves them marked, and the next import, refresh or rebuild
    derives them, whatever it changed itself. Returns, per account, the tickets and days
    derived (their open tickets are rescored after an import).

    Without `wait`, an account that another process is writing right now (PostgreSQL:
    storage/locks.py) is left to that process, or the next run: an import derives its own
    accounts waiting for their other writers, then the others only where nobody writes."""
    with store.engine.connect() as conn:
        marked = set(stale.marked_accounts(conn))
    done: dict[str, Touched] = {}
    for acc in store.accounts():
        if acc.id in marked and (accounts is None or acc.name in accounts):
            what, _n = _derive(store, acc, progress, everything=False, wait=wait)
            if what is not None:
                done[acc.name] = what
    return done


def derive_touched(store: Store, touched: dict[str, Touched]) -> dict[str, Touched]:
    """After storing rows (an import, an API batch, a survey answer): derive what is stale
    in the accounts they belong to — the rows' own tickets and days, and whatever an
    earlier, interrupted writer left stale there."""
    return derive_stale(store, list(touched))


def rescore_marked(store: Store, accounts: Collection[str] | None = None) -> int:
    """Score again, now, the open tickets marked for it (storage/stale.py) in these accounts
    (None: all) — those this run changed and those a killed run changed — then clear their
    marks. Scoring again is idempotent: a crash between the two scores them once more.
    Returns how many were scored."""
    from cxpulse.service.predict import rescore

    n = 0
    for acc, tickets in stale.marked_work(store, "rescore", accounts):
        n += rescore(store, {acc.name: Touched(tickets=tickets)})
    return n


def _derive(
    store: Store, acc: StoredAccount, progress: Callable[[int], None] | None, *, everything: bool, wait: bool = True,
) -> tuple[Touched | None, int]:
    """One account's stale KPIs and rollups (all of them with `everything`, or when the
    account is marked stale as a whole), written in the transaction that clears the marks read."""
    with store.engine.begin() as conn:
        # PostgreSQL: one writer of the account at a time; without `wait`, none if it is busy
        if wait:
            lock_account(conn, acc.id)
        elif not try_lock_account(conn, acc.id):
            return None, 0
        marks = stale.read_marks(conn, acc.id)
        if not (marks.ids or everything):
            return None, 0
        what = Touched(tickets=marks.tickets)
        if everything or marks.everything:
            _restamp_response_days(conn, acc)
            n = _recompute_kpis(conn, store, acc, None, progress)
            refresh_rollups(conn, acc.id)
            refresh_qa_rollups(conn, acc.id)
            refresh_agreement(conn, acc.id)
        else:
            n = _recompute_kpis(conn, store, acc, marks.tickets, progress) if marks.tickets else 0
            for day in (*marks.days, *_response_days_of_tickets(conn, acc, marks.tickets)):
                if day is not None:
                    what.add_day(day)
            if what.first_day is not None:
                refresh_rollups(conn, acc.id, first_day=what.first_day, last_day=what.last_day)
        stale.clear_marks(conn, marks.ids)
    return what, n


def _response_days_of_tickets(conn: Connection, acc: StoredAccount, ids: Collection[str]):
    """A changed ticket moves its responses' channel/group/agent: those days need recounting."""
    return response_day_span(conn, acc.id, ids)
