"""Reading one account's tickets: each with its KPIs and its current prediction, the
at-risk list and its counts, and the one expression for a ticket's status now.

Lists are paged by keyset ("after this row"), never by offset, so a page costs the same
at the start and deep in a large account, and rows inserted meanwhile neither repeat nor
vanish. Every query is scoped to one account id.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from cxpulse.domain import ON_HOLD, OPEN_STATES, Ticket
from cxpulse.metrics.facts import KPIS
from cxpulse.storage import tables
from cxpulse.storage.rows import aware_utc, naive_utc, ticket_of

_t, _k, _p = tables.tickets, tables.ticket_kpis, tables.predictions
_u = tables.users.alias("agent_user")
DELETED = "deleted"  # a ticket status: deleted in the help desk (kept, never open)
CHUNK = 500  # ids per IN (...) list

# The status now: what the KPI fold found at the end of the ticket's events. The fold
# says `new` when nothing told it otherwise (no status events, no solve time), so then —
# and before the KPIs exist — the help desk's own current status decides. Written once:
# every read of "open now" (the ticket lists, at-risk, scoring's open tickets) uses it,
# over tickets outer-joined to ticket_kpis. A ticket the help desk deleted is `deleted`
# whatever its events said last: Zendesk's incremental export lists it again with status
# "deleted" and no status event, so neither open counts, at-risk lists nor scoring see it.
_OWN_STATUS = func.coalesce(func.nullif(func.lower(_t.c.status), ""), "new")
CURRENT_STATUS = case(
    (func.lower(_t.c.status) == DELETED, DELETED),
    (or_(_k.c.status.is_(None), _k.c.status == "new"), _OWN_STATUS),
    else_=_k.c.status,
)


def with_kpis(tickets=_t):
    """tickets outer-joined to their KPI rows: what CURRENT_STATUS reads."""
    return tickets.outerjoin(_k, and_(_k.c.account_id == tickets.c.account_id, _k.c.ticket_id == tickets.c.source_id))


_AGENT = func.coalesce(func.nullif(_k.c.agent_id, ""), _t.c.assignee_id)
_SOURCE = (
    with_kpis()
    .outerjoin(_p, and_(_p.c.account_id == _t.c.account_id, _p.c.ticket_id == _t.c.source_id))
    # the agent's name, when the help desk sent its users (a ticket's agent is a user of its account)
    .outerjoin(_u, and_(_u.c.account_id == _t.c.account_id, _u.c.source_id == _AGENT))
)
_COLUMNS = (
    _t.c.id, _t.c.source_id, _t.c.subject, _t.c.channel, _t.c.priority, _t.c.group_name, _t.c.category,
    _t.c.requester_id, _t.c.created_at, _t.c.updated_at, _t.c.solved_at, _t.c.due_at,
    CURRENT_STATUS.label("current_status"), _AGENT.label("agent"), func.coalesce(_u.c.name, "").label("agent_name"),
    _k.c.ticket_id.label("kpi_ticket"), *(_k.c[k.name] for k in KPIS),
    _p.c.score, _p.c.probability, _p.c.reasons, _p.c.model_version, _p.c.scored_at,
)
_FLAGS = frozenset(k.name for k in KPIS if k.type is bool)

# A ticket's SLA targets (ticket_sla, metrics/sla.py): its nearest running deadline, which
# target that is, and how many were breached as derived — one index range per ticket.
_s = tables.ticket_sla
_OWN_SLA = (_s.c.account_id == _t.c.account_id, _s.c.ticket_id == _t.c.source_id)
_RUNNING = (*_OWN_SLA, _s.c.status == "running", _s.c.deadline.is_not(None))
_SLA_COLUMNS = (
    select(func.min(_s.c.deadline)).where(*_RUNNING).correlate(_t).scalar_subquery().label("sla_deadline"),
    select(_s.c.kind).where(*_RUNNING).order_by(_s.c.deadline, _s.c.kind).limit(1).correlate(_t)
    .scalar_subquery().label("sla_target"),
    select(func.count()).select_from(_s).where(*_OWN_SLA, _s.c.status == "breached").correlate(_t)
    .scalar_subquery().label("sla_breaches"),
)
_COLUMNS = (*_COLUMNS, *_SLA_COLUMNS)
BREACHING = "breaching"  # the at-risk status filter: a running SLA target's deadline within the next hour
BREACHING_WITHIN = timedelta(hours=1)


# When the ticket went on hold: its latest status event into `hold`; a help desk that sent no
# status history leaves its last update (a lower bound: an update may come during the hold),
# else its creation. Read only for the tickets on hold now, by the at-risk list.
_e = tables.ticket_events
HELD_SINCE = func.coalesce(
    select(func.max(_e.c.at)).where(_e.c.account_id == _t.c.account_id, _e.c.ticket_id == _t.c.source_id,
                                    _e.c.kind == "status", func.lower(_e.c.value_to) == ON_HOLD)
    .correlate(_t).scalar_subquery(),
    _t.c.updated_at, _t.c.created_at,
)
LONG_HOLD = "long-hold"  # the at-risk status filter: on hold since before the account's long_hold_days


def long_hold(before: datetime):
    """On hold now, and since before `before`."""
    return and_(CURRENT_STATUS == ON_HOLD, HELD_SINCE < naive_utc(before))


def breaching_soon(now: datetime):
    """The ticket has a running SLA target whose deadline falls in (now, now + 1 h]."""
    return exists(select(_s.c.ticket_id).where(
        *_RUNNING, _s.c.deadline > naive_utc(now), _s.c.deadline <= naive_utc(now + BREACHING_WITHIN)))


def ticket_dict(row) -> dict:
    """One ticket as the API shows it; `kpis` is None until the ticket's KPIs are derived,
    `score` and its fields are None until the ticket is scored."""
    kpis = None
    if row.kpi_ticket is not None:
        m = row._mapping
        kpis = {k.name: (bool(m[k.name]) if k.name in _FLAGS else m[k.name]) for k in KPIS}
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
        "sla_deadline": aware_utc(row.sla_deadline),
        "sla_target": row.sla_target,
        "sla_breaches": int(row.sla_breaches or 0),
    }


def ticket_page(
    conn: Connection, account_id: int, *, status: str | None = None, open_only: bool | None = None,
    agent: str | None = None, limit: int = 100, after: int | None = None,
) -> tuple[list[dict], int | None]:
    """Newest first: the page and the key of the next one (None at the end)."""
    q = select(*_COLUMNS).select_from(_SOURCE).where(_t.c.account_id == account_id)
    if status:
        q = q.where(CURRENT_STATUS == status.lower())
    if open_only is not None:
        open_now = CURRENT_STATUS.in_(sorted(OPEN_STATES))
        q = q.where(open_now if open_only else CURRENT_STATUS.not_in(sorted(OPEN_STATES)))
    if agent:
        q = q.where(_AGENT == agent)
    if after is not None:
        q = q.where(_t.c.id < after)
    rows = conn.execute(q.order_by(_t.c.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return [ticket_dict(r) for r in rows], (rows[-1].id if more and rows else None)


def ticket(conn: Connection, account_id: int, ticket_id: str) -> dict | None:
    q = select(*_COLUMNS).select_from(_SOURCE).where(_t.c.account_id == account_id, _t.c.source_id == ticket_id)
    row = conn.execute(q).first()
    return None if row is None else ticket_dict(row)


def _at_risk_where(account_id: int, status: str | None, agent: str | None, now: datetime | None = None,
                   long_hold_before: datetime | None = None):
    """The scored open tickets of this status and agent. With `long_hold_before`, the
    tickets on hold since before then are only in status LONG_HOLD, and in no other."""
    where = [_t.c.account_id == account_id, _p.c.score.is_not(None), CURRENT_STATUS.in_(sorted(OPEN_STATES))]
    if status == LONG_HOLD:
        if long_hold_before is None:
            raise ValueError("status long-hold needs long_hold_before")
        where.append(long_hold(long_hold_before))
    elif long_hold_before is not None:
        where.append(or_(CURRENT_STATUS != ON_HOLD, HELD_SINCE >= naive_utc(long_hold_before)))
    if status == BREACHING:
        where.append(breaching_soon(now or datetime.now(UTC)))
    elif status and status != LONG_HOLD:
        where.append(CURRENT_STATUS == status.lower())
    if agent:
        where.append(_AGENT == agent)
    return where


# Equal scores: the earliest promise first (an overdue ticket before one due soon), then
# the tickets with no promise; the sentinel stands for "none" in the sort and the cursor.
NO_DUE = datetime(9999, 12, 31)
_DUE_KEY = func.coalesce(_t.c.due_at, NO_DUE)


def at_risk(
    conn: Connection, account_id: int, *, below: int | None = None, limit: int = 100,
    after: tuple[int, datetime | None, str] | None = None, status: str | None = None, agent: str | None = None,
    now: datetime | None = None, long_hold_before: datetime | None = None,
) -> tuple[list[dict], tuple[int, datetime | None, str] | None]:
    """Open, scored tickets, lowest score first, then by `due_at` (none last), then by
    ticket id; the key of the next page is (score, due_at or None, ticket id). `status`
    `breaching`: those with an SLA deadline within the hour after `now`."""
    q = select(*_COLUMNS).select_from(_SOURCE).where(
        *_at_risk_where(account_id, status, agent, now, long_hold_before))
    if below is not None:
        q = q.where(_p.c.score < below)
    if after is not None:
        score, due, tid = after
        due = NO_DUE if due is None else naive_utc(due)
        q = q.where(or_(
            _p.c.score > score,
            and_(_p.c.score == score, or_(_DUE_KEY > due, and_(_DUE_KEY == due, _t.c.source_id > tid))),
        ))
    rows = conn.execute(q.order_by(_p.c.score, _DUE_KEY, _t.c.source_id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return [ticket_dict(r) for r in rows], (None if last is None else (last.score, aware_utc(last.due_at), last.source_id))


def at_risk_counts(conn: Connection, account_id: int, *, below: int, agent: str | None = None,
                   long_hold_before: datetime | None = None) -> dict[str, tuple[int, int]]:
    """Per open status: (scored tickets, of which below `below`). With `long_hold_before`,
    the tickets on hold since before then count under LONG_HOLD (present even at 0), not `hold`."""
    low = func.sum(case((_p.c.score < below, 1), else_=0))
    q = (
        select(CURRENT_STATUS.label("status"), func.count().label("n"), low.label("low")).select_from(_SOURCE)
        .where(*_at_risk_where(account_id, None, agent, long_hold_before=long_hold_before)).group_by(CURRENT_STATUS)
    )
    out = {r.status: (int(r.n), int(r.low or 0)) for r in conn.execute(q)}
    if long_hold_before is not None:
        n, k = conn.execute(select(func.count(), low).select_from(_SOURCE).where(
            *_at_risk_where(account_id, LONG_HOLD, agent, long_hold_before=long_hold_before))).one()
        out[LONG_HOLD] = (int(n or 0), int(k or 0))
    return out


def breaching_counts(
    conn: Connection, account_id: int, *, below: int, now: datetime, agent: str | None = None,
    long_hold_before: datetime | None = None,
) -> tuple[int, int]:
    """(scored open tickets with an SLA deadline within the hour after `now`, of which below `below`)."""
    low = func.sum(case((_p.c.score < below, 1), else_=0))
    n, k = conn.execute(select(func.count(), low).select_from(_SOURCE)
                        .where(*_at_risk_where(account_id, BREACHING, agent, now, long_hold_before))).one()
    return int(n or 0), int(k or 0)


# The at-risk page's orders: key -> (what it sorts by, whether its natural order is
# descending in that expression). Each breaks ties by score, then ticket id; a ticket
# with no value (no promise, no running SLA target, unassigned) goes last either way.
_AGENT_LABEL = func.lower(func.coalesce(func.nullif(_u.c.name, ""), func.nullif(_AGENT, "")))
_SLA_DEADLINE = select(func.min(_s.c.deadline)).where(*_RUNNING).correlate(_t).scalar_subquery()
AT_RISK_ORDERS = {
    "score": _p.c.score,  # lowest first
    "due": _t.c.due_at,  # the earliest promise first
    "sla": _SLA_DEADLINE,  # the nearest SLA deadline first
    "age": _t.c.created_at,  # oldest first: created earliest
    "agent": _AGENT_LABEL,  # by name, A to Z
}


def at_risk_sorted(
    conn: Connection, account_id: int, *, order: str = "score", descending: bool = False, offset: int = 0,
    limit: int = 50, status: str | None = None, agent: str | None = None, now: datetime | None = None,
    long_hold_before: datetime | None = None,
) -> tuple[list[dict], int]:
    """One page of the at-risk list in any of AT_RISK_ORDERS (ascending in its expression
    unless `descending`), and how many tickets the whole list holds. A page by offset: the
    dashboard's numbered pages over an account's open tickets (thousands, not millions);
    the API pages `at_risk` by key. Each ticket on hold carries `held_since`."""
    if order not in AT_RISK_ORDERS:
        raise ValueError(f"order {order!r}: one of {', '.join(AT_RISK_ORDERS)}")
    where = _at_risk_where(account_id, status, agent, now, long_hold_before)
    total = conn.execute(select(func.count()).select_from(_SOURCE).where(*where)).scalar() or 0
    key = AT_RISK_ORDERS[order]
    q = (
        select(*_COLUMNS, HELD_SINCE.label("held_since")).select_from(_SOURCE).where(*where)
        .order_by(case((key.is_(None), 1), else_=0), key.desc() if descending else key.asc(), _p.c.score,
                  _t.c.source_id)
        .offset(max(offset, 0)).limit(limit)
    )
    rows = []
    for r in conn.execute(q):
        d = ticket_dict(r)
        d["held_since"] = aware_utc(r.held_since) if r.current_status == ON_HOLD else None
        rows.append(d)
    return rows, int(total)


def at_risk_agents(conn: Connection, account_id: int, *, long_hold_before: datetime | None = None,
                   status: str | None = None) -> list[tuple[str, str, int]]:
    """(agent id, name or "", scored open tickets) of every agent with some, most first;
    with `long_hold_before`, not counting the tickets on hold since before then (or only
    those, with `status` LONG_HOLD)."""
    n = func.count().label("n")
    q = (
        select(_AGENT.label("agent"), func.max(func.coalesce(_u.c.name, "")).label("name"), n).select_from(_SOURCE)
        .where(*_at_risk_where(account_id, status if status == LONG_HOLD else None, None,
                               long_hold_before=long_hold_before), _AGENT.is_not(None),
               _AGENT != "").group_by(_AGENT)
    )
    rows = [(r.agent, r.name or "", int(r.n)) for r in conn.execute(q)]
    return sorted(rows, key=lambda r: (-r[2], r[1] or r[0]))


def stored_ticket(conn: Connection, account_id: int, source_id: str) -> Ticket | None:
    """The ticket as stored (its fields as the help desk last sent them), or None."""
    row = conn.execute(select(_t).where(_t.c.account_id == account_id, _t.c.source_id == source_id)).first()
    return None if row is None else ticket_of(row)


def requesters(conn: Connection, account_id: int, ids: list[str]) -> dict[str, str]:
    """Ticket id → its requester's id, for the stored tickets among `ids` (a comment by the
    requester is the customer's)."""
    out: dict[str, str] = {}
    for i in range(0, len(ids), CHUNK):
        q = select(_t.c.source_id, _t.c.requester_id).where(_t.c.account_id == account_id,
                                                               _t.c.source_id.in_(ids[i : i + CHUNK]))
        out.update((sid, req or "") for sid, req in conn.execute(q))
    return out


def conversation(conn: Connection, account_id: int, ticket_id: str, limit: int = 500) -> list[dict]:
    """The ticket's comments in time order (public replies and internal notes), as stored
    from the help desk's events: what a reviewer reads beside the review form."""
    e = tables.ticket_events
    q = (
        select(e.c.source_id, e.c.at, e.c.author_id, e.c.author_role, e.c.public, e.c.body)
        .where(e.c.account_id == account_id, e.c.ticket_id == ticket_id, e.c.kind == "comment")
        .order_by(e.c.at, e.c.id)
        .limit(limit)
    )
    return [{"id": sid, "at": aware_utc(at), "author_id": author or "", "author_role": role, "public": bool(public),
             "body": body or ""} for sid, at, author, role, public, body in conn.execute(q)]
