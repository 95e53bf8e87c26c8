"""What derived data is stale: marks written with the raw rows, cleared with the derived ones.

Derived data (KPIs, rollups) must follow what is *stale*, not what the last import
*changed*: an import killed after storing some batches changed rows that a re-run finds
unchanged, so following the changes loses their KPIs for good. So:

- the transaction that writes tickets, events or responses also inserts a mark for each
  ticket whose KPIs, and each local day whose rollups, they make stale;
- the transaction that writes derived rows deletes exactly the marks it read — by id,
  so a mark another writer adds meanwhile (its rows unseen) stays for the next round.

Marks are only inserted, never updated: no lock is taken on a ticket's mark, and a ticket
marked by every batch that touched it is derived once, from all its marks.

The new ratings of an import wait here too, until the webhooks are offered them
(service/webhooks.py, `queue_marked_low_ratings`): a killed import's new low ratings
are posted by the run after it, which finds them stored and inserts nothing. So do the
tickets it changed in an account with a model, until they are scored again
(service/derive.py, `rescore_marked`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, and_, delete, distinct, func, select

from cxpulse.storage import tables
from cxpulse.storage.id_lists import in_ids
from cxpulse.storage.pg_unnest import insert_if_exists
from cxpulse.storage.store import Store, StoredAccount, insert_many

s = tables.stale_derived


@dataclass
class Marks:
    """The stale marks of one account, as read at the start of a derive."""

    ids: list[int] = field(default_factory=list)
    tickets: set[str] = field(default_factory=set)
    days: set[date] = field(default_factory=set)
    everything: bool = False


def mark_tickets(conn: Connection, account_id: int, ticket_ids: Iterable[str]) -> None:
    """These tickets' KPIs (and the rollup days of their responses) are stale."""
    insert_many(conn, s, ("account_id", "ticket_id"), [(account_id, t) for t in set(ticket_ids)])


def mark_days(conn: Connection, account_id: int, days: Iterable[date]) -> None:
    """These local days' rollups are stale."""
    insert_many(conn, s, ("account_id", "day"), [(account_id, d) for d in set(days)])


def mark_account(conn: Connection, account_id: int) -> None:
    """Everything derived of the account is stale (its timezone or business hours changed)."""
    conn.execute(s.insert().values(account_id=account_id))


def mark_new_responses(conn: Connection, account_id: int, response_ids: Iterable[str]) -> None:
    """These responses were inserted: the webhooks are still to be offered them."""
    insert_many(conn, s, ("account_id", "response_id"), [(account_id, r) for r in set(response_ids)])


def mark_rescore(conn: Connection, account_id: int, ticket_ids: Iterable[str]) -> None:
    """These tickets changed in an account with a model: they are to be scored again."""
    insert_many(conn, s, ("account_id", "rescore_id"), [(account_id, t) for t in set(ticket_ids)])


def mark_rescore_if_model(conn: Connection, account_id: int, ticket_ids: Iterable[str]) -> None:
    """`mark_rescore`, if the account has a model to score them with. On PostgreSQL the
    statement that writes the marks asks (storage/pg_unnest.py): a write that holds the
    account's lock sends it with its commit, and waits for no answer of its own."""
    ids = list(set(ticket_ids))
    if not ids:
        return
    if conn.dialect.name == "postgresql":
        insert_if_exists(conn, s, ("account_id", "rescore_id"), [(account_id, t) for t in ids],
                         tables.models, {"account_id": account_id})
    elif conn.execute(select(tables.models.c.id).where(tables.models.c.account_id == account_id).limit(1)).first():
        mark_rescore(conn, account_id, ids)


def marked_accounts(conn: Connection, what: str = "derived") -> list[int]:
    """Accounts with marks of one kind: "derived" data stale, "responses" new, tickets to "rescore"."""
    q = select(s.c.account_id).distinct().where(_of(what))
    return sorted(a for (a,) in conn.execute(q))


def _of(what: str):
    if what == "responses":
        return s.c.response_id.is_not(None)
    if what == "rescore":
        return s.c.rescore_id.is_not(None)
    return and_(s.c.response_id.is_(None), s.c.rescore_id.is_(None))


def stale_tickets(conn: Connection) -> int:
    """How many tickets are marked stale, in all accounts (for a progress message)."""
    return conn.execute(select(func.count(distinct(s.c.ticket_id)))).scalar_one()


def read_marks(conn: Connection, account_id: int) -> Marks:
    """The account's marks of stale derived data (not its new responses)."""
    m = Marks()
    q = select(s.c.id, s.c.ticket_id, s.c.day).where(s.c.account_id == account_id, _of("derived"))
    for mid, ticket, day in conn.execute(q):
        m.ids.append(mid)
        if ticket is not None:
            m.tickets.add(ticket)
        elif day is not None:
            m.days.add(day)
        else:
            m.everything = True
    return m


def read_new_responses(conn: Connection, account_id: int) -> tuple[list[int], set[str]]:
    """The ids of the account's new-response marks, and the responses they name."""
    return _read(conn, account_id, s.c.response_id)


def read_rescore(conn: Connection, account_id: int) -> tuple[list[int], set[str]]:
    """The ids of the account's rescore marks, and the tickets they name."""
    return _read(conn, account_id, s.c.rescore_id)


def _read(conn: Connection, account_id: int, col) -> tuple[list[int], set[str]]:
    rows = conn.execute(select(s.c.id, col).where(s.c.account_id == account_id, col.is_not(None))).all()
    return [mid for mid, _x in rows], {x for _mid, x in rows}


def clear_marks(conn: Connection, ids: list[int]) -> None:
    """Delete the marks read (by `read_marks`) once what they asked for is written."""
    for named in in_ids(conn, s.c.id, ids):
        conn.execute(delete(s).where(named))


_READERS = {"responses": read_new_responses, "rescore": read_rescore}


def marked_work(store: Store, what: str, accounts: Iterable[str] | None = None) -> Iterator[tuple[StoredAccount, set[str]]]:
    """Each account (of `accounts`; None: all) with marks of one kind ("responses" new,
    tickets to "rescore"), with what they name; the marks are cleared once the caller's
    work for that account is done (the loop comes back for the next). A crash or an error
    before leaves them for the next run: the work is never lost, and done twice it must
    be harmless."""
    read = _READERS[what]
    names = None if accounts is None else set(accounts)
    with store.engine.connect() as conn:
        marked = set(marked_accounts(conn, what))
    for acc in store.accounts():
        if acc.id not in marked or (names is not None and acc.name not in names):
            continue
        with store.engine.connect() as conn:
            ids, named = read(conn, acc.id)
        yield acc, named
        with store.engine.begin() as conn:
            clear_marks(conn, ids)
