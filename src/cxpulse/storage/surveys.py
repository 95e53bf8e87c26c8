"""Survey storage: definitions, invitations and their state changes, the throttle,
signature-link votes and settings.

Every state change that two `send-due` runs could race for is one conditional UPDATE
whose rowcount says who won (`claim`, `claim_contact`, `claim_reminder`,
`mark_answered`); inserts that must happen once ignore conflicts. On SQLite a write
statement opens each transaction, so waiting for the other writer is the engine's busy
timeout, never "database is locked". Functions take a Connection so a use case can
group them in one transaction. Times are naive UTC in the tables, aware UTC out of here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cxpulse.domain import DONE_STATES
from cxpulse.storage import tables
from cxpulse.storage.rows import aware_utc, naive_utc

CHUNK = 500
ANSWERS_LOCK = 0x43585055  # "CXPU": the advisory lock's first key; the account id is the second
S, I, C, V = tables.surveys, tables.survey_invitations, tables.survey_contacts, tables.link_votes


def _insert(conn: Connection, table):
    """INSERT with the dialect's ON CONFLICT support."""
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


def _accounts(column, account_ids: Sequence[int] | None):
    return column.in_(list(account_ids)) if account_ids is not None else True


# ---- definitions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyRow:
    id: int
    account_id: int
    name: str
    kind: str
    definition: dict  # surveys.definitions.Survey.to_dict()
    active: bool
    created_at: datetime
    updated_at: datetime


def _survey(row) -> SurveyRow:
    return SurveyRow(row.id, row.account_id, row.name, row.kind, json.loads(row.definition), bool(row.active),
                     aware_utc(row.created_at), aware_utc(row.updated_at))


def insert_survey(conn: Connection, account_id: int, name: str, kind: str, definition: dict, active: bool,
                  now: datetime) -> int | None:
    """The new survey's id, or None when the account already has one of that name."""
    stmt = _insert(conn, S).values(
        account_id=account_id, name=name, kind=kind, definition=json.dumps(definition, sort_keys=True),
        active=active, created_at=naive_utc(now), updated_at=naive_utc(now),
    ).on_conflict_do_nothing().returning(S.c.id)
    return conn.execute(stmt).scalar()


def update_survey(conn: Connection, survey_id: int, name: str, kind: str, definition: dict, active: bool,
                  now: datetime) -> None:
    conn.execute(update(S).where(S.c.id == survey_id).values(
        name=name, kind=kind, definition=json.dumps(definition, sort_keys=True), active=active,
        updated_at=naive_utc(now)))


def survey_rows(conn: Connection, *, account_id: int | None = None, name: str | None = None,
                survey_id: int | None = None, active_only: bool = False) -> list[SurveyRow]:
    q = select(S).order_by(S.c.account_id, S.c.name)
    if account_id is not None:
        q = q.where(S.c.account_id == account_id)
    if name is not None:
        q = q.where(S.c.name == name)
    if survey_id is not None:
        q = q.where(S.c.id == survey_id)
    if active_only:
        q = q.where(S.c.active.is_(True))
    return [_survey(r) for r in conn.execute(q)]


# ---- scheduling ----------------------------------------------------------------------------


def solved_time():
    """When a ticket was solved: its own solved_at, else its last status event to solved or
    closed (exports that carry events only), else its last update."""
    t, e = tables.tickets, tables.ticket_events
    last_solve = select(func.max(e.c.at)).where(
        e.c.account_id == t.c.account_id, e.c.ticket_id == t.c.source_id, e.c.kind == "status",
        e.c.value_to.in_(sorted(DONE_STATES))).scalar_subquery()
    return func.coalesce(t.c.solved_at, last_solve, t.c.updated_at)


def schedule_candidates(conn: Connection, account_id: int, survey_id: int, since: datetime
                        ) -> list[tuple[str, str, datetime]]:
    """(ticket, requester, solved at) of solved tickets with a requester and no invitation yet."""
    t = tables.tickets
    solved = solved_time()
    q = select(t.c.source_id, t.c.requester_id, solved).where(
        t.c.account_id == account_id,
        t.c.status.in_(sorted(DONE_STATES)),
        t.c.requester_id != "",
        solved.is_not(None),
        solved >= naive_utc(since),
        ~exists().where(I.c.survey_id == survey_id, I.c.ticket_id == t.c.source_id),
    ).order_by(solved, t.c.source_id)
    return [(tid, req, aware_utc(at)) for tid, req, at in conn.execute(q)]


