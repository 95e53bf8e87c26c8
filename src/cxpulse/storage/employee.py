"""Employee-survey storage: definitions, the agents to ask, invitations per round, answers.

The answer and the invitation are written in one transaction, and share nothing a join
could use: the invitation turns `used` (no time, no answer key), the answer gets a random
key, the survey's round and that round's first day (never the day it was given). Times are naive UTC in the tables.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cxpulse.storage import tables
from cxpulse.storage.rows import naive_utc

ES, EI, EA = tables.employee_surveys, tables.employee_invitations, tables.employee_answers


def _insert(conn: Connection, table):
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)


@dataclass(frozen=True)
class SurveyRow:
    id: int
    account_id: int
    name: str
    definition: str
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class InvitationRow:
    id: int
    account_id: int
    survey_id: int
    period: str
    agent_id: str
    email: str
    language: str
    group_name: str
    tenure: str
    status: str
    expires_at: datetime | None


@dataclass(frozen=True)
class AnswerRow:
    period: str
    day: date
    enps: int
    ratings: dict[str, int]
    comment: str
    group_name: str
    tenure: str


def insert_survey(conn: Connection, account_id: int, name: str, definition: str, active: bool, now: datetime
                  ) -> int | None:
    """The new survey's id, or None when the account has one of that name."""
    stmt = _insert(conn, ES).values(account_id=account_id, name=name, definition=definition, active=active,
                                    created_at=naive_utc(now)).on_conflict_do_nothing().returning(ES.c.id)
    row = conn.execute(stmt).first()
    return row[0] if row else None


def surveys(conn: Connection, account_ids: Sequence[int] | None = None, name: str | None = None) -> list[SurveyRow]:
    q = select(ES.c.id, ES.c.account_id, ES.c.name, ES.c.definition, ES.c.active, ES.c.created_at).order_by(ES.c.id)
    if account_ids is not None:
        q = q.where(ES.c.account_id.in_(list(account_ids)))
    if name is not None:
        q = q.where(ES.c.name == name)
    return [SurveyRow(*r) for r in conn.execute(q)]


def survey(conn: Connection, survey_id: int) -> SurveyRow | None:
    r = conn.execute(select(ES.c.id, ES.c.account_id, ES.c.name, ES.c.definition, ES.c.active, ES.c.created_at)
                     .where(ES.c.id == survey_id)).first()
    return SurveyRow(*r) if r else None


def agents(conn: Connection, account_id: int) -> list[tuple[str, str, str, str, datetime | None]]:
    """(agent id, email, locale, group, first ticket) of the account's agents with an email; the
    group is the one most of their assigned tickets are in ("" when none), the first ticket's
    creation time stands for when they started (None when they have no tickets)."""
    u, t = tables.users, tables.tickets
    people = conn.execute(select(u.c.source_id, u.c.email, u.c.locale)
                          .where(u.c.account_id == account_id, u.c.role == "agent", u.c.email != "")
                          .order_by(u.c.source_id)).all()
    counts = conn.execute(select(t.c.assignee_id, t.c.group_name, func.count())
                          .where(t.c.account_id == account_id, t.c.assignee_id != "", t.c.group_name != "")
                          .group_by(t.c.assignee_id, t.c.group_name)).all()
    firsts = dict(conn.execute(select(t.c.assignee_id, func.min(t.c.created_at))
                               .where(t.c.account_id == account_id, t.c.assignee_id != "")
                               .group_by(t.c.assignee_id)).all())
    by_agent: dict[str, Counter] = {}
    for agent, group, n in counts:
        by_agent.setdefault(agent, Counter())[group] += n
    out = []
    for agent, email, locale in people:
        if not (email or "").strip():
            continue
        groups = by_agent.get(agent)
        top = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if groups else ""
        out.append((agent, email.strip(), locale or "", top, firsts.get(agent)))
    return out


def claim_invitation(conn: Connection, row: dict) -> int | None:
    """Insert an agent's invitation for a round in state `sending`; None when the round already has it."""
    values = {"email": "", "language": "", "group_name": "", "tenure": "", "error": "", **row, "status": "sending"}
    res = conn.execute(_insert(conn, EI).values(**values).on_conflict_do_nothing().returning(EI.c.id)).first()
    return res[0] if res else None


