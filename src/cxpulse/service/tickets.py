"""Reading one account's tickets for the API and the dashboard: each with its KPIs and
its current prediction; the at-risk list; the alert log; the model cards.

Lists are paged by keyset ("after this row"), never by offset, so a page costs the same
at the start and deep in a large account, and rows inserted meanwhile neither repeat nor
vanish. Every query is scoped to one account id: the caller has already checked that
the request may read that account.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from cxpulse.domain import OPEN_STATES
from cxpulse.storage import Store, StoredAccount
from cxpulse.storage import tables as T
from cxpulse.storage.rows import aware_utc, naive_utc

KPI_FIELDS = (
    "first_reply_minutes", "first_reply_bh_minutes", "full_resolution_minutes", "full_resolution_bh_minutes",
    "requester_wait_minutes", "requester_wait_bh_minutes", "agent_replies", "customer_messages", "reopens",
    "reassignments", "group_transfers", "one_touch", "solved",
)

_t, _k, _p = T.tickets, T.ticket_kpis, T.predictions
_u = T.users.alias("agent_user")
_SOURCE = _t.outerjoin(_k, and_(_k.c.account_id == _t.c.account_id, _k.c.ticket_id == _t.c.source_id)).outerjoin(
    _p, and_(_p.c.account_id == _t.c.account_id, _p.c.ticket_id == _t.c.source_id)
)
# The status now: what the KPI fold found at the end of the ticket's events; when it found
# nothing (no status events: "new"), the help desk's own status (as storage/predictions.py).
_OWN_STATUS = func.coalesce(func.nullif(func.lower(_t.c.status), ""), "new")
STATUS = case((or_(_k.c.status.is_(None), _k.c.status == "new"), _OWN_STATUS), else_=_k.c.status)
AGENT = func.coalesce(func.nullif(_k.c.agent_id, ""), _t.c.assignee_id)
# the agent's name, when the help desk sent its users (a ticket's agent is a user of its account)
_SOURCE = _SOURCE.outerjoin(_u, and_(_u.c.account_id == _t.c.account_id, _u.c.source_id == AGENT))
_COLUMNS = (
    _t.c.id, _t.c.source_id, _t.c.subject, _t.c.channel, _t.c.priority, _t.c.group_name, _t.c.category,
    _t.c.requester_id, _t.c.created_at, _t.c.updated_at, _t.c.solved_at, _t.c.due_at, STATUS.label("current_status"),
    AGENT.label("agent"), func.coalesce(_u.c.name, "").label("agent_name"), _k.c.ticket_id.label("kpi_ticket"), *(_k.c[f] for f in KPI_FIELDS),
    _p.c.score, _p.c.probability, _p.c.reasons, _p.c.model_version, _p.c.scored_at,
)


def ticket_dict(row) -> dict:
    """One ticket as the API shows it; `kpis` is None until the ticket's KPIs are derived,
    `score` and its fields are None until the ticket is scored."""
    kpis = None
    if row.kpi_ticket is not None:
        kpis = {f: (bool(row._mapping[f]) if f in ("one_touch", "solved") else row._mapping[f]) for f in KPI_FIELDS}
    return {
        "ticket_id": row.source_id,
        "subject": row.subject,
        "status": row.current_status,
        "open": row.current_status in OPEN_STATES,
        "channel": row.channel,
        "priority": row.priority,
        "group": row.group_name,
        "category": row.category,
        "requester_id": row.requester_id,
        "agent": row.agent or "",
        "agent_name": row.agent_name or "",
        "created_at": aware_utc(row.created_at),
        "updated_at": aware_utc(row.updated_at),
        "solved_at": aware_utc(row.solved_at),
        "due_at": aware_utc(row.due_at),
        "kpis": kpis,
        "score": row.score,
        "probability": row.probability,
        "reasons": json.loads(row.reasons) if row.reasons else [],
        "model_version": row.model_version,
        "scored_at": aware_utc(row.scored_at),
    }


def list_tickets(
    store: Store, acc: StoredAccount, *, status: str | None = None, open_only: bool | None = None,
    agent: str | None = None, limit: int = 100, after: int | None = None,
) -> tuple[list[dict], int | None]:
    """Newest first. Returns the page and the key to pass as `after` for the next one (None at the end)."""
    q = select(*_COLUMNS).select_from(_SOURCE).where(_t.c.account_id == acc.id)
    if status:
        q = q.where(STATUS == status.lower())
    if open_only is not None:
        q = q.where(STATUS.in_(sorted(OPEN_STATES)) if open_only else STATUS.not_in(sorted(OPEN_STATES)))
    if agent:
        q = q.where(AGENT == agent)
    if after is not None:
        q = q.where(_t.c.id < after)
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(_t.c.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [ticket_dict(r) for r in rows], (rows[-1].id if more and rows else None)


def get_ticket(store: Store, acc: StoredAccount, ticket_id: str) -> dict | None:
    q = select(*_COLUMNS).select_from(_SOURCE).where(_t.c.account_id == acc.id, _t.c.source_id == ticket_id)
    with store.engine.connect() as conn:
        row = conn.execute(q).first()
    return None if row is None else ticket_dict(row)


def _at_risk_where(acc: StoredAccount, status: str | None, agent: str | None):
    where = [_t.c.account_id == acc.id, _p.c.score.is_not(None), STATUS.in_(sorted(OPEN_STATES))]
    if status:
        where.append(STATUS == status.lower())
    if agent:
        where.append(AGENT == agent)
    return where


# Equal scores: the earliest promise first (an overdue ticket before one due soon), then
# the tickets with no promise; the sentinel stands for "none" in the sort and the cursor.
NO_DUE = datetime(9999, 12, 31)
_DUE_KEY = func.coalesce(_t.c.due_at, NO_DUE)


def at_risk(
    store: Store, acc: StoredAccount, *, below: int | None = None, limit: int = 100,
    after: tuple[int, datetime | None, str] | None = None, status: str | None = None, agent: str | None = None,
) -> tuple[list[dict], tuple[int, datetime | None, str] | None]:
    """Open, scored tickets, lowest score first; equal scores by the earliest promise to the
    customer (`due_at`; none last), then by ticket id. `status` (one of the open ones: a
    lead may leave the tickets on hold for later) and `agent` narrow them. The key for the
    next page is (score, due_at or None, ticket id)."""
    q = select(*_COLUMNS).select_from(_SOURCE).where(*_at_risk_where(acc, status, agent))
    if below is not None:
        q = q.where(_p.c.score < below)
    if after is not None:
        score, due, tid = after
        due = NO_DUE if due is None else naive_utc(due)
        q = q.where(or_(
            _p.c.score > score,
            and_(_p.c.score == score, or_(_DUE_KEY > due, and_(_DUE_KEY == due, _t.c.source_id > tid))),
        ))
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(_p.c.score, _DUE_KEY, _t.c.source_id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return [ticket_dict(r) for r in rows], (None if last is None else (last.score, aware_utc(last.due_at), last.source_id))


def at_risk_counts(
    store: Store, acc: StoredAccount, *, below: int, agent: str | None = None
) -> dict[str, tuple[int, int]]:
    """Per open status: (scored tickets, of which below `below`) — the at-risk filters'
    counts, of one agent's tickets when `agent` is given."""
    low = func.sum(case((_p.c.score < below, 1), else_=0))
    q = (
        select(STATUS.label("status"), func.count().label("n"), low.label("low")).select_from(_SOURCE)
        .where(*_at_risk_where(acc, None, agent)).group_by(STATUS)
    )
    with store.engine.connect() as conn:
        return {r.status: (int(r.n), int(r.low or 0)) for r in conn.execute(q)}