def insert_scheduled(conn: Connection, rows: Sequence[dict]) -> int:
    """Insert `scheduled` invitations; one that exists for (survey, ticket) is left alone."""
    done = 0
    defaults = {"email": "", "language": "", "status": "scheduled", "claimed_by": "", "attempts": 0, "error": ""}
    for i in range(0, len(rows), CHUNK):
        chunk = [{**defaults, **r, "solved_at": naive_utc(r["solved_at"]), "due_at": naive_utc(r["due_at"])}
                 for r in rows[i : i + CHUNK]]
        done += len(conn.execute(_insert(conn, I).values(chunk).on_conflict_do_nothing().returning(I.c.id)).all())
    return done


_TIMES = ("solved_at", "due_at", "sent_at", "expires_at", "answered_at", "confirmed_at")


def insert_history(conn: Connection, rows: Sequence[dict]) -> int:
    """Insert invitations sent before cxpulse kept them (the demo's year), each with its
    status and times as given; one that exists for (survey, ticket) is left alone."""
    if not rows:
        return 0
    defaults = {"email": "", "language": "", "claimed_by": "", "attempts": 1, "error": "", "clicked_score": None}
    params = [{**defaults, **r, **{k: naive_utc(r[k]) if r.get(k) else None for k in _TIMES}} for r in rows]
    before = conn.execute(select(func.count()).select_from(I)).scalar_one()
    conn.execute(_insert(conn, I).on_conflict_do_nothing(), params)  # executemany: one statement compiled
    return conn.execute(select(func.count()).select_from(I)).scalar_one() - before


def cancel_reopened(conn: Connection, account_ids: Sequence[int] | None) -> int:
    """Scheduled invitations whose ticket is open again are cancelled: never sent."""
    t = tables.tickets
    reopened = exists().where(t.c.account_id == I.c.account_id, t.c.source_id == I.c.ticket_id,
                              t.c.status.not_in(sorted(DONE_STATES)))
    stmt = update(I).where(I.c.status == "scheduled", reopened, _accounts(I.c.account_id, account_ids))
    return conn.execute(stmt.values(status="cancelled", error="ticket reopened before sending")).rowcount


def expire_unsent(conn: Connection, survey_id: int, due_before: datetime) -> int:
    """Scheduled invitations due longer ago than the survey's expiry are not worth sending."""
    stmt = update(I).where(I.c.survey_id == survey_id, I.c.status == "scheduled", I.c.due_at < naive_utc(due_before))
    return conn.execute(stmt.values(status="expired", error="not sent before it would have expired")).rowcount


def expire_sent(conn: Connection, now: datetime, account_ids: Sequence[int] | None) -> int:
    stmt = update(I).where(I.c.status == "sent", I.c.expires_at <= naive_utc(now),
                           _accounts(I.c.account_id, account_ids))
    return conn.execute(stmt.values(status="expired")).rowcount


def fail_stale_claims(conn: Connection, claimed_before: datetime, account_ids: Sequence[int] | None) -> int:
    """A run that died while sending: mark failed rather than risk mailing twice."""
    stmt = update(I).where(I.c.status == "sending", I.c.claimed_at < naive_utc(claimed_before),
                           _accounts(I.c.account_id, account_ids))
    return conn.execute(stmt.values(status="failed", error="interrupted while sending")).rowcount


def due_ids(conn: Connection, now: datetime, account_ids: Sequence[int] | None, limit: int | None) -> list[int]:
    """Scheduled invitations of active surveys whose time has come, oldest first."""
    q = (select(I.c.id).join(S, S.c.id == I.c.survey_id)
         .where(I.c.status == "scheduled", I.c.due_at <= naive_utc(now), S.c.active.is_(True),
                _accounts(I.c.account_id, account_ids))
         .order_by(I.c.due_at, I.c.id))
    if limit is not None:
        q = q.limit(limit)
    return list(conn.execute(q).scalars())


def claim(conn: Connection, inv_id: int, run_id: str, now: datetime) -> bool:
    """Take a scheduled invitation for this run; False when another run already has it."""
    stmt = update(I).where(I.c.id == inv_id, I.c.status == "scheduled").values(
        status="sending", claimed_by=run_id, claimed_at=naive_utc(now), attempts=I.c.attempts + 1)
    return conn.execute(stmt).rowcount == 1


def set_status(conn: Connection, inv_id: int, status: str, *, from_status: str, **values) -> bool:
    vals = {k: naive_utc(v) if isinstance(v, datetime) else v for k, v in values.items()}
    stmt = update(I).where(I.c.id == inv_id, I.c.status == from_status).values(status=status, **vals)
    return conn.execute(stmt).rowcount == 1


def reminder_ids(conn: Connection, now: datetime, account_ids: Sequence[int] | None) -> list[int]:
    q = select(I.c.id).where(I.c.status == "sent", I.c.reminded_at.is_(None), I.c.reminder_at <= naive_utc(now),
                             I.c.expires_at > naive_utc(now), _accounts(I.c.account_id, account_ids)
                             ).order_by(I.c.reminder_at, I.c.id)
    return list(conn.execute(q).scalars())


