"""Reviewer agreement counted on write, so `report --metric qa-agreement` reads a few
thousand rows instead of every score of the tickets two reviewers scored.

Krippendorff's alpha needs of the units (a ticket × criterion: the latest score of each
reviewer) only their pairs of values, summed per unit size (metrics/qa.py
alpha_from_pairs): whole numbers that add up. A unit's values depend on the query,
though: `--by month` splits a ticket reviewed in January and in February into two units,
no --by makes it one; `--mystery` and the window choose which reviews count at all. So the
units are counted once per grain of the --by keys (`GRAINS`, the account always apart)
and per mystery flag, each with the first and last month of its ticket's reviews
(tables.qa_rollup_agreement, and the reviewers who scored in them:
qa_rollup_agreement_reviewers); a report with no window and no month reads the same units
counted over all time (grains "*", "agent,*": a few rows per agent). A report over whole
months takes the units whose ticket lies inside its window whole; the few tickets a window cuts, or that mix mystery
with other reviews under `--mystery include`, are listed in qa_rollup_agreement_tickets
and read from the reviews as before (storage/qa.py agreement_scores), for exactly the
figures the reviews give.

Only tickets with reviews by two or more reviewers are counted, as the report reads only
those. A write recounts the tickets it touches (`count_tickets` before, `recount` after,
in its transaction); `refresh_agreement` recounts a whole account (`cxpulse rebuild`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cxpulse.domain.scorecards import scorecard_from_mapping
from cxpulse.storage import locks, tables
from cxpulse.storage.qa_rollups import window_conds
from cxpulse.storage.queries import Window, group_labels

R, RS, S = tables.qa_reviews, tables.qa_review_scores, tables.qa_scorecards
U, V, L = tables.qa_rollup_agreement, tables.qa_rollup_agreement_reviewers, tables.qa_rollup_agreement_tickets
# the --by keys (besides account) a unit is formed by; "*": over all time, months left out —
# what a report with no window reads (a few rows per agent instead of a few per agent-month)
GRAINS = ("", "agent", "month", "agent,month", "*", "agent,*")
ALL_TIME = date(1970, 1, 1)  # month, first_month and last_month of the "*" grains
VALUES = (0, 1, 2, 3, 4)  # pass/fail 0/1, or 1–4: what a criterion score may hold
PAIRS = tables.AGREEMENT_PAIRS  # (c, k), c <= k: the columns p{c}{k}
HEAD = ("grain", "month", "agent_id", "first_month", "last_month", "mystery", "mixed", "scale", "criterion")
UNIT_KEYS = (*HEAD, "m")
UNIT_SUMS = ("n", *[f"p{c}{k}" for c, k in PAIRS])  # units; pairs c–k in them (either order: once)
REVIEWER_KEYS = (*HEAD, "reviewer")
REVIEWER_SUMS = ("n",)
CHUNK = 2000
_COLUMNS = {"account": "account_id", "agent": "agent_id", "month": "month"}


@dataclass
class Counted:
    """Some tickets' share of the agreement rollups (keys without the account)."""

    units: dict[tuple, list[int]] = field(default_factory=dict)  # UNIT_KEYS → UNIT_SUMS
    reviewers: dict[tuple, list[int]] = field(default_factory=dict)  # REVIEWER_KEYS → [units the reviewer scored]
    tickets: dict[str, tuple[date, date, bool]] = field(default_factory=dict)  # qa_rollup_agreement_tickets rows


# ---- counting ------------------------------------------------------------------------------


def _scales(conn: Connection, account_id: int) -> dict[tuple[int, str], str]:
    return scales_of(conn.execute(select(S.c.id, S.c.name, S.c.version, S.c.criteria)
                                  .where(S.c.account_id == account_id)))


def scales_of(scorecards: Iterable[Sequence]) -> dict[tuple[int, str], str]:
    """(scorecard row, criterion) → its scale, from scorecard rows (id, name, version, criteria JSON)."""
    out = {}
    for sid, name, version, criteria in scorecards:
        card = scorecard_from_mapping({"name": name, "version": version, "criteria": json.loads(criteria)})
        out.update({(int(sid), c.key): c.scale.value for c in card.criteria})
    return out


def _month(day) -> date:
    day = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
    return day.replace(day=1)