def at_risk_agents(store: Store, acc: StoredAccount) -> list[tuple[str, str, int]]:
    """(agent id, name or "", scored open tickets) of every agent with some, most first —
    the at-risk page's choice of agent."""
    n = func.count().label("n")
    q = (
        select(AGENT.label("agent"), func.max(func.coalesce(_u.c.name, "")).label("name"), n).select_from(_SOURCE)
        .where(*_at_risk_where(acc, None, None), AGENT.is_not(None), AGENT != "").group_by(AGENT)
    )
    with store.engine.connect() as conn:
        rows = [(r.agent, r.name or "", int(r.n)) for r in conn.execute(q)]
    return sorted(rows, key=lambda r: (-r[2], r[1] or r[0]))


def alert_log(
    store: Store, acc: StoredAccount, *, limit: int = 100, after: tuple[datetime, int] | None = None,
) -> tuple[list[dict], tuple[datetime, int] | None]:
    """The account's alerts, newest first (as `cxpulse alerts`), paged."""
    al = T.alerts
    q = select(al).where(al.c.account_id == acc.id)
    if after is not None:
        at, aid = naive_utc(after[0]), after[1]
        q = q.where(or_(al.c.at < at, and_(al.c.at == at, al.c.id < aid)))
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(al.c.at.desc(), al.c.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    out = [
        {"id": r.id, "ticket_id": r.ticket_id, "at": aware_utc(r.at), "score": r.score, "threshold": r.threshold,
         "model_version": r.model_version, "reasons": json.loads(r.reasons)}
        for r in rows
    ]
    return out, ((aware_utc(rows[-1].at), rows[-1].id) if more and rows else None)


def model_cards(store: Store, acc: StoredAccount) -> list[dict]:
    """Every model stored for the account, newest first, with its card (never the model itself)."""
    m = T.models
    q = (
        select(m.c.version, m.c.scope, m.c.learner, m.c.created_at, m.c.card)
        .where(m.c.account_id == acc.id).order_by(m.c.version.desc())
    )
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [
        {"version": r.version, "scope": r.scope, "learner": r.learner, "created_at": aware_utc(r.created_at),
         "card": json.loads(r.card)}
        for r in rows
    ]