def claim_reminder(conn: Connection, inv_id: int, now: datetime) -> bool:
    stmt = update(I).where(I.c.id == inv_id, I.c.status == "sent", I.c.reminded_at.is_(None)).values(
        reminded_at=naive_utc(now))
    return conn.execute(stmt).rowcount == 1


def release_reminder(conn: Connection, inv_id: int, error: str) -> None:
    conn.execute(update(I).where(I.c.id == inv_id).values(reminded_at=None, error=error))


def mark_answered(conn: Connection, inv_id: int, now: datetime, score: int | None = None) -> bool:
    """Record the first answer's time (and a click's score); False when an answer was already recorded."""
    stmt = update(I).where(I.c.id == inv_id, I.c.answered_at.is_(None)).values(
        answered_at=naive_utc(now), status="answered", clicked_score=score)
    return conn.execute(stmt).rowcount == 1


def mark_scanner(conn: Connection, inv_id: int, answered_at: datetime, until: datetime) -> bool:
    """Undo the first click of a link scanner's burst: the invitation is unanswered again and
    clicks until `until` store nothing. Only the run that still sees that first answer wins."""
    stmt = update(I).where(I.c.id == inv_id, I.c.answered_at == naive_utc(answered_at), I.c.confirmed_at.is_(None)
                           ).values(answered_at=None, clicked_score=None, status="sent", scanner_until=naive_utc(until))
    return conn.execute(stmt).rowcount == 1


def extend_scanner(conn: Connection, inv_id: int, until: datetime) -> None:
    """Another click of the burst: the scanner's window runs on from it."""
    conn.execute(update(I).where(I.c.id == inv_id, I.c.scanner_until.is_not(None), I.c.confirmed_at.is_(None),
                                 I.c.scanner_until < naive_utc(until)).values(scanner_until=naive_utc(until)))


def confirm(conn: Connection, inv_id: int, now: datetime) -> None:
    """The page's form was posted: a person answered; no click is a scanner's from now on."""
    conn.execute(update(I).where(I.c.id == inv_id, I.c.confirmed_at.is_(None)).values(
        confirmed_at=naive_utc(now), scanner_until=None))


def delete_responses(conn: Connection, account_id: int, source_ids: Sequence[str]) -> list[tuple[str, object]]:
    """Delete these stored responses (a scanner's click); returns their (ticket id, day) to refresh."""
    r = tables.responses
    where = and_(r.c.account_id == account_id, r.c.source_id.in_(list(source_ids)))
    gone = [(row.ticket_id, row.day) for row in conn.execute(select(r.c.ticket_id, r.c.day).where(where))]
    if gone:
        conn.execute(r.delete().where(where))
    return gone


@dataclass(frozen=True, slots=True)
class InvitationRow:
    id: int
    account_id: int
    survey_id: int
    ticket_id: str
    customer_id: str
    email: str
    language: str
    status: str
    solved_at: datetime
    due_at: datetime
    sent_at: datetime | None
    reminder_at: datetime | None
    reminded_at: datetime | None
    expires_at: datetime | None
    answered_at: datetime | None
    attempts: int
    error: str
    clicked_score: int | None = None
    scanner_until: datetime | None = None
    confirmed_at: datetime | None = None


_TIMES = ("solved_at", "due_at", "sent_at", "reminder_at", "reminded_at", "expires_at", "answered_at",
          "scanner_until", "confirmed_at")


def invitation(conn: Connection, inv_id: int) -> InvitationRow | None:
    row = conn.execute(select(I).where(I.c.id == inv_id)).first()
    if row is None:
        return None
    d = row._asdict()
    return InvitationRow(**{k: aware_utc(d[k]) if k in _TIMES else d[k] for k in InvitationRow.__slots__})