def _count_ticket(ticket: str, reviews: list[tuple], scales: dict, into: Counted) -> None:
    """Add one ticket's units (its reviews in row-id order: id, reviewer, agent, month,
    mystery, scorecard row, [(criterion, score)]) — as storage/qa.py agreement_scores and
    service/qa_report.py form them from the rows, for a window holding the ticket whole."""
    if len({r[1] for r in reviews}) < 2:
        return
    months = [r[3] for r in reviews]
    first, last = min(months), max(months)
    flags = sorted({r[4] for r in reviews})
    mixed = len(flags) == 2
    if mixed or first != last:
        into.tickets[ticket] = (first, last, mixed)
    for flag in flags:
        part = [r for r in reviews if r[4] == flag]
        if len({r[1] for r in part}) < 2:
            continue  # under this --mystery choice the ticket has one reviewer: no unit of it is read
        rated = [(reviewer, agent, month, [(scales[(sid, c)], c, score) for c, score in scores if (sid, c) in scales])
                 for _rid, reviewer, agent, month, _m, sid, scores in part]
        for grain in GRAINS:
            keys = grain.split(",")
            cells: dict[tuple, dict[str, int | None]] = {}
            span = (ALL_TIME, ALL_TIME) if "*" in keys else (first, last)
            by_month, by_agent = "month" in keys, "agent" in keys
            for reviewer, agent, month, scores in rated:
                where = (month if by_month else span[0], agent if by_agent else "")
                for scale, criterion, score in scores:
                    cells.setdefault((*where, scale, criterion), {})[reviewer] = score  # the latest wins
            for (g_month, g_agent, scale, criterion), per in cells.items():
                head = (grain, g_month, g_agent, *span, flag, mixed, scale, criterion)
                counts = [0] * len(VALUES)
                for reviewer, score in per.items():
                    if score is not None:
                        counts[int(score)] += 1
                        into.reviewers.setdefault((*head, reviewer), [0])[0] += 1
                sums = into.units.setdefault((*head, sum(counts)), [0] * len(UNIT_SUMS))
                sums[0] += 1
                for i, (c, k) in enumerate(PAIRS, start=1):
                    sums[i] += counts[c] * (counts[c] - 1) if c == k else counts[c] * counts[k]


def _review_rows(conn: Connection, account_id: int, tickets: Collection[str] | None) -> Iterable[tuple]:
    """(ticket, review id, reviewer, agent, day, mystery, scorecard row, criterion, score) by
    ticket and review id: of these tickets, or of every ticket two reviewers reviewed."""
    cols = (R.c.ticket_id, R.c.id, R.c.reviewer, R.c.agent_id, R.c.day, R.c.mystery, R.c.scorecard_id,
            RS.c.criterion, RS.c.score)
    src = R.outerjoin(RS, RS.c.review_id == R.c.id)  # a review without score rows still makes a second reviewer
    if tickets is None:
        multi = (select(R.c.ticket_id).where(R.c.account_id == account_id).group_by(R.c.ticket_id)
                 .having(func.count(func.distinct(R.c.reviewer)) >= 2))
        q = select(*cols).select_from(src).where(R.c.account_id == account_id, R.c.ticket_id.in_(multi))
        yield from conn.execute(q.order_by(R.c.ticket_id, R.c.id))
        return
    ids = sorted(set(tickets))
    for i in range(0, len(ids), CHUNK):
        q = select(*cols).select_from(src).where(R.c.account_id == account_id, R.c.ticket_id.in_(ids[i : i + CHUNK]))
        yield from conn.execute(q.order_by(R.c.ticket_id, R.c.id))


def lock_account(conn: Connection, account_id: int) -> None:
    """On PostgreSQL, hold the account's write lock (storage/locks.py) until the transaction
    ends: a write counts its tickets before and after, so two writes to one ticket at once
    must not overlap (each would take out what the other never added). The one lock every
    writer of the account takes, so no two locks can be taken in opposite orders."""
    locks.lock_account(conn, account_id)


def count_tickets(conn: Connection, account_id: int, tickets: Collection[str] | None = None) -> Counted:
    """These tickets' share of the agreement rollups as stored now (None: the whole account)."""
    return count_rows(_review_rows(conn, account_id, tickets), _scales(conn, account_id))


def count_rows(rows: Iterable[Sequence], scales: dict[tuple[int, str], str]) -> Counted:
    """The units of review rows (ticket, review id, reviewer, agent, day, mystery, scorecard
    row, criterion, score) sorted by ticket and review id; criterion None: a review without
    score rows. Pure, so the migration that fills the rollups counts as the code does."""
    out = Counted()
    ticket, reviews = None, []
    for tid, rid, reviewer, agent, day, mystery, sid, criterion, score in rows:
        if tid != ticket:
            if reviews:
                _count_ticket(ticket, reviews, scales, out)
            ticket, reviews = tid, []
        if not reviews or reviews[-1][0] != rid:
            reviews.append((rid, reviewer, agent or "", _month(day), bool(mystery), int(sid), []))
        if criterion is not None:
            reviews[-1][6].append((criterion, score))
    if reviews:
        _count_ticket(ticket, reviews, scales, out)
    return out


# ---- writing -------------------------------------------------------------------------------


