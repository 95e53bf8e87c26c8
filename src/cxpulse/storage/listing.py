"""The rows behind a figure: one page of the survey answers or the tickets of a window,
filtered the way the report was (storage/queries.Window), sorted and counted.

The drill-down's read side: a figure on the dashboard links to the list of what it
counted, so these select exactly what the report counts (test contacts left out, the
same dimension expressions), row by row instead of in sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, or_, select

from cxpulse.domain.types import Scale
from cxpulse.storage import tables
from cxpulse.storage.mystery import not_test_contact
from cxpulse.storage.queries import (
    Window,
    bucket_expr,
    due_bucket,
    kpi_columns,
    response_columns,
    where_conds,
    window_conds,
)
from cxpulse.storage.rollups import r
from cxpulse.storage.rows import aware_utc, naive_utc

LIST_KINDS = ("csat", "nps", "ces", "csi")
RESPONSE_SORTS = ("date", "score", "agent", "ticket")
TICKET_SORTS = ("created", "first_reply", "resolution", "wait", "reopens", "agent", "ticket")


@dataclass(frozen=True, slots=True)
class Page:
    total: int  # rows in the whole list
    rows: list[dict]


def low_scores() -> dict[str, dict[str, tuple[int, ...]]]:
    """The answers that count against a figure, per kind and scale: CSAT not satisfied,
    NPS detractors (0–6), CES not easy (below the top three boxes)."""
    out: dict[str, dict[str, tuple[int, ...]]] = {"csat": {}, "nps": {}, "ces": {}}
    out["csat"]["1-5"] = (1, 2, 3)
    out["csat"]["binary"] = (0,)
    out["nps"]["0-10"] = tuple(range(0, 7))
    for scale in (Scale.SEVEN, Scale.TEN):
        lo, hi = scale.bounds
        out["ces"][scale.value] = tuple(range(lo, hi - 2))
    return out


def low_condition(kinds: Sequence[str]):
    """Over the responses alias `r`: the answer counts against its figure (low_scores)."""
    parts = []
    for kind, scales in low_scores().items():
        if kinds and kind not in kinds:
            continue
        for scale, scores in scales.items():
            parts.append(and_(r.c.kind == kind, r.c.scale == scale, r.c.score.in_(scores)))
    return or_(*parts) if parts else r.c.id.is_(None)


def response_page(
    conn: Connection, *, window: Window, kinds: Sequence[str] = (), low: bool = False,
    scores: Sequence[int] = (), sort: str = "date", descending: bool = True, offset: int = 0, limit: int = 50,
    bucket: tuple[str, str] | None = None, now: datetime | None = None,
) -> Page:
    """One page of the answers given in the window (not public reviews, not test contacts),
    with their ticket's subject and dimensions; `limit` None: all of them (an export)."""
    tk = tables.tickets
    cols = response_columns(tk)  # over the responses alias `r` the report's raw reads use
    src = r.outerjoin(tk, and_(tk.c.account_id == r.c.account_id, tk.c.source_id == r.c.ticket_id))
    conds = [
        *window_conds(r.c.account_id, r.c.day, window, "raw"), *where_conds(cols, window),
        r.c.kind.in_(list(kinds) if kinds else list(LIST_KINDS)),
        not_test_contact(r.c.account_id, r.c.ticket_id),
    ]
    if low:
        conds.append(low_condition(kinds))
    if scores:
        conds.append(r.c.score.in_(list(scores)))
    if bucket is not None:  # the Drivers page's buckets: answers whose ticket's KPI falls in one
        k = tables.ticket_kpis
        kind, label = bucket
        expr = due_bucket(now or datetime.now(UTC)) if kind == "due" else bucket_expr(kind)
        conds.append(select(k.c.ticket_id).where(k.c.account_id == r.c.account_id, k.c.ticket_id == r.c.ticket_id,
                                                 expr == label).exists())
    total = conn.execute(select(func.count()).select_from(src).where(*conds)).scalar_one()
    order = {
        "date": [r.c.given_at],
        "score": [r.c.score, r.c.given_at],
        "agent": [func.coalesce(cols["agent"], ""), r.c.given_at],
        "ticket": [r.c.ticket_id],
    }[sort if sort in RESPONSE_SORTS else "date"]
    order = [c.desc() if descending else c.asc() for c in order] + [r.c.id.desc() if descending else r.c.id]
    q = (
        select(r.c.account_id, r.c.ticket_id, r.c.given_at, r.c.day, r.c.kind, r.c.scale, r.c.score, r.c.attribute,
               r.c.comment, r.c.reason, func.coalesce(cols["agent"], "").label("agent"),
               func.coalesce(cols["group"], "").label("group"), func.coalesce(cols["channel"], "").label("channel"),
               func.coalesce(cols["category"], "").label("category"), func.coalesce(tk.c.subject, "").label("subject"))
        .select_from(src).where(*conds).order_by(*order).offset(offset)
    )
    if limit is not None:
        q = q.limit(limit)
    rows = [{**row._asdict(), "given_at": aware_utc(row.given_at)} for row in conn.execute(q)]
    return Page(total, rows)