def invitation_counts(conn: Connection, survey_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Invitations per survey and status: what `surveys show` prints."""
    out: dict[int, dict[str, int]] = {}
    q = select(I.c.survey_id, I.c.status, func.count()).where(I.c.survey_id.in_(list(survey_ids))).group_by(
        I.c.survey_id, I.c.status)
    for sid, status, n in conn.execute(q):
        out.setdefault(sid, {})[status] = int(n)
    return out


def customer(conn: Connection, account_id: int, customer_id: str) -> tuple[str, str, str] | None:
    """(name, email, locale) of a user, or None when the help desk never sent that user."""
    u = tables.users
    row = conn.execute(select(u.c.name, u.c.email, u.c.locale).where(
        u.c.account_id == account_id, u.c.source_id == customer_id)).first()
    return tuple(row) if row is not None else None


def ticket_brief(conn: Connection, account_id: int, ticket_id: str) -> tuple[str, str, str] | None:
    """(subject, status, assignee) of a ticket."""
    t = tables.tickets
    row = conn.execute(select(t.c.subject, t.c.status, t.c.assignee_id).where(
        t.c.account_id == account_id, t.c.source_id == ticket_id)).first()
    return tuple(row) if row is not None else None


def stored_responses(conn: Connection, account_id: int, source_ids: Sequence[str]) -> dict[str, dict]:
    """The responses a survey answer stored, by source id: what a later answer replaces."""
    r = tables.responses
    q = select(r.c.source_id, r.c.score, r.c.attribute, r.c.importance, r.c.reason, r.c.comment, r.c.given_at).where(
        r.c.account_id == account_id, r.c.source_id.in_(list(source_ids)))
    return {row.source_id: {**row._asdict(), "given_at": aware_utc(row.given_at)} for row in conn.execute(q)}


@contextmanager
def answers_lock(engine: Engine, account_id: int) -> Iterator[None]:
    """Store one account's answers one at a time: refreshing its rollups (delete, then
    insert the recount) from two PostgreSQL sessions at once would collide. A session-level
    advisory lock on its own autocommit connection; SQLite serialises writers itself."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(select(func.pg_advisory_lock(ANSWERS_LOCK, account_id)))
        try:
            yield
        finally:
            conn.execute(select(func.pg_advisory_unlock(ANSWERS_LOCK, account_id)))


# ---- the throttle ----------------------------------------------------------------------------


def claim_contact(conn: Connection, account_id: int, customer_id: str, now: datetime, cutoff: datetime
                  ) -> tuple[bool, datetime | None]:
    """Claim the right to mail this customer now: (True, previous time) unless someone was
    sent a survey after `cutoff`. The row exists first, then one conditional UPDATE decides."""
    conn.execute(_insert(conn, C).values(account_id=account_id, customer_id=customer_id, last_sent_at=None)
                 .on_conflict_do_nothing())
    where = and_(C.c.account_id == account_id, C.c.customer_id == customer_id)
    previous = conn.execute(select(C.c.last_sent_at).where(where).with_for_update()).scalar()
    stmt = update(C).where(where, or_(C.c.last_sent_at.is_(None), C.c.last_sent_at < naive_utc(cutoff)))
    won = conn.execute(stmt.values(last_sent_at=naive_utc(now))).rowcount == 1
    return won, aware_utc(previous)


def release_contact(conn: Connection, account_id: int, customer_id: str, now: datetime,
                    previous: datetime | None) -> None:
    """Undo a claim whose mail could not be sent, unless another run claimed since."""
    conn.execute(update(C).where(C.c.account_id == account_id, C.c.customer_id == customer_id,
                                 C.c.last_sent_at == naive_utc(now)).values(last_sent_at=naive_utc(previous)))


# ---- signature-link votes --------------------------------------------------------------------


def lock_survey(conn: Connection, survey_id: int) -> None:
    """Serialise votes of one survey: a row lock on PostgreSQL, the write lock on SQLite."""
    conn.execute(update(S).where(S.c.id == survey_id).values(id=S.c.id))


def votes_since(conn: Connection, survey_id: int, ip_hash: str, since: datetime) -> int:
    q = select(func.count()).select_from(V).where(V.c.survey_id == survey_id, V.c.ip_hash == ip_hash,
                                                  V.c.at >= naive_utc(since))
    return int(conn.execute(q).scalar_one())


def insert_vote(conn: Connection, *, account_id: int, survey_id: int, ticket_id: str, customer_id: str,
                ip_hash: str, at: datetime) -> int | None:
    """The vote's id, or None when this ticket and customer already voted."""
    values = dict(account_id=account_id, survey_id=survey_id, ticket_id=ticket_id or None,
                  customer_id=customer_id, ip_hash=ip_hash, at=naive_utc(at))
    stmt = _insert(conn, V).values(**values).on_conflict_do_nothing().returning(V.c.id)
    return conn.execute(stmt).scalar()


# ---- settings -----------------------------------------------------------------------------


def get_setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(tables.settings.c.value).where(tables.settings.c.key == key)).scalar()


def put_setting_if_absent(conn: Connection, key: str, value: str) -> None:
    conn.execute(_insert(conn, tables.settings).values(key=key, value=value).on_conflict_do_nothing())


def put_setting(conn: Connection, key: str, value: str) -> None:
    """Set `key` to `value`, replacing what it held."""
    stmt = _insert(conn, tables.settings).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=[tables.settings.c.key], set_={"value": value}))