def recount(conn: Connection, account_id: int, tickets: Collection[str], before: Counted) -> None:
    """Bring the rollups in step with a write to these tickets: take out what they counted
    `before` it (count_tickets, called before the write in the same transaction) and add
    what they count now."""
    after = count_tickets(conn, account_id, tickets)
    _apply(conn, U, UNIT_KEYS, UNIT_SUMS, account_id, after.units, before.units)
    _apply(conn, V, REVIEWER_KEYS, REVIEWER_SUMS, account_id, after.reviewers, before.reviewers)
    ids = sorted(set(tickets))
    for i in range(0, len(ids), CHUNK):
        conn.execute(delete(L).where(L.c.account_id == account_id, L.c.ticket_id.in_(ids[i : i + CHUNK])))
    _insert_tickets(conn, account_id, after.tickets)


def refresh_agreement(conn: Connection, account_id: int) -> None:
    """Recount one account's agreement rollups from its reviews (`cxpulse rebuild`)."""
    lock_account(conn, account_id)
    for table in tables.AGREEMENT_ROLLUPS:
        conn.execute(delete(table).where(table.c.account_id == account_id))
    counted = count_tickets(conn, account_id)
    _insert(conn, U, UNIT_KEYS, UNIT_SUMS, account_id, counted.units)
    _insert(conn, V, REVIEWER_KEYS, REVIEWER_SUMS, account_id, counted.reviewers)
    _insert_tickets(conn, account_id, counted.tickets)


def _insert_tickets(conn: Connection, account_id: int, rows: dict[str, tuple[date, date, bool]]) -> None:
    if rows:
        conn.execute(L.insert(), [{"account_id": account_id, "ticket_id": t, "first_month": first,
                                   "last_month": last, "mixed": mixed} for t, (first, last, mixed) in rows.items()])


def _insert(conn: Connection, table, keys: Sequence[str], sums: Sequence[str], account_id: int,
            counts: dict[tuple, list[int]]) -> None:
    rows = [{"account_id": account_id, **dict(zip(keys, key)), **dict(zip(sums, v))} for key, v in counts.items()
            if v[0]]
    for i in range(0, len(rows), 5 * CHUNK):
        conn.execute(table.insert(), rows[i : i + 5 * CHUNK])


def _apply(conn: Connection, table, keys: Sequence[str], sums: Sequence[str], account_id: int,
           after: dict[tuple, list[int]], before: dict[tuple, list[int]]) -> None:
    """Add after − before to the rows' sums, in two statements whatever the number of keys: an
    upsert (INSERT … ON CONFLICT add) of every changed key, then the rows whose units fell to 0
    deleted, as a recount would leave them."""
    changed: list[tuple[tuple, list[int]]] = []
    zero = [0] * len(sums)
    for key in after.keys() | before.keys():
        d = [x - y for x, y in zip(after.get(key, zero), before.get(key, zero))]
        if any(d):
            changed.append((key, d))
    if not changed:
        return
    if conn.dialect.name == "sqlite":
        _apply_sqlite(conn, table, keys, sums, account_id, changed)
        return
    delta = [{"account_id": account_id, **dict(zip(keys, key)), **dict(zip(sums, d))} for key, d in changed]
    emptied = [{f"k_{k}": v for k, v in zip(keys, key)} for key, d in changed if d[0] < 0]
    ins = pg_insert(table)
    stmt = ins.on_conflict_do_update(index_elements=[table.c.account_id, *[table.c[k] for k in keys]],
                                     set_={s: table.c[s] + ins.excluded[s] for s in sums})
    for i in range(0, len(delta), 5 * CHUNK):
        conn.execute(stmt, delta[i : i + 5 * CHUNK])
    if emptied:
        match = [table.c.account_id == account_id, *[table.c[k] == bindparam(f"k_{k}") for k in keys]]
        conn.execute(table.delete().where(*match, table.c.n <= 0), emptied)


