"""SLA policy sets (raw: what an admin applied) and each ticket's SLA targets (derived)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, delete, func, select

from cxpulse.domain.sla import PolicySet, policy_from_dict, policy_to_dict
from cxpulse.storage import tables
from cxpulse.storage.id_lists import in_ids
from cxpulse.storage.rows import aware_utc, naive_utc
from cxpulse.storage.store import insert_many

CHUNK = 2000
_s, _p, _k = tables.ticket_sla, tables.sla_policy_sets, tables.ticket_kpis


# ---- policy sets ------------------------------------------------------------------------


def _set_of(effective_from, policies: str) -> PolicySet:
    return PolicySet(aware_utc(effective_from), tuple(policy_from_dict(d) for d in json.loads(policies)))


def policy_sets(conn: Connection, account_id: int) -> tuple[PolicySet, ...]:
    """The account's policy sets, oldest first."""
    q = select(_p.c.effective_from, _p.c.policies).where(_p.c.account_id == account_id).order_by(_p.c.effective_from)
    return tuple(_set_of(at, text) for at, text in conn.execute(q))


def all_policy_sets(conn: Connection) -> dict[int, tuple[PolicySet, ...]]:
    """Every account's policy sets, oldest first: read with the accounts themselves."""
    out: dict[int, list[PolicySet]] = defaultdict(list)
    q = select(_p.c.account_id, _p.c.effective_from, _p.c.policies).order_by(_p.c.account_id, _p.c.effective_from)
    for aid, at, text in conn.execute(q):
        out[aid].append(_set_of(at, text))
    return {aid: tuple(sets) for aid, sets in out.items()}


def save_policy_set(conn: Connection, account_id: int, policy_set: PolicySet) -> bool:
    """Store a set from its effective_from on; the same time again replaces that set.
    Returns False when an identical set is already stored there (nothing changed)."""
    at = naive_utc(policy_set.effective_from)
    text = json.dumps([policy_to_dict(p) for p in policy_set.policies], ensure_ascii=False, sort_keys=True)
    where = and_(_p.c.account_id == account_id, _p.c.effective_from == at)
    old = conn.execute(select(_p.c.policies).where(where)).scalar()
    if old == text:
        return False
    if old is not None:
        conn.execute(_p.update().where(where).values(policies=text, created_at=naive_utc(datetime.now(UTC))))
    else:
        conn.execute(_p.insert().values(account_id=account_id, effective_from=at, policies=text,
                                        created_at=naive_utc(datetime.now(UTC))))
    return True


def latest_effective_from(conn: Connection, account_id: int) -> datetime | None:
    return aware_utc(conn.execute(select(func.max(_p.c.effective_from)).where(_p.c.account_id == account_id)).scalar())


# ---- per-ticket targets (derived) ---------------------------------------------------------


def delete_sla(conn: Connection, account_id: int, ids: Collection[str] | None = None) -> None:
    """Drop the target rows of these tickets (all of the account's when ids is None)."""
    if ids is None:
        conn.execute(delete(_s).where(_s.c.account_id == account_id))
        return
    for named in in_ids(conn, _s.c.ticket_id, ids):
        conn.execute(delete(_s).where(_s.c.account_id == account_id, named))


def insert_sla(conn: Connection, account_id: int, rows: Sequence[dict]) -> None:
    if rows:
        keys = (*rows[0], "account_id")
        insert_many(conn, _s, keys, [(*row.values(), account_id) for row in rows])


def ticket_targets(conn: Connection, account_id: int, ticket_id: str) -> list[dict]:
    """One ticket's target rows, in report order of kind then seq (times aware UTC)."""
    q = select(_s).where(_s.c.account_id == account_id, _s.c.ticket_id == ticket_id).order_by(_s.c.kind, _s.c.seq)
    return [_aware(dict(r._mapping)) for r in conn.execute(q)]


def _aware(row: dict) -> dict:
    for key in ("started_at", "ended_at", "breached_at", "deadline"):
        row[key] = aware_utc(row[key])
    return row


def sla_rows(conn: Connection, *, group_cols: Sequence, conds: Sequence):
    """(group values…, ticket_id, kind, status, deadline) of the targets of tickets in
    `conds` (on ticket_kpis), for the SLA report: the group columns are ticket_kpis'."""
    src = _s.join(_k, and_(_k.c.account_id == _s.c.account_id, _k.c.ticket_id == _s.c.ticket_id))
    q = select(*group_cols, _s.c.account_id, _s.c.ticket_id, _s.c.kind, _s.c.status, _s.c.deadline).select_from(src)
    q = q.where(*conds)
    for row in conn.execute(q):
        *head, aid, tid, kind, status, deadline = row
        yield (*head, aid, tid, kind, status, aware_utc(deadline))


def nearest_deadlines(conn: Connection, account_id: int, ticket_ids: Collection[str]) -> dict[str, tuple]:
    """ticket id → (kind, deadline, breaches so far) for these tickets: the running target
    due first, and how many targets are breached (a running one past its deadline is judged
    by the caller, who knows the time)."""
    out: dict[str, tuple] = {}
    ids = list(ticket_ids)
    for i in range(0, len(ids), CHUNK):
        q = select(_s.c.ticket_id, _s.c.kind, _s.c.status, _s.c.deadline).where(
            _s.c.account_id == account_id, _s.c.ticket_id.in_(ids[i : i + CHUNK])
        )
        for tid, kind, status, deadline in conn.execute(q):
            kind0, due0, breached = out.get(tid, (None, None, 0))
            if status == "breached":
                breached += 1
            elif status == "running" and deadline is not None:
                at = aware_utc(deadline)
                if due0 is None or at < due0:
                    kind0, due0 = kind, at
            out[tid] = (kind0, due0, breached)
    return out