def ticket_page(
    conn: Connection, *, window: Window, solved: bool | None = None, reopened: bool | None = None,
    sort: str = "created", descending: bool = True, offset: int = 0, limit: int | None = 50,
    sla: tuple[str, str] | None = None, now: datetime | None = None,
) -> Page:
    """One page of the tickets created in the window (what the KPIs count), with their KPIs;
    `sla` (target kind, met | breached | running): those with such a target, a running one
    past its deadline at `now` counted as breached, as the SLA figures count it."""
    k, tk = tables.ticket_kpis, tables.tickets
    src = k.outerjoin(tk, and_(tk.c.account_id == k.c.account_id, tk.c.source_id == k.c.ticket_id))
    conds = [*window_conds(k.c.account_id, k.c.created_day, window, "raw"), *where_conds(kpi_columns(), window)]
    if solved is not None:
        conds.append(k.c.solved.is_(solved))
    if reopened is not None:
        conds.append(k.c.reopens > 0 if reopened else k.c.reopens == 0)
    if sla is not None:
        s = tables.ticket_sla
        kind, status = sla
        at = naive_utc(now or datetime.now(UTC))
        late = or_(s.c.status == "breached", and_(s.c.status == "running", s.c.deadline <= at))
        which = {"met": s.c.status == "met", "breached": late,
                 "running": and_(s.c.status == "running", or_(s.c.deadline.is_(None), s.c.deadline > at))}[status]
        conds.append(select(s.c.ticket_id).where(s.c.account_id == k.c.account_id, s.c.ticket_id == k.c.ticket_id,
                                                 s.c.kind == kind, which).exists())
    total = conn.execute(select(func.count()).select_from(src).where(*conds)).scalar_one()
    order_col = {
        "created": tk.c.created_at, "first_reply": k.c.first_reply_minutes, "resolution": k.c.full_resolution_minutes,
        "wait": k.c.requester_wait_minutes, "reopens": k.c.reopens, "agent": k.c.agent_id, "ticket": k.c.ticket_id,
    }[sort if sort in TICKET_SORTS else "created"]
    # rows without a value last either way, as the dashboard's tables sort
    order = [order_col.is_(None), order_col.desc() if descending else order_col.asc(), k.c.ticket_id]
    q = (
        select(k.c.account_id, k.c.ticket_id, tk.c.created_at, k.c.created_day, k.c.status, k.c.agent_id.label("agent"),
               k.c.group_name.label("group"), k.c.channel, k.c.category, k.c.first_reply_minutes,
               k.c.full_resolution_minutes, k.c.requester_wait_minutes, k.c.reopens, k.c.solved,
               func.coalesce(tk.c.subject, "").label("subject"))
        .select_from(src).where(*conds).order_by(*order).offset(offset)
    )
    if limit is not None:
        q = q.limit(limit)
    rows = [{**row._asdict(), "created_at": aware_utc(row.created_at) if row.created_at else None}
            for row in conn.execute(q)]
    return Page(total, rows)