def set_sent(conn: Connection, inv_id: int, sent_at: datetime, expires_at: datetime) -> None:
    conn.execute(update(EI).where(EI.c.id == inv_id, EI.c.status == "sending")
                 .values(status="sent", sent_at=naive_utc(sent_at), expires_at=naive_utc(expires_at), error=""))


def set_failed(conn: Connection, inv_id: int, error: str) -> None:
    conn.execute(update(EI).where(EI.c.id == inv_id).values(status="failed", error=error[:500]))


def invitation(conn: Connection, inv_id: int) -> InvitationRow | None:
    r = conn.execute(select(EI.c.id, EI.c.account_id, EI.c.survey_id, EI.c.period, EI.c.agent_id, EI.c.email,
                            EI.c.language, EI.c.group_name, EI.c.tenure, EI.c.status, EI.c.expires_at)
                     .where(EI.c.id == inv_id)).first()
    return InvitationRow(*r) if r else None


def use_and_answer(conn: Connection, inv: InvitationRow, *, day: date, enps: int, ratings: dict[str, int],
                   comment: str) -> bool:
    """Mark the invitation used and store the answer, in the caller's transaction; False (nothing
    written) when it was used already. The answer copies only the round, group and tenure band."""
    won = conn.execute(update(EI).where(EI.c.id == inv.id, EI.c.status == "sent").values(status="used")).rowcount
    if won != 1:
        return False
    conn.execute(EA.insert().values(id=secrets.token_hex(16), account_id=inv.account_id, survey_id=inv.survey_id,
                                    period=inv.period, day=day, enps=enps, ratings=json.dumps(ratings, sort_keys=True),
                                    comment=comment, group_name=inv.group_name, tenure=inv.tenure))
    return True


def answers(conn: Connection, account_ids: Sequence[int] | None = None, survey_ids: Sequence[int] | None = None,
            since: date | None = None, until: date | None = None) -> list[AnswerRow]:
    """The answers, ordered by content (day, then the figures), never by when each was stored."""
    q = select(EA.c.period, EA.c.day, EA.c.enps, EA.c.ratings, EA.c.comment, EA.c.group_name, EA.c.tenure)
    if account_ids is not None:
        q = q.where(EA.c.account_id.in_(list(account_ids)))
    if survey_ids is not None:
        q = q.where(EA.c.survey_id.in_(list(survey_ids)))
    if since is not None:
        q = q.where(EA.c.day >= since)
    if until is not None:
        q = q.where(EA.c.day <= until)
    rows = [AnswerRow(p, d if isinstance(d, date) else date.fromisoformat(str(d)[:10]), e, json.loads(r), c, g, t)
            for p, d, e, r, c, g, t in conn.execute(q)]
    return sorted(rows, key=lambda a: (a.day, a.group_name, a.tenure, a.enps, sorted(a.ratings.items()), a.comment))


def round_counts(conn: Connection, survey_ids: Sequence[int]) -> dict[tuple[int, str], dict[str, int]]:
    """Invitations per (survey, round) and status."""
    out: dict[tuple[int, str], dict[str, int]] = {}
    for sid, period, status, n in conn.execute(
            select(EI.c.survey_id, EI.c.period, EI.c.status, func.count())
            .where(EI.c.survey_id.in_(list(survey_ids))).group_by(EI.c.survey_id, EI.c.period, EI.c.status)):
        out.setdefault((sid, period), {})[status] = n
    return out


def answers_by_account(conn: Connection, account_ids: Sequence[int] | None = None) -> list[tuple[int, AnswerRow]]:
    """(account id, answer) for the reports, ordered by content, never by when each was stored."""
    q = select(EA.c.account_id, EA.c.period, EA.c.day, EA.c.enps, EA.c.ratings, EA.c.comment, EA.c.group_name,
               EA.c.tenure)
    if account_ids is not None:
        q = q.where(EA.c.account_id.in_(list(account_ids)))
    rows = [(acc, AnswerRow(p, d if isinstance(d, date) else date.fromisoformat(str(d)[:10]), e, json.loads(r), c, g, t))
            for acc, p, d, e, r, c, g, t in conn.execute(q)]
    return sorted(rows, key=lambda x: (x[0], x[1].period, x[1].group_name, x[1].tenure, x[1].enps,
                                       sorted(x[1].ratings.items()), x[1].comment))


def update_survey(conn: Connection, survey_id: int, definition: str, active: bool) -> None:
    conn.execute(update(ES).where(ES.c.id == survey_id).values(definition=definition, active=active))