def _apply_sqlite(conn: Connection, table, keys: Sequence[str], sums: Sequence[str], account_id: int,
                  changed: list[tuple[tuple, list[int]]]) -> None:
    """_apply's statements on SQLite, given to the driver as tuples: an import changes tens of
    thousands of keys, and SQLAlchemy's per-row parameter handling would cost more than SQLite.
    Values as SQLAlchemy stores them there: a date as YYYY-MM-DD, a bool as 0/1."""
    cols = ["account_id", *keys]
    q = ", ".join(f'"{c}"' for c in (*cols, *sums))
    upsert = (f'INSERT INTO {table.name} ({q}) VALUES ({", ".join("?" * (len(cols) + len(sums)))}) '
              f'ON CONFLICT ({", ".join(chr(34) + k + chr(34) for k in cols)}) DO UPDATE SET '
              + ", ".join(f'"{s}" = "{s}" + excluded."{s}"' for s in sums))
    days: dict[date, str] = {}

    def row(key: tuple) -> tuple:  # HEAD: grain, month, agent, first, last, mystery, mixed, scale, criterion, …
        grain, month, agent, first, last, mystery, mixed, *rest = key
        return (account_id, grain, days.get(month) or days.setdefault(month, month.isoformat()), agent,
                days.get(first) or days.setdefault(first, first.isoformat()),
                days.get(last) or days.setdefault(last, last.isoformat()), int(mystery), int(mixed), *rest)

    conn.exec_driver_sql(upsert, [(*row(key), *d) for key, d in changed])
    emptied = [row(key) for key, d in changed if d[0] < 0]
    if emptied:
        where = " AND ".join(f'"{k}" = ?' for k in cols)
        conn.exec_driver_sql(f'DELETE FROM {table.name} WHERE {where} AND "n" <= 0', emptied)


# ---- reading -------------------------------------------------------------------------------


def _conds(table, window: Window, mystery: str) -> list:
    """The units whose ticket the window holds whole, under the --mystery choice; under
    `include` not those of tickets that mix mystery and other reviews (read raw instead)."""
    conds = window_conds(table, table.c.first_month, Window(window.account_ids, window.since, None), mystery)
    if window.until is not None:
        conds.append(table.c.last_month <= window.until)
    if mystery == "include":
        conds.append(table.c.mixed.is_(False))
    return conds


def grain_of(by: Sequence[str], window: Window) -> str:
    """The grain that answers `by` (account aside): all time when no window and no month."""
    grain = ",".join(k for k in ("agent", "month") if k in by)
    if "month" not in by and window.since is None and window.until is None:
        return f"{grain},*" if grain else "*"
    return grain


def rolled_units(
    conn: Connection, *, by: Sequence[str], window: Window, mystery: str
) -> tuple[list[tuple[tuple, str, str, int, int, dict[tuple[int, int], int]]], dict[tuple[tuple, str, str], set[str]]]:
    """From the rollups: (group labels, criterion, scale, unit size m, units, their pairs of
    values {(c, k): times}, both orders), and per (group, criterion, scale) the reviewers who
    scored in them. --by from account, agent and month; a window of whole months
    (qa_rollups.answers)."""
    g = [U.c[_COLUMNS[k]] for k in by]
    q = (select(*g, U.c.criterion, U.c.scale, U.c.m, *[func.sum(U.c[s]) for s in UNIT_SUMS])
         .where(*_conds(U, window, mystery), U.c.grain == grain_of(by, window))
         .group_by(*g, U.c.criterion, U.c.scale, U.c.m))
    units = []
    for row in conn.execute(q):
        criterion, scale, m, n, *sums = row[len(by):]
        pairs: dict[tuple[int, int], int] = {}
        for (c, k), p in zip(PAIRS, sums):
            if p:
                pairs[(c, k)] = int(p)
                if c != k:
                    pairs[(k, c)] = int(p)
        units.append((group_labels(by, row), criterion, scale, int(m), int(n), pairs))
    gv = [V.c[_COLUMNS[k]] for k in by]
    q = (select(*gv, V.c.criterion, V.c.scale, V.c.reviewer).distinct()
         .where(*_conds(V, window, mystery), V.c.grain == grain_of(by, window)))
    reviewers: dict[tuple[tuple, str, str], set[str]] = {}
    for row in conn.execute(q):
        criterion, scale, reviewer = row[len(by):]
        reviewers.setdefault((group_labels(by, row), criterion, scale), set()).add(reviewer)
    return units, reviewers


def raw_tickets(conn: Connection, *, window: Window, mystery: str) -> dict[int, list[str]]:
    """account → the tickets `rolled_units` leaves out that the window still reaches: those
    it cuts (reviews inside and outside it), and under --mystery include those that mix
    mystery with other reviews. They are read from the reviews."""
    read = []
    if window.since is not None:
        read.append(and_(L.c.first_month < window.since, L.c.last_month >= window.since))
    if window.until is not None:
        read.append(and_(L.c.first_month <= window.until, L.c.last_month > window.until))
    if mystery == "include":
        read.append(L.c.mixed.is_(True))
    if not read:
        return {}
    q = select(L.c.account_id, L.c.ticket_id).where(or_(*read))
    if window.account_ids is not None:
        q = q.where(L.c.account_id.in_(list(window.account_ids)))
    if window.since is not None:
        q = q.where(L.c.last_month >= window.since)
    if window.until is not None:
        q = q.where(L.c.first_month <= window.until)
    out: dict[int, list[str]] = {}
    for aid, tid in conn.execute(q.order_by(L.c.account_id, L.c.ticket_id)):
        out.setdefault(int(aid), []).append(tid)
    return out
